"""Who is evaluated, and where each subject's counts come from.

Persons are the holders of a role (supervisor, acceptance operator, shift leader, dispatcher) at some
time during the period inside the evaluated area; their counts are the steps they ended (``ended_by``)
and, for supervisors, the cases they reported and the cases found in their patrol area. Departments
are the units that own disposals (the unit of each ``dispose`` step) plus every department and
company of the area. Regions are the districts (in a city's evaluation), streets, communities and
unit grids of the area. The 热线满意度 subjects (``HOTLINE_SUBJECTS``) are the same departments,
districts and streets, counted on the hotline's return visits alone.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, Sum

from cityloop.core.models import Membership, Role, Unit, UnitKind
from cityloop.geo.models import Grid

from .counting import Tally, add_derived
from .measure_types import Window
from .measures import DERIVED
from .models import HOTLINE_SUBJECTS


@dataclass(frozen=True)
class Source:
    """Counts of ``family`` grouped by ``group``: for the subject itself (``area`` False), or summed
    over the communities of its patrol area (``area`` True). ``take`` names the family's measures the
    subject gets and what it calls them (all of them, with ``prefix``, when empty)."""

    family: str
    group: str
    take: tuple[tuple[str, str], ...] = ()
    area: bool = False
    prefix: str = ""

    def names(self) -> list[tuple[str, str]]:
        """(family measure, subject measure) pairs."""
        from .measures import FAMILIES

        if self.take:
            return list(self.take)
        return [(m.key, self.prefix + m.key) for m in FAMILIES[self.family].measures]


def _same(*keys: str) -> tuple[tuple[str, str], ...]:
    return tuple((k, k) for k in keys)


SOURCES: dict[str, tuple[Source, ...]] = {
    "supervisor": (
        Source("territory", "reporter_id", (("cases_reported", "reported"), ("cases", "valid"))),
        Source("steps", "ended_by_id", _same("verified", "verified_on_time", "checked", "checked_on_time")),
        Source("territory", "community_id", area=True, prefix="area_"),
    ),
    "operator": (
        Source(
            "steps",
            "ended_by_id",
            _same(
                "accepted",
                "accepted_on_time",
                "check_sent",
                "check_sent_on_time",
                "video_checked",
                "video_checked_on_time",
            ),
        ),
        Source("video_rounds", "operator_id"),
    ),
    "shift_leader": (
        Source(
            "steps",
            "ended_by_id",
            _same(
                "register_steps",
                "register_on_time",
                "registered",
                "registered_kept",
                "close_steps",
                "close_on_time",
            ),
        ),
    ),
    "dispatcher": (
        Source("steps", "ended_by_id", _same("dispatched", "dispatched_on_time", "dispatched_kept")),
    ),
    "department": (
        Source("dispose_started", "unit_id"),
        Source("steps", "unit_id", _same("disposed", "disposed_on_time", "returned")),
        Source("dispose_overdue", "unit_id"),
        Source("extensions", "unit_id"),
        Source("return_visits", "unit_id"),
    ),
    "district": (
        Source("territory", "district_id"),
        Source("return_visits", "district_id"),
        Source("community_tasks", "district_id"),
        Source("surveys", "district_id"),
        Source("frontage", "district_id"),
    ),
    "street": (
        Source("territory", "street_id"),
        Source("return_visits", "street_id"),
        Source("community_tasks", "street_id"),
        Source("surveys", "street_id"),
        Source("frontage", "street_id"),
    ),
    "community": (
        Source("territory", "community_id"),
        Source("return_visits", "community_id"),
        Source("community_tasks", "community_id"),
        Source("surveys", "community_id"),
    ),
    "grid": (Source("territory", "grid_id"), Source("return_visits", "grid_id")),
    # 热线满意度: the return visits alone (the units of the base subject, see HOTLINE_SUBJECTS).
    "hotline_department": (Source("return_visits", "unit_id"),),
    "hotline_district": (Source("return_visits", "district_id"),),
    "hotline_street": (Source("return_visits", "street_id"),),
}
ROLES = {
    "supervisor": Role.SUPERVISOR,
    "operator": Role.OPERATOR,
    "shift_leader": Role.SHIFT_LEADER,
    "dispatcher": Role.DISPATCHER,
}
DEPARTMENT_KINDS = (UnitKind.DEPARTMENT, UnitKind.COMPANY)


@dataclass
class Subject:
    """One evaluated person, unit or grid, with what the scheme needs to know about it."""

    kind: str
    key: int
    label: str
    code: str
    unit_id: int | None  # the unit evaluated, or where the person / grid sits
    user_id: int | None = None
    grid_id: int | None = None
    unit_kind: str = ""
    area_units: tuple[int, ...] = ()  # a supervisor's patrol communities
    area_m2: float | None = None
    codes: tuple[str, ...] = ()  # own code and ancestors' codes, for region classes and groups
    counts: dict[str, int] = field(default_factory=dict)


def source_for(kind: str, measure: str) -> tuple[Source, str] | None:
    """The source that gives ``measure`` to subjects of ``kind``, and the family's own measure key."""
    for source in SOURCES[kind]:
        for family_key, subject_key in source.names():
            if subject_key == measure:
                return source, family_key
    return None


