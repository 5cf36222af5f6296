"""Writes only the demo makes. Each is a domain action with its audit entries."""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import ValidationError

from cityloop.core.audit import domain_action, record
from cityloop.core.models import User


@domain_action
def set_password_hashes(hashes: Mapping[User, str], *, actor: User) -> int:
    """Give demo users passwords that are already hashed (each with its own salt), so that building
    the demo does not run the slow hash at full strength once a user. Records one audit entry per
    user (without the hash); returns how many."""
    for encoded in hashes.values():
        try:
            identify_hasher(encoded)
        except ValueError:
            raise ValidationError({"password": "not a password hash made by make_password()"}) from None
    users = list(hashes)
    for user in users:
        user.password = hashes[user]
    User.objects.bulk_update(users, ["password"], batch_size=500)
    for user in users:
        record(actor, "user.set_password", user, after={"password": "set to the demo password"})
    return len(users)
