"""The counts every indicator is built from, read from the facts frozen on the cases.

A *family* is one SQL query: a base set of rows (timed steps, cases or timeline events) for the
period, grouped by the field that names the subject (the user who ended a step, the unit owning a
disposal, the case's grid …), with one conditional count per *measure*. The same definition serves
the aggregate and the drill-down ("which cases are behind this count"), so the two always agree.

Rules shared by every measure:

* a step counts in the period in which it **ended** (``ended_at`` in ``[start, end)``), with the
  on-time fact frozen when it ended; disposals still running at the cut-off count as *overdue
  pending* once their deadline has passed;
* cases count in the period in which they were **reported** (regions, supervisors' reports) or
  **dispatched** (a unit's cases); what happened to them counts only if it happened before the
  cut-off (the period's end, or "now" for a period still running), so a past month's numbers do not
  move when its cases are worked on later.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery

from cityloop.cases.models import Case, CaseEvent, CaseStep


@dataclass(frozen=True)
class Window:
    """What a computation looks at: the period ``[start, end)``, the cut-off for "before the end"
    (``min(end, now)``) and the districts of the evaluated area."""

    start: dt.datetime
    end: dt.datetime
    cutoff: dt.datetime
    districts: tuple[int, ...]


@dataclass(frozen=True)
class Measure:
    """One count: rows of its family matching ``when`` (counted once per case if ``per_case``)."""

    key: str
    label: str
    label_en: str
    when: Callable[[Window], Q] = field(default=lambda w: Q())
    per_case: bool = False


@dataclass(frozen=True)
class Family:
    """A base query and the measures counted over it, grouped by one of ``groups``."""

    key: str
    base: Callable[[Window], QuerySet[Any]]
    groups: tuple[str, ...]
    measures: tuple[Measure, ...]
    case_field: str = "case_id"
    # Group fields that nest (grid → community → street): query once by all of them and sum up.
    rollup: tuple[str, ...] = ()


# --- base row sets ------------------------------------------------------------------------------------


def _steps_ended(step: str, transitions: Iterable[str] | None = None) -> Callable[[Window], QuerySet[Any]]:
    def base(w: Window) -> QuerySet[Any]:
        qs = CaseStep.objects.filter(
            district_id__in=w.districts, step=step, ended_at__gte=w.start, ended_at__lt=w.end
        )
        return qs.filter(ended_by_transition__in=list(transitions)) if transitions else qs

    return base


def _same_case_step(step: str, ref: str = "case_id", **conditions: Any) -> QuerySet[Any]:
    """Steps of the case the outer row belongs to (``ref`` is "case_id" for steps, "pk" for cases)."""
    return CaseStep.objects.filter(case_id=OuterRef(ref), step=step, **conditions)


def _started_by_dispatch() -> Exists:
    """This disposal began with a dispatch (not with a rework after a failed check or a reopen)."""
    return Exists(
        _same_case_step("dispatch", ended_at=OuterRef("started_at"), ended_by_transition="dispatch")
    )


def _dispose_started(w: Window) -> QuerySet[Any]:
    return (
        CaseStep.objects.filter(
            district_id__in=w.districts, step="dispose", started_at__gte=w.start, started_at__lt=w.end
        )
        # Implied by starting in the period; lets the (district, step, ended_at) index bound the scan.
        .filter(Q(ended_at__gte=w.start) | Q(ended_at__isnull=True))
        .annotate(by_dispatch=_started_by_dispatch())
    )


def _on_hold_at(w: Window) -> Subquery:
    """The last hold decision before the cut-off on this disposal: 'approve_hold' means on hold."""
    return Subquery(
        CaseEvent.objects.filter(
            case_id=OuterRef("case_id"),
            transition__in=("approve_hold", "resume"),
            at__gte=OuterRef("started_at"),
            at__lt=w.cutoff,
        )
        .order_by("-at", "-seq")
        .values("transition")[:1]
    )


def _dispose_overdue(w: Window) -> QuerySet[Any]:
    return (
        CaseStep.objects.filter(
            district_id__in=w.districts, step="dispose", started_at__lt=w.cutoff, deadline_at__lt=w.cutoff
        )
        .filter(Q(ended_at__isnull=True) | Q(ended_at__gte=w.cutoff))
        .annotate(hold=_on_hold_at(w))
    )


def _cases_reported(w: Window) -> QuerySet[Any]:
    return Case.objects.filter(
        district_id__in=w.districts, reported_at__gte=w.start, reported_at__lt=w.end
    ).exclude(state="new")


def _extensions(w: Window) -> QuerySet[Any]:
    unit = Subquery(
        CaseStep.objects.filter(case_id=OuterRef("case_id"), step="dispose", started_at__lte=OuterRef("at"))
        .order_by("-started_at", "-id")
        .values("unit_id")[:1]
    )
    return CaseEvent.objects.filter(
        case__district_id__in=w.districts, transition="approve_extension", at__gte=w.start, at__lt=w.end
    ).annotate(unit_id=unit)


# --- conditions -----------------------------------------------------------------------------------------


def _on_time(w: Window) -> Q:
    return Q(on_time=True)


def _valid(w: Window) -> Q:
    # Registered before the cut-off, or a supervisor's self-handled report approved (closed without
    # registration): both are valid reports (有效上报).
    return Q(registered_at__lt=w.cutoff) | Q(closed_at__lt=w.cutoff)


def _voided_after_registration(w: Window) -> Q:
    # A registered case voided by the shift leader stops its running dispatch clock with 'void'.
    return Q(
        Exists(_same_case_step("dispatch", "pk", ended_by_transition="void", ended_at__lt=w.cutoff)),
        registered_at__lt=w.cutoff,
    )


def _closable(w: Window) -> Q:
    return _valid(w) & ~_voided_after_registration(w)


def _closed(w: Window) -> Q:
    return Q(closed_at__lt=w.cutoff)


def _closed_on_time(w: Window) -> Q:
    late = _same_case_step("dispose", "pk", on_time=False, ended_at__lt=w.cutoff)
    return Q(closed_at__lt=w.cutoff) & ~Q(Exists(late))


def _public(w: Window) -> Q:
    return _valid(w) & Q(channel__is_public=True)


def _returned_after(w: Window) -> Q:
    returned = _same_case_step(
        "dispose", started_at=OuterRef("ended_at"), ended_by_transition="approve_return", ended_at__lt=w.cutoff
    )
    return Q(Exists(returned))


def _kept(w: Window) -> Q:
    """Dispatched to the unit and not handed back through an approved return before the cut-off."""
    return Q(by_dispatch=True) & ~Q(ended_by_transition="approve_return", ended_at__lt=w.cutoff)


FAMILIES: dict[str, Family] = {
    f.key: f
    for f in [
        Family(
            "accept",
            _steps_ended("accept"),
            ("ended_by_id",),
            (
                Measure("accepted", "受理数", "reports taken in"),
                Measure("accepted_on_time", "按时派核实/受理数", "taken in on time", _on_time),
            ),
        ),
        Family(
            "verify",
            _steps_ended("verify", ["verify"]),
            ("ended_by_id",),
            (
                Measure("verified", "核实数", "verifications"),
                Measure("verified_on_time", "按时核实数", "verified on time", _on_time),
            ),
        ),
        Family(
            "register",
            _steps_ended("register"),
            ("ended_by_id",),
            (
                Measure("register_steps", "立案环节数", "registration decisions"),
                Measure("register_on_time", "按时立案数", "registration decisions on time", _on_time),
                Measure("registered", "立案数", "registered", lambda w: Q(ended_by_transition="register")),
                Measure(
                    "registered_kept",
                    "立案未作废数",
                    "registered and not voided",
                    lambda w: Q(ended_by_transition="register")
                    & ~Q(Exists(_same_case_step("dispatch", ended_by_transition="void", ended_at__lt=w.cutoff))),
                ),
            ),
        ),
        Family(
            "dispatch",
            _steps_ended("dispatch", ["dispatch"]),
            ("ended_by_id",),
            (
                Measure("dispatched", "派遣数", "dispatched"),
                Measure("dispatched_on_time", "按时派遣数", "dispatched on time", _on_time),
                Measure(
                    "dispatched_kept",
                    "准确派遣数",
                    "dispatched and not returned",
                    lambda w: ~_returned_after(w),
                ),
            ),
        ),
        Family(
            "send_check",
            _steps_ended("send_check"),
            ("ended_by_id",),
            (
                Measure("check_sent", "派核查数", "sent for check"),
                Measure("check_sent_on_time", "按时派核查数", "sent for check on time", _on_time),
            ),
        ),
        Family(
            "check",
            _steps_ended("check"),
            ("ended_by_id",),
            (
                Measure("checked", "核查数", "checks"),
                Measure("checked_on_time", "按时核查数", "checked on time", _on_time),
            ),
        ),
        Family(
            "close",
            _steps_ended("close"),
            ("ended_by_id",),
            (
                Measure("close_steps", "结案环节数", "closing decisions"),
                Measure("close_on_time", "按时结案数", "closing decisions on time", _on_time),
            ),
        ),
        Family(
            "reports",
            _cases_reported,
            ("reporter_id",),
            (
                Measure("reported", "上报数", "reported"),
                Measure("valid", "有效上报数", "valid (registered)", _valid),
            ),
            case_field="pk",
        ),
        Family(
            "territory",
            _cases_reported,
            ("grid_id", "community_id", "street_id"),
            (
                Measure("cases_reported", "上报案件数", "cases reported"),
                Measure("cases", "立案数", "cases registered", _valid),
                Measure("public_cases", "公众举报立案数", "registered, first reported by the public", _public),
                Measure("closable", "应结案数", "due for closure", _closable),
                Measure("closed", "结案数", "closed", _closed),
                Measure("closed_on_time", "按期结案数", "closed with every disposal on time", _closed_on_time),
            ),
            case_field="pk",
            rollup=("grid_id", "community_id", "street_id"),
        ),
        Family(
            "dispose_started",
            _dispose_started,
            ("unit_id",),
            (
                Measure("received", "案件数", "cases dispatched and kept", _kept, per_case=True),
                Measure(
                    "received_closed",
                    "结案数",
                    "of those, closed",
                    lambda w: _kept(w) & Q(case__closed_at__lt=w.cutoff),
                    per_case=True,
                ),
                Measure("reworked", "返工数", "reworks", lambda w: Q(by_dispatch=False)),
            ),
        ),
        Family(
            "dispose_ended",
            lambda w: CaseStep.objects.filter(
                district_id__in=w.districts, step="dispose", ended_at__gte=w.start, ended_at__lt=w.end
            ),
            ("unit_id",),
            (
                Measure("disposed", "处置数", "disposed", lambda w: Q(ended_by_transition="dispose")),
                Measure(
                    "disposed_on_time",
                    "按期处置数",
                    "disposed on time",
                    lambda w: Q(ended_by_transition="dispose", on_time=True),
                ),
                Measure("returned", "回退数", "returned", lambda w: Q(ended_by_transition="approve_return")),
            ),
        ),
        Family(
            "dispose_overdue",
            _dispose_overdue,
            ("unit_id",),
            (
                Measure(
                    "overdue_pending",
                    "超期未处置数",
                    "overdue and not disposed at the cut-off",
                    lambda w: Q(hold__isnull=True) | ~Q(hold="approve_hold"),
                ),
            ),
        ),
        Family(
            "extensions",
            _extensions,
            ("unit_id",),
            (Measure("extensions", "延期数", "extensions approved"),),
        ),
    ]
}

MEASURES: dict[str, tuple[Family, Measure]] = {m.key: (f, m) for f in FAMILIES.values() for m in f.measures}

# Measures made of others (summed); drill-down shows the union of their cases.
DERIVED: dict[str, tuple[str, ...]] = {"due": ("disposed", "overdue_pending")}
DERIVED_LABELS = {"due": ("应处置数", "due for disposal (disposed + overdue pending)")}


def label(key: str) -> str:
    if key in DERIVED_LABELS:
        return DERIVED_LABELS[key][0]
    return MEASURES[key][1].label if key in MEASURES else key


def label_en(key: str) -> str:
    if key in DERIVED_LABELS:
        return DERIVED_LABELS[key][1]
    return MEASURES[key][1].label_en if key in MEASURES else key


def is_known(key: str) -> bool:
    return key in MEASURES or key in DERIVED


def _count(measure: Measure, w: Window, case_field: str) -> Count:
    # Summing up a rollup is only right for plain row counts: per-case families never roll up.
    if measure.per_case:
        return Count(case_field, filter=measure.when(w), distinct=True)
    return Count("pk", filter=measure.when(w))


def _query(family: Family, fields: tuple[str, ...], w: Window) -> dict[tuple[Any, ...], dict[str, int]]:
    aggregates = {m.key: _count(m, w, family.case_field) for m in family.measures}
    rows = family.base(w).order_by().values(*fields).annotate(**aggregates)
    return {tuple(row[f] for f in fields): {m.key: row[m.key] for m in family.measures} for row in rows}


class Tally:
    """Counts for one computation: each family query runs once, however many subjects read it."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self._cache: dict[tuple[str, tuple[str, ...]], dict[tuple[Any, ...], dict[str, int]]] = {}
        self.queries = 0

    def _rows(self, family: Family, fields: tuple[str, ...]) -> dict[tuple[Any, ...], dict[str, int]]:
        key = (family.key, fields)
        if key not in self._cache:
            self._cache[key] = _query(family, fields, self.window)
            self.queries += 1
        return self._cache[key]

    def by(self, family_key: str, group: str) -> dict[Any, dict[str, int]]:
        """Every measure of the family per value of ``group``; values with no rows are absent."""
        family = FAMILIES[family_key]
        fields = family.rollup if group in family.rollup else (group,)
        position = fields.index(group)
        out: dict[Any, dict[str, int]] = {}
        for values, counts in self._rows(family, fields).items():
            subject = values[position]
            if subject is None:
                continue
            total = out.setdefault(subject, dict.fromkeys(counts, 0))
            for measure, n in counts.items():
                total[measure] += n
        return out


