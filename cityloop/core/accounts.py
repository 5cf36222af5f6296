"""Users' accounts: their details, passwords and deactivation. Each is a domain action, refused for
a user outside the administrator's area (``core.areas``); changing one's own password is the user's.

A temporary password (a reset, a new account from a roster) is shown once and never stored in
clear; its user must choose their own at the next sign-in (``User.must_change_password``).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.utils import timezone
from django.utils.translation import gettext as _

from . import sessions
from .areas import require_user
from .audit import domain_action, record, snapshot
from .models import ApiToken, User
from .phones import check_phone

# Letters and digits that cannot be mistaken for one another when read aloud or copied by hand.
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"
TEMPORARY_LENGTH = 12
USER_FIELDS = ("display_name", "phone", "email")


def temporary_password() -> str:
    """A random password to hand over once (12 characters, about 70 bits)."""
    while True:
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(TEMPORARY_LENGTH))
        if any(c.isdigit() for c in raw) and any(c.isalpha() for c in raw):
            return raw


@domain_action
def update_user(*, actor: User, user: User, **changes: Any) -> User:
    """Change a user's name, phone or email."""
    require_user(actor, user)
    unknown = set(changes) - set(USER_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, _("this field cannot be changed here")))
    if changes.get("phone"):
        changes["phone"] = check_phone(str(changes["phone"]), "phone")
    if changes.get("email"):
        try:
            validate_email(changes["email"])
        except ValidationError:
            raise ValidationError({"email": _("enter a valid email address")}) from None
    before = snapshot(user, list(USER_FIELDS))
    for field, value in changes.items():
        setattr(user, field, (value or "").strip())
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(changes))
    record(actor, "user.update", user, before=before, after=snapshot(user, list(USER_FIELDS)))
    return user


@domain_action
def deactivate_user(*, actor: User, user: User) -> User:
    """Stop ``user`` from signing in: their console sessions end and their API tokens are revoked at
    once (tokens are read on every request, so the very next call is refused)."""
    require_user(actor, user)
    if user.pk == actor.pk:
        raise PermissionDenied(_("you cannot deactivate your own account"))
    if not user.is_active:
        raise ValidationError({"user": _("%(user)s is already inactive") % {"user": user}})
    user.is_active = False
    user.save(update_fields=["is_active"])
    revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    ended = sessions.end_sessions(user)
    after = {"is_active": False, "tokens_revoked": revoked, "sessions_ended": ended}
    record(actor, "user.deactivate", user, before={"is_active": True}, after=after)
    return user


@domain_action
def reactivate_user(*, actor: User, user: User) -> tuple[User, str]:
    """Let a deactivated user sign in again, with a new temporary password (shown once)."""
    require_user(actor, user)
    if user.is_active:
        raise ValidationError({"user": _("%(user)s is already active") % {"user": user}})
    raw = temporary_password()
    user.is_active = True
    user.set_password(raw)
    user.must_change_password = True
    user.save(update_fields=["is_active", "password", "must_change_password"])
    record(actor, "user.reactivate", user, before={"is_active": False}, after={"is_active": True})
    return user, raw


@domain_action
def reset_password(*, actor: User, user: User) -> str:
    """Give ``user`` a temporary password, returned to show once; they must change it at the next
    sign-in. Their open sessions end (a session belongs to the password it signed in with)."""
    require_user(actor, user)
    if user.pk == actor.pk:
        raise PermissionDenied(_("change your own password on your account page"))
    raw = temporary_password()
    user.set_password(raw)
    user.must_change_password = True
    user.save(update_fields=["password", "must_change_password"])
    sessions.end_sessions(user)
    record(actor, "user.reset_password", user, after={"must_change_password": True})
    return raw


@domain_action
def change_password(*, actor: User, user: User, old_password: str, new_password: str) -> User:
    """A user chooses their own password: the current one is asked, the new one must pass the
    project's password rules and differ from the current one."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("only its user changes a password this way"))
    if not user.check_password(old_password):
        raise ValidationError({"old_password": _("the current password is not right")})
    if old_password == new_password:
        raise ValidationError({"new_password": _("choose a password different from the current one")})
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password": list(exc.messages)}) from None
    user.set_password(new_password)
    user.must_change_password = False
    user.save(update_fields=["password", "must_change_password"])
    record(actor, "user.change_password", user, after={"must_change_password": False})
    return user
