"""A party's phone account: a user with no role, linked through ``Party.account``, created by the
street's frontage officer (the party then signs its letters and answers notices with it)."""

from __future__ import annotations

import re

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from cityloop.core import sessions
from cityloop.core.accounts import temporary_password
from cityloop.core.audit import domain_action, record
from cityloop.core.models import User

from .access import require_officer
from .models import Party

USERNAME = re.compile(r"^[A-Za-z0-9_.@+-]{3,150}$")


@domain_action
def create_party_account(
    *, actor: User, party: Party, username: str, password: str | None, display_name: str = ""
) -> User:
    """Make the party's account (no role) and link it. ``password`` None leaves it unusable until
    one is set (the demo sets hashed ones)."""
    require_officer(actor, party.street)
    username = username.strip()
    if not USERNAME.match(username):
        raise ValidationError({"username": "账号为3到150个字母、数字或_.@+-"})
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"账号{username}已被使用"})
    if party.account_id is not None:
        raise ValidationError({"party": f"{party.name}已有账号"})
    user = User(username=username, display_name=(display_name or party.name)[:100], is_active=True)
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user=user)
        except ValidationError as exc:
            raise ValidationError({"password": exc.messages}) from None
        user.set_password(password)
    user.save()
    party.account = user
    party.save(update_fields=["account", "changed"])
    record(actor, "frontage.party.account", party, after={"account": username})
    return user


@domain_action
def give_party_account(
    *, actor: User, party: Party, username: str, display_name: str = ""
) -> tuple[User, str]:
    """The street's officer gives the party its phone account with a temporary password, returned to
    hand over once: the party chooses its own at the first sign-in (as staff accounts do)."""
    user = create_party_account(
        actor=actor, party=party, username=username, password=None, display_name=display_name
    )
    return user, _temporary(user)


@domain_action
def reset_party_password(*, actor: User, party: Party) -> str:
    """A party forgot its password: its street's officer gives it a new temporary one (returned to
    hand over once; chosen anew at the next sign-in) and its open sessions end."""
    require_officer(actor, party.street)
    user = party.account
    if user is None:
        raise ValidationError({"party": f"{party.name}还没有账号"})
    raw = _temporary(user)
    sessions.end_sessions(user)
    record(actor, "user.reset_password", user, after={"must_change_password": True, "party": party.uscc})
    return raw


def _temporary(user: User) -> str:
    """A temporary password for ``user``, to change at the next sign-in; returned to hand over once."""
    raw = temporary_password()
    user.set_password(raw)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    return raw