def add_derived(counts: dict[str, int]) -> dict[str, int]:
    """Fill in the derived measures (and zeros for missing parts) of one subject's counts."""
    for key, parts in DERIVED.items():
        counts[key] = sum(counts.get(p, 0) for p in parts)
    return counts


def case_ids(key: str, group: str, values: Iterable[Any], w: Window) -> QuerySet[Any]:
    """The ids of the cases behind measure ``key`` for subjects whose ``group`` is in ``values``."""
    if key in DERIVED:
        return Case.objects.filter(
            Q(pk__in=case_ids(DERIVED[key][0], group, values, w))
            | Q(pk__in=case_ids(DERIVED[key][1], group, values, w))
        ).values("pk")
    family, measure = MEASURES[key]
    rows = family.base(w).filter(**{f"{group}__in": list(values)}).filter(measure.when(w))
    return rows.order_by().values(family.case_field)


def rows_behind(key: str, group: str, values: Iterable[Any], w: Window) -> int:
    """How many rows (or cases, for per-case measures) are behind a count: the drill-down's total."""
    if key in DERIVED:
        return sum(rows_behind(k, group, values, w) for k in DERIVED[key])
    family, measure = MEASURES[key]
    rows = family.base(w).filter(**{f"{group}__in": list(values)}).filter(measure.when(w))
    if measure.per_case:
        return rows.order_by().values(family.case_field).distinct().count()
    return rows.count()
