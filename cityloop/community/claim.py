"""The community station's claim on a case (三长一站: small matters stay in the community).

A case whose category the city marks as community-level (data: :class:`CommunityLevelCategory`),
inside a community that runs a station with a unit, goes to that station first. The lookup is an
in-memory snapshot rebuilt when stations or categories change (routing asks it for every case)."""

from __future__ import annotations

import datetime as dt

from cityloop.core.versioned import Versioned
from cityloop.routing.claimers import Claim
from cityloop.routing.facts import Facts

_FOREVER = dt.date.max


class _Snapshot:
    def __init__(self, version: int) -> None:
        from .models import CommunityLevelCategory, Station

        self.version = version
        self.categories = [
            (c.code, c.kind, c.valid_from, c.valid_to or _FOREVER) for c in CommunityLevelCategory.objects.all()
        ]
        self.stations = dict(
            Station.objects.filter(unit__isnull=False).values_list("community_id", "unit_id")
        )


SNAPSHOT: Versioned[_Snapshot] = Versioned("community.claims", _Snapshot)


def bump_version() -> None:
    """Tell every process that stations or community-level categories changed (inside the write)."""
    SNAPSHOT.bump()


def is_community_level(code: str, on: dt.date, kind: str = "event") -> bool:
    """Whether ``code`` (of ``kind``) is a community-level category on ``on`` (a listed code or a
    prefix of it)."""
    return any(
        code.startswith(c) and (not k or k == kind) and start <= on < end
        for c, k, start, end in SNAPSHOT.get().categories
    )


def community_claim(facts: Facts) -> Claim | None:
    """The station of the case's community, for a community-level category."""
    if not facts.community_id or facts.is_emergency:
        return None
    snap = SNAPSHOT.get()
    unit_id = snap.stations.get(facts.community_id)
    if unit_id is None or not is_community_level(facts.category_code, facts.on, facts.kind):
        return None
    from .models import Task, TaskState

    if (
        facts.reference
        and Task.objects.filter(case_number=facts.reference, state=TaskState.ESCALATED).exists()
    ):
        return None  # the community already tried: the district handles it
    return Claim(
        unit_id=unit_id,
        reason="社区级问题：先由社区工作站在社区内解决（三长一站）",
        reason_en="community-level problem: the community station handles it first",
    )
