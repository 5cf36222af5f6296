"""The counts every indicator is built from, read from the facts frozen on the cases.

A *family* is a base set of rows (timed steps, cases or timeline events) for the period, grouped by
the fields that name subjects (the user who ended a step, the unit owning a disposal, the case's
grid …), with one conditional count per *measure*: one SQL query (one per kind of step for the steps
family, see :mod:`.counting`). The same definition serves the aggregate and the drill-down ("which
cases are behind this count"), so the two always agree.

Rules shared by every measure:

* a step counts in the period in which it **ended** (``ended_at`` in ``[start, cut-off)``), with the
  on-time fact frozen when it ended; disposals still running at the cut-off count as *overdue
  pending* once their deadline has passed;
* cases count in the period in which they were **reported** (regions, supervisors' reports) or
  **dispatched** (a unit's cases); what happened to them counts only if it happened before the
  cut-off (the period's end, or "now" for a period still running), so a past month's numbers do not
  move when its cases are worked on later;
* a return visit (回访) counts in the period in which it was made, only if it was its case's first
  (the satisfaction recorded in the timeline, for the case's regions and the unit whose disposal
  was visited).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from cityloop.cases.models import Case, CaseEvent, CaseStep

from .scoring import round4


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
    step: str = ""  # in the "steps" family: the step it counts (one query per step)


@dataclass(frozen=True)
class Family:
    """A base query and the measures counted over it, grouped by one of ``groups``."""

    key: str
    base: Callable[[Window], QuerySet[Any]]
    groups: tuple[str, ...]
    measures: tuple[Measure, ...]
    case_field: str = "case_id"
    # Group fields that nest (grid → community → street → district): query once by all of them and
    # sum up.
    rollup: tuple[str, ...] = ()


# --- base row sets ------------------------------------------------------------------------------------


def _same_case_step(step: str | tuple[str, ...], ref: str = "case_id", **conditions: Any) -> QuerySet[Any]:
    """Steps of the case the outer row belongs to (``ref`` is "case_id" for steps, "pk" for cases)."""
    steps = (step,) if isinstance(step, str) else step
    return CaseStep.objects.filter(case_id=OuterRef(ref), step__in=steps, **conditions)


def _cases_with(
    w: Window, step: str | tuple[str, ...], transitions: tuple[str, ...] = (), **conditions: Any
) -> QuerySet[Any]:
    """Ids of cases with such a step ended in the period: a set computed once per query (these facts
    are rare, and every fact asked about here ends after the period's start)."""
    steps = (step,) if isinstance(step, str) else step
    qs = CaseStep.objects.filter(
        district_id__in=w.districts,
        step__in=steps,
        ended_at__gte=w.start,
        ended_at__lt=w.cutoff,
        **conditions,
    )
    if transitions:
        qs = qs.filter(ended_by_transition__in=transitions)
    return qs.values("case_id")


REWORK = (("check", "close"), ("check_fail", "reopen"))


def _by_rework(w: Window) -> Q:
    """This disposal began with a rework (a failed check or a reopen), not with a dispatch or an
    arbitration ruling: the check or close step that ended at the moment it started says so."""
    same_moment = _same_case_step(
        REWORK[0], ended_at=OuterRef("started_at"), ended_by_transition__in=REWORK[1]
    )
    # Cheap tests first: a rework is never a case's first disposal, and its case is in the set of
    # cases with a failed check or a reopen; only then the correlated look-up of the same moment.
    return Q(occurrence__gt=1) & Q(case_id__in=_cases_with(w, *REWORK)) & Q(Exists(same_moment))


def _dispose_started(w: Window) -> QuerySet[Any]:
    return CaseStep.objects.filter(
        district_id__in=w.districts, step="dispose", started_at__gte=w.start, started_at__lt=w.cutoff
    ).filter(
        # Implied by starting in the period; lets the (district, step, ended_at) index bound the scan.
        Q(ended_at__gte=w.start) | Q(ended_at__isnull=True)
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
    # (A case is saved in state 'new' only inside the transaction that reports it.)
    return Case.objects.filter(
        district_id__in=w.districts, reported_at__gte=w.start, reported_at__lt=w.cutoff
    )


def _extensions(w: Window) -> QuerySet[Any]:
    unit = Subquery(
        CaseStep.objects.filter(case_id=OuterRef("case_id"), step="dispose", started_at__lte=OuterRef("at"))
        .order_by("-started_at", "-id")
        .values("unit_id")[:1]
    )
    return CaseEvent.objects.filter(
        case__district_id__in=w.districts, transition="approve_extension", at__gte=w.start, at__lt=w.cutoff
    ).annotate(unit_id=unit)


def _visited_unit() -> Subquery:
    """The unit whose result was visited: the one owning the case's latest disposal started before
    the visit (frozen on the disposal step, unlike the case's current responsible unit)."""
    return Subquery(
        CaseStep.objects.filter(case_id=OuterRef("case_id"), step="dispose", started_at__lte=OuterRef("at"))
        .order_by("-started_at", "-id")
        .values("unit_id")[:1]
    )


def _first_visits(w: Window) -> QuerySet[Any]:
    """Return visits (回访) made in the period that were their case's first: the citizen's verdict on
    the first result. A later visit after an unsatisfied one and a reopen (不满意重办) is not counted
    again, so a case fixed on the second try still counts unsatisfied once. Read from the timeline,
    which never changes (``Case.satisfaction`` does: reopen clears it)."""
    earlier = CaseEvent.objects.filter(
        case_id=OuterRef("case_id"), transition="return_visit", seq__lt=OuterRef("seq")
    )
    return (
        CaseEvent.objects.filter(
            case__district_id__in=w.districts, transition="return_visit", at__gte=w.start, at__lt=w.cutoff
        )
        .filter(~Exists(earlier))
        .annotate(
            unit_id=_visited_unit(),
            district_id=F("case__district_id"),
            street_id=F("case__street_id"),
            community_id=F("case__community_id"),
            grid_id=F("case__grid_id"),
        )
    )


SATISFACTION = ("satisfied", "basically_satisfied", "unsatisfied")


def _satisfaction(value: str) -> Callable[[Window], Q]:
    def when(w: Window) -> Q:
        return Q(data__satisfaction=value)

    return when


# --- conditions -----------------------------------------------------------------------------------------


def _valid(w: Window) -> Q:
    # Registered before the cut-off, or a supervisor's self-handled report approved (closed without
    # registration): both are valid reports (有效上报).
    return Q(registered_at__lt=w.cutoff) | Q(closed_at__lt=w.cutoff)


def _voided(w: Window, ref: str = "case_id") -> Q:
    # A registered case voided by the shift leader stops its running dispatch clock with 'void'.
    return Q(**{f"{ref}__in": _cases_with(w, "dispatch", ("void",))})


def _closable(w: Window) -> Q:
    return _valid(w) & ~(Q(registered_at__lt=w.cutoff) & _voided(w, "pk"))


def _merged(w: Window) -> Q:
    # Merging stops whichever intake step runs (acceptance, verification, registration).
    return Q(pk__in=_cases_with(w, ("accept", "verify", "register"), ("merge",)))


def _closed(w: Window) -> Q:
    return Q(closed_at__lt=w.cutoff)


def _closed_on_time(w: Window) -> Q:
    # Closed, and none of its disposals ended late (they all ended after the case was reported).
    return Q(closed_at__lt=w.cutoff) & ~Q(pk__in=_cases_with(w, "dispose", on_time=False))


def _public(w: Window) -> Q:
    return _valid(w) & Q(channel__is_public=True)


def _returned_after(w: Window) -> Q:
    """The disposal this dispatch started was handed back through an approved return."""
    returned = _same_case_step(
        "dispose",
        started_at=OuterRef("ended_at"),
        ended_by_transition="approve_return",
        ended_at__lt=w.cutoff,
    )
    return Q(case_id__in=_cases_with(w, "dispose", ("approve_return",))) & Q(Exists(returned))


def _closed_cases(w: Window) -> QuerySet[Any]:
    """Cases closed in the period (up to the cut-off): a case dispatched in it closes after its start."""
    # No district here: the closed_at index bounds the set to the period; the disposal rows it is
    # matched against are already the district's.
    return Case.objects.filter(closed_at__gte=w.start, closed_at__lt=w.cutoff).values("pk")


def _kept(w: Window) -> Q:
    """Dispatched to the unit and not handed back through an approved return before the cut-off."""
    return ~_by_rework(w) & ~Q(ended_by_transition="approve_return", ended_at__lt=w.cutoff)


def _step(step: str, *transitions: str, on_time: bool = False) -> Callable[[Window], Q]:
    """Steps of one kind (ended by one of ``transitions`` if given; on time if asked)."""

    def when(w: Window) -> Q:
        q = Q(step=step)
        if transitions:
            q &= Q(ended_by_transition__in=transitions)
        return q & Q(on_time=True) if on_time else q

    when.step = step  # type: ignore[attr-defined]
    return when


def _m(key: str, label: str, label_en: str, when: Callable[[Window], Q]) -> Measure:
    step = getattr(when, "step", "")
    return Measure(key, label, label_en, when, step=step)


STEPS = ("accept", "verify", "register", "dispatch", "dispose", "send_check", "check", "close")


def _steps_ended(w: Window) -> QuerySet[Any]:
    # Counted one step at a time (see ``_query``): each is a range of the covering index
    # ``evaluation_step_end_idx``, and each row meets only its own step's conditions.
    return CaseStep.objects.filter(
        district_id__in=w.districts, step__in=STEPS, ended_at__gte=w.start, ended_at__lt=w.cutoff
    )


FAMILIES: dict[str, Family] = {
    f.key: f
    for f in [
        Family(
            "steps",
            _steps_ended,
            ("ended_by_id", "unit_id"),
            (
                _m("accepted", "受理数", "reports taken in", _step("accept")),
                _m(
                    "accepted_on_time", "按时派核实/受理数", "taken in on time", _step("accept", on_time=True)
                ),
                _m("verified", "核实数", "verifications", _step("verify", "verify")),
                _m(
                    "verified_on_time",
                    "按时核实数",
                    "verified on time",
                    _step("verify", "verify", on_time=True),
                ),
                _m("register_steps", "立案环节数", "registration decisions", _step("register")),
                _m(
                    "register_on_time",
                    "按时立案数",
                    "registration decisions on time",
                    _step("register", on_time=True),
                ),
                _m("registered", "立案数", "registered", _step("register", "register")),
                Measure(
                    "registered_kept",
                    "立案未作废数",
                    "registered and not voided",
                    lambda w: _step("register", "register")(w) & ~_voided(w),
                    step="register",
                ),
                _m("dispatched", "派遣数", "dispatched", _step("dispatch", "dispatch")),
                _m(
                    "dispatched_on_time",
                    "按时派遣数",
                    "dispatched on time",
                    _step("dispatch", "dispatch", on_time=True),
                ),
                Measure(
                    "dispatched_kept",
                    "准确派遣数",
                    "dispatched and not returned",
                    lambda w: _step("dispatch", "dispatch")(w) & ~_returned_after(w),
                    step="dispatch",
                ),
                _m("disposed", "处置数", "disposed", _step("dispose", "dispose")),
                _m(
                    "disposed_on_time",
                    "按期处置数",
                    "disposed on time",
                    _step("dispose", "dispose", on_time=True),
                ),
                _m("returned", "回退数", "returned", _step("dispose", "approve_return")),
                _m("check_sent", "派核查数", "sent for check", _step("send_check")),
                _m(
                    "check_sent_on_time",
                    "按时派核查数",
                    "sent for check on time",
                    _step("send_check", on_time=True),
                ),
                _m("checked", "核查数", "checks", _step("check")),
                _m("checked_on_time", "按时核查数", "checked on time", _step("check", on_time=True)),
                _m("close_steps", "结案环节数", "closing decisions", _step("close")),
                _m("close_on_time", "按时结案数", "closing decisions on time", _step("close", on_time=True)),
            ),
            rollup=("ended_by_id", "unit_id"),
        ),
        Family(
            "territory",
            _cases_reported,
            ("grid_id", "community_id", "street_id", "district_id", "reporter_id"),
            (
                Measure("cases_reported", "上报案件数", "cases reported"),
                Measure("cases", "立案数", "cases registered", _valid),
                Measure(
                    "public_cases", "公众举报立案数", "registered, first reported by the public", _public
                ),
                Measure("closable", "应结案数", "due for closure", _closable),
                Measure("closed", "结案数", "closed", _closed),
                Measure(
                    "closed_on_time", "按期结案数", "closed with every disposal on time", _closed_on_time
                ),
                # The same problem reported again at a spot while open (DOMAIN.md §9: repeated
                # complaints are a scored indicator): reports merged (合并) into an open case.
                Measure(
                    "repeats", "重复上报数", "reports merged into an open case of the same problem", _merged
                ),
            ),
            case_field="pk",
            rollup=("grid_id", "community_id", "street_id", "district_id", "reporter_id"),
        ),
        Family(
            "dispose_started",
            _dispose_started,
            ("unit_id",),
            (
                # Every earlier dispatch of a case ended in an approved return, so a case has at most
                # one kept disposal: counting rows counts cases.
                Measure("received", "案件数", "cases dispatched and kept", _kept),
                Measure(
                    "received_closed",
                    "结案数",
                    "of those, closed",
                    lambda w: _kept(w) & Q(case_id__in=_closed_cases(w)),
                ),
                Measure("reworked", "返工数", "reworks", _by_rework),
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
        Family(
            "return_visits",
            _first_visits,
            ("grid_id", "community_id", "street_id", "district_id", "unit_id"),
            (
                # One row per case at most (its first visit): counting rows counts cases.
                Measure("visited", "回访数", "return visits (first per case)"),
                Measure("satisfied", "满意数", "satisfied", _satisfaction("satisfied")),
                Measure(
                    "basically_satisfied",
                    "基本满意数",
                    "basically satisfied",
                    _satisfaction("basically_satisfied"),
                ),
                Measure("unsatisfied", "不满意数", "unsatisfied", _satisfaction("unsatisfied")),
            ),
            rollup=("grid_id", "community_id", "street_id", "district_id", "unit_id"),
        ),
    ]
}

MEASURES: dict[str, tuple[Family, Measure]] = {m.key: (f, m) for f in FAMILIES.values() for m in f.measures}

# Measures made of others (summed); drill-down shows the union of their cases. A subject has a
# derived measure when it has every part.
DERIVED: dict[str, tuple[str, ...]] = {
    "due": ("disposed", "overdue_pending"),
    "satisfied_total": ("satisfied", "basically_satisfied"),
}
DERIVED_LABELS = {
    "due": ("应处置数", "due for disposal (disposed + overdue pending)"),
    "satisfied_total": ("满意及基本满意数", "satisfied or basically satisfied"),
}


@dataclass(frozen=True)
class Rate:
    """A named rate of two counts, shown beside the counts wherever they appear (tables, scorecard,
    API, exports) and the ``num``/``den`` a scheme's rate part uses to weigh it."""

    key: str
    label: str
    label_en: str
    num: str
    den: str


RATES: tuple[Rate, ...] = (
    Rate("satisfaction_rate", "满意率", "satisfaction rate", "satisfied_total", "visited"),
    Rate("unsatisfied_rate", "不满意率", "unsatisfied rate", "unsatisfied", "visited"),
)


def rates_of(counts: dict[str, int]) -> dict[str, str | None]:
    """The named rates a subject's counts give, as decimals with four places (None without a
    denominator); rates whose counts the subject does not have are left out."""
    out: dict[str, str | None] = {}
    for r in RATES:
        if r.num in counts and r.den in counts:
            den = counts[r.den]
            out[r.key] = str(round4(Fraction(counts[r.num], den))) if den else None
    return out


def rate_label(key: str, english: bool = False) -> str:
    found = next(r for r in RATES if r.key == key)
    return found.label_en if english else found.label


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
