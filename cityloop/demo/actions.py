"""Writes only the demo makes. Each is a domain action with its audit entries."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import ValidationError

from cityloop.core.audit import domain_action, record
from cityloop.core.models import User


@domain_action
def set_password_hash(users: Sequence[User], encoded: str, *, actor: User) -> int:
    """Give demo users a password that is already hashed, so that the slow hash runs once for all of
    them rather than once each. Records one audit entry per user (without the hash); returns how many."""
    try:
        identify_hasher(encoded)
    except ValueError:
        raise ValidationError({"password": "not a password hash made by make_password()"}) from None
    pks = [u.pk for u in users]
    User.objects.filter(pk__in=pks).update(password=encoded)
    for user in users:
        user.password = encoded
        record(actor, "user.set_password", user, after={"password": "set to the demo password"})
    return len(pks)