def group_values(subject: Subject, source: Source) -> list[int]:
    """The values of the source's group field that belong to the subject."""
    return list(subject.area_units) if source.area else [subject.key]


def measure_keys(kind: str) -> list[str]:
    """Every measure a subject of ``kind`` has (for zero-filling and validation): its sources'
    counts, then the derived measures whose parts it all has."""
    keys = [subject_key for source in SOURCES[kind] for _, subject_key in source.names()]
    return keys + [k for k, parts in DERIVED.items() if all(p in keys for p in parts)]


def attach_counts(kind: str, subjects: list[Subject], tally: Tally) -> None:
    """Fill every subject's counts from the family queries (one query per family, never per case)."""
    zero = dict.fromkeys(measure_keys(kind), 0)
    for subject in subjects:
        subject.counts = dict(zero)
    for source in SOURCES[kind]:
        counted = tally.by(source.family, source.group)
        pairs = source.names()
        for subject in subjects:
            for value in group_values(subject, source):
                found = counted.get(value)
                if found:
                    for family_key, subject_key in pairs:
                        subject.counts[subject_key] += found[family_key]
    derived = [k for k in zero if k in DERIVED]
    for subject in subjects:
        add_derived(subject.counts, derived)


# --- who is evaluated --------------------------------------------------------------------------------


def _within(scope: Unit) -> Q:
    return Q(path__startswith=scope.path)


def _active_units(scope: Unit, first: dt.date, last: dt.date) -> Any:
    return Unit.objects.filter(_within(scope), valid_from__lte=last).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=first)
    )


def _codes(unit: Unit, by_id: dict[int, Unit]) -> tuple[str, ...]:
    ids = [int(p) for p in unit.path.strip("/").split("/") if p]
    return tuple(by_id[i].code for i in reversed(ids) if i in by_id)


def persons(kind: str, scope: Unit, first: dt.date, last: dt.date) -> list[Subject]:
    """Holders of the subject's role at some time in the period, in units inside the area."""
    memberships = (
        Membership.objects.filter(role=ROLES[kind], unit__path__startswith=scope.path, valid_from__lte=last)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=first))
        .select_related("user", "unit")
        .order_by("user__username", "unit__path")
    )
    by_user: dict[int, list[Membership]] = defaultdict(list)
    for m in memberships:
        by_user[m.user_id].append(m)
    communities = list(
        _active_units(scope, first, last).filter(kind=UnitKind.COMMUNITY).values_list("id", "path")
    )
    out = []
    for user_id, held in by_user.items():
        user = held[0].user
        area: tuple[int, ...] = ()
        if kind == "supervisor":
            paths = [m.unit.path for m in held]
            area = tuple(cid for cid, path in communities if any(path.startswith(p) for p in paths))
        out.append(
            Subject(
                kind=kind,
                key=user_id,
                label=user.display_name or user.username,
                code=user.username,
                unit_id=held[0].unit_id,
                user_id=user_id,
                area_units=area,
            )
        )
    return out


