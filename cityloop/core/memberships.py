"""A user's active memberships, kept for a few seconds per process.

Every transition asks in which role the actor acts, and every API request loads its user afresh, so
the answer is kept per process by user (shared instances: read them, never change them). A
membership or unit saved or deleted in this process drops every kept answer at once; one changed in
another process takes effect here within ``TTL_SECONDS``.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from . import fastsql
from .memo import BriefCache
from .models import Membership, User
from .units import units_by_id

TTL_SECONDS = 5.0
MEMBERSHIPS: BriefCache[list[Membership]] = BriefCache("memberships", ttl=TTL_SECONDS)


def forget(**kwargs: Any) -> None:
    """Signal receiver: a membership or unit changed in this process, so every kept answer is stale."""
    MEMBERSHIPS.clear()


def active_memberships(user: User) -> list[Membership]:
    """The user's memberships valid today, with their units."""
    today = timezone.localdate()

    def read() -> list[Membership]:
        # Prepared statements, not the ORM: every request that acts asks.
        rows = [m for m in fastsql.fetch(Membership, user=user.pk, order_by="id") if m.valid_on(today)]
        units = units_by_id(m.unit_id for m in rows)
        for membership in rows:
            membership.unit = units[membership.unit_id]
        return rows

    return MEMBERSHIPS.get((user.pk, today), read)
