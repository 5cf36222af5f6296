"""A user's active memberships, read once and kept for a few seconds on the user instance.

Every transition asks which role the actor acts in. A request loads its user afresh, so there this
is one query per request. Long-lived instances (the simulator, the worker, benchmarks) read them
again after ``TTL_SECONDS``, and at once after any membership or unit is saved or deleted in this
process, so a role given or taken away elsewhere takes effect within that time.
"""

from __future__ import annotations

import time
from typing import Any

from django.utils import timezone

from . import fastsql
from .models import Membership, Unit, User

TTL_SECONDS = 5.0
_ATTR = "_cityloop_memberships"
_generation = 0


def forget(**kwargs: Any) -> None:
    """Signal receiver: a membership or unit changed in this process, so every cached copy is stale."""
    global _generation
    _generation += 1


def active_memberships(user: User) -> list[Membership]:
    """The user's memberships valid today, with their units."""
    today = timezone.localdate()
    now = time.monotonic()
    cached = user.__dict__.get(_ATTR)
    if cached is not None:
        read_at, generation, on, rows = cached
        if generation == _generation and on == today and now - read_at < TTL_SECONDS:
            return rows
    # Prepared statements, not the ORM: every request that acts asks.
    rows = [m for m in fastsql.fetch(Membership, user=user.pk, order_by="id") if m.valid_on(today)]
    units = {u.pk: u for u in fastsql.fetch(Unit, id__in={m.unit_id for m in rows})}
    for membership in rows:
        membership.unit = units[membership.unit_id]
    user.__dict__[_ATTR] = (now, _generation, today, rows)
    return rows