def departments(scope: Unit, first: dt.date, last: dt.date, with_facts: Iterable[int]) -> list[Subject]:
    """Every department and company of the area, and any other unit that owned a disposal."""
    units = Unit.objects.filter(
        Q(pk__in=list(with_facts), path__startswith=scope.path)
        | Q(pk__in=_active_units(scope, first, last).filter(kind__in=DEPARTMENT_KINDS).values("pk"))
    )
    everything = {u.pk: u for u in Unit.objects.only("pk", "code", "path")}
    return [
        Subject(
            kind="department",
            key=u.pk,
            label=u.name,
            code=u.code,
            unit_id=u.pk,
            unit_kind=u.kind,
            codes=_codes(u, everything),
        )
        for u in units.order_by("path")
    ]


REGION_KINDS = {"district": UnitKind.DISTRICT, "street": UnitKind.STREET, "community": UnitKind.COMMUNITY}


def _region_area(unit: Unit, area_by_community: dict[int, float], units: dict[int, Unit]) -> float:
    """A district's, street's or community's area: its communities' grids in service."""
    if unit.kind == UnitKind.COMMUNITY:
        return area_by_community.get(unit.pk, 0.0)
    return sum(
        a for cid, a in area_by_community.items() if cid in units and units[cid].path.startswith(unit.path)
    )


def regions(kind: str, scope: Unit, first: dt.date, last: dt.date) -> list[Subject]:
    """The area's districts, streets, communities or unit grids, with their area in m² (grids in
    service on the period's last day; a grid redrawn during the period is listed in each of its
    versions)."""
    units = {u.pk: u for u in Unit.objects.filter(_within(scope))}
    grids = Grid.objects.filter(community__path__startswith=scope.path, valid_from__lte=last).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=first)
    )
    current = grids.filter(valid_from__lte=last).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=last))
    if kind == "grid":
        return [
            Subject(
                kind="grid",
                key=g.pk,
                label=g.name or g.code,
                code=g.code,
                unit_id=g.community_id,
                grid_id=g.pk,
                area_m2=g.area_m2,
                codes=(g.code, *_codes(units[g.community_id], units))
                if g.community_id in units
                else (g.code,),
            )
            for g in grids.order_by("code", "valid_from")
        ]
    area_by_community: dict[int, float] = dict(
        current.order_by()
        .values("community_id")
        .annotate(total=Sum("area_m2"))
        .values_list("community_id", "total")
    )
    out = []
    for unit in _active_units(scope, first, last).filter(kind=REGION_KINDS[kind]).order_by("path"):
        area = _region_area(unit, area_by_community, units)
        out.append(
            Subject(
                kind=kind,
                key=unit.pk,
                label=unit.name,
                code=unit.code,
                unit_id=unit.pk,
                unit_kind=unit.kind,
                area_m2=float(area or 0.0),
                codes=_codes(unit, units),
            )
        )
    return out


def subjects_for(
    kind: str, scope: Unit, window: Window, tally: Tally, first: dt.date, last: dt.date
) -> list[Subject]:
    """The subjects of ``kind`` in the area with their counts attached."""
    base = HOTLINE_SUBJECTS.get(kind, kind)
    if kind in ROLES:
        found = persons(kind, scope, first, last)
    elif base == "department":
        with_facts: set[int] = set()
        for source in SOURCES[kind]:
            names = [f for f, _ in source.names()]
            counted = tally.by(source.family, source.group)
            # Every step carries a unit (the district for the centre's steps): only disposal facts count.
            with_facts |= {unit for unit, counts in counted.items() if any(counts[n] for n in names)}
        found = departments(scope, first, last, with_facts)
    else:
        found = regions(base, scope, first, last)
    for subject in found:
        subject.kind = kind
    attach_counts(kind, found, tally)
    return found
