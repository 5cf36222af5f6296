"""The row sets and conditions the measures count (see :mod:`.measures` for the rules they follow):
each base set is the period's rows of one kind (timed steps, cases, timeline events), each condition
a ``Q`` on them for the period's window."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery

from cityloop.cases.models import Case, CaseEvent, CaseStep
from cityloop.participation.models import SurveyResponse
from cityloop.participation.surveys import SATISFIED_FROM

from .measure_types import Measure, Window

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


REWORK = (("check", "close"), ("check_fail", "video_check_fail", "reopen"))


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


def _survey_responses(w: Window) -> QuerySet[Any]:
    """Answers to the satisfaction surveys (满意度调查) of the period's months, by the community and
    street the answerer lives in (docs/participation.md); drafts have none."""
    from django.utils import timezone

    first, last = timezone.localdate(w.start), timezone.localdate(w.end)
    return (
        SurveyResponse.objects.filter(
            survey__month__gte=first.replace(day=1),
            survey__month__lt=last,
            street__parent_id__in=w.districts,
            at__lt=w.cutoff,
        )
        .exclude(survey__status="draft")
        .annotate(district_id=F("street__parent_id"))
    )


def _survey_satisfied(w: Window) -> Q:
    return Q(score__gte=SATISFIED_FROM)


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
