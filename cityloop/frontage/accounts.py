"""The account a party signs in with on a phone (no role: every page it sees is gated on
``Party.account``), given by the party's street."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from cityloop.core.audit import domain_action, record
from cityloop.core.models import User

from .models import Party


@domain_action
def give_party_account(
    *, actor: User, party: Party, username: str, password: str, display_name: str = ""
) -> User:
    """Create the party's sign-in (a user with no role) and link it; a party has at most one. The
    interfaces check that the actor manages the party (``restrict(..., "manage")``)."""
    party = Party.objects.select_for_update().get(pk=party.pk)
    if party.account_id:
        raise ValidationError({"username": f"{party.name}已有登录账号"})
    username = username.strip()
    if not username or len(username) > 150:
        raise ValidationError({"username": "请填写登录名（不超过150个字符）"})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"登录名{username}已被占用"})
    user = User(username=username, display_name=(display_name or party.name)[:100])
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    party.account = user
    party.save(update_fields=["account", "changed"])
    record(actor, "frontage.party.account", party, after={"username": username})
    return user
