"""Evaluating a period in memory: subjects with their counts, scored under the schemes in force.

Nothing here writes; :mod:`.actions` stores drafts and publishes snapshots. The number of queries
depends on the number of families, never on the number of cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from cityloop.core.models import Unit, UnitKind

from . import schemes as scheme_lookup
from .counting import Tally
from .deductions import DeductionLine, deduct
from .measure_types import Window
from .models import CITY_ONLY_SUBJECTS, Scheme, SchemeKind, Subject
from .periods import Period
from .scoring import Outcome, group_of, rank, score
from .subjects import SOURCES, subjects_for
from .subjects import Subject as Evaluated

ALL_SUBJECTS: tuple[str, ...] = tuple(Subject.values)


@dataclass
class Scored:
    subject: Evaluated
    outcome: Outcome


@dataclass
class Deducted:
    subject: Evaluated
    line: DeductionLine
    group: str = ""
    group_label: str = ""
    rank: int | None = None


@dataclass
class Evaluation:
    """A period's results for an area, as computed now."""

    period: Period
    scope: Unit
    window: Window
    schemes: dict[str, Scheme]
    scores: dict[str, list[Scored]] = field(default_factory=dict)
    deduction_scheme: Scheme | None = None
    deductions: list[Deducted] = field(default_factory=list)
    queries: int = 0


def districts_of(scope: Unit) -> tuple[int, ...]:
    """The districts whose cases an evaluation of ``scope`` reads."""
    if scope.kind == UnitKind.DISTRICT:
        return (scope.pk,)
    if scope.kind != UnitKind.CITY:
        raise ValidationError({"scope": f"{scope.name} is a {scope.kind}; evaluate a city or a district"})
    return tuple(
        Unit.objects.filter(path__startswith=scope.path, kind=UnitKind.DISTRICT).values_list("pk", flat=True)
    )


def default_scope() -> Unit:
    """The area evaluated when none is named: the city (or the only district when there is no city)."""
    roots = list(Unit.objects.filter(kind=UnitKind.CITY).order_by("path")[:2])
    if len(roots) == 1:
        return roots[0]
    districts = list(Unit.objects.filter(kind=UnitKind.DISTRICT)[:2])
    if not roots and len(districts) == 1:
        return districts[0]
    raise ValidationError(
        {"scope": "there are several (or no) cities; name the area to evaluate by its code"}
    )


def subjects_of(scope: Unit) -> tuple[str, ...]:
    """The subjects an evaluation of ``scope`` ranks: all of them for a city; a district's own
    evaluation has no districts to rank against each other (the city's evaluation ranks them)."""
    if scope.kind == UnitKind.CITY:
        return ALL_SUBJECTS
    return tuple(s for s in ALL_SUBJECTS if s not in CITY_ONLY_SUBJECTS)


def check_subjects(scope: Unit, subjects: tuple[str, ...]) -> None:
    """Refuse unknown subjects, and subjects the area has nothing to rank for (districts in a
    district's own evaluation)."""
    unknown = set(subjects) - set(ALL_SUBJECTS)
    if unknown:
        raise ValidationError(
            {"subject": f"unknown subject {', '.join(sorted(unknown))}; use {', '.join(ALL_SUBJECTS)}"}
        )
    offered = subjects_of(scope)
    elsewhere = [s for s in subjects if s not in offered]
    if elsewhere:
        raise ValidationError(
            {
                "subject": f"ranked only in a city's evaluation, not in {scope.name}'s: "
                f"{', '.join(elsewhere)}; evaluate the city, or choose from {', '.join(offered)}"
            }
        )


def window_for(period: Period, scope: Unit, now: dt.datetime | None = None) -> Window:
    now = now or timezone.now()
    return Window(period.start, period.end, min(period.end, now), districts_of(scope))


def resolve_schemes(period: Period, subjects: tuple[str, ...]) -> dict[str, Scheme]:
    found: dict[str, Scheme] = {}
    missing = []
    for subject in subjects:
        scheme = scheme_lookup.in_force(subject, period.first_day)
        if scheme is None:
            missing.append(subject)
        else:
            found[subject] = scheme
    if missing:
        raise ValidationError(
            {
                "scheme": f"no scheme in force on {period.first_day} for {', '.join(missing)}; "
                "add one in the admin"
            }
        )
    return found


def evaluate(
    period: Period,
    scope: Unit,
    *,
    subjects: tuple[str, ...] | list[str] | None = None,
    now: dt.datetime | None = None,
    adjustments: dict[int, list[tuple[str, Decimal]]] | None = None,
) -> Evaluation:
    """Compute the period's scores for ``subjects`` (by default every subject the area ranks) over
    ``scope``. Facts after ``now`` (default: the current time) are ignored, as are facts after the
    period's end."""
    chosen = tuple(subjects or subjects_of(scope))
    check_subjects(scope, chosen)
    window = window_for(period, scope, now)
    result = Evaluation(period, scope, window, resolve_schemes(period, chosen))
    tally = Tally(window)
    # Every query the chosen subjects need, run together (in parallel outside a transaction).
    tally.prefetch((source.family, source.group) for kind in chosen for source in SOURCES[kind])
    for kind in chosen:
        config = result.schemes[kind].config
        scored = [
            Scored(
                s,
                score(config, s.counts, unit_kind=s.unit_kind, codes=s.codes or (s.code,), area_m2=s.area_m2),
            )
            for s in subjects_for(kind, scope, window, tally, period.first_day, period.last_day)
        ]
        rank([s.outcome for s in scored])
        result.scores[kind] = scored
    if "department" in chosen:
        result.deduction_scheme = scheme_lookup.in_force("department", period.first_day, SchemeKind.DEDUCTION)
        if result.deduction_scheme is not None:
            result.deductions = deduct_all(
                result.deduction_scheme.config, result.scores["department"], adjustments or {}
            )
    result.queries = tally.queries
    return result


def deduct_all(
    config: dict[str, Any], scored: list[Scored], adjustments: dict[int, list[tuple[str, Decimal]]]
) -> list[Deducted]:
    """The deduction table: one line per unit with cases this period (or an adjustment), ranked by
    final points within each group."""
    lines = []
    for s in scored:
        counts = s.subject.counts
        if not (counts.get("received") or counts.get("due") or s.subject.key in adjustments):
            continue
        group, group_label, _ = group_of(config, s.subject.unit_kind, s.subject.codes or (s.subject.code,))
        line = deduct(config, counts, adjustments.get(s.subject.key, []))
        lines.append(Deducted(s.subject, line, group, group_label))
    by_group: dict[str, list[Deducted]] = {}
    for d in lines:
        by_group.setdefault(d.group, []).append(d)
    for members in by_group.values():
        members.sort(key=lambda d: d.line.final, reverse=True)
        for position, d in enumerate(members, start=1):
            previous = members[position - 2] if position > 1 else None
            d.rank = previous.rank if previous and previous.line.final == d.line.final else position
    return lines
