"""Step clocks of a case: open, close, pause, resume and extend its timed steps.

Limits come from the catalog: disposal from the case's registration condition (the version that was in
force on the registration day), every other step from the step limits of the case's urgency as of the
day the case was reported. The arithmetic and the sweeping belong to ``timeclock``; this module only
says which limit applies and keeps ``CaseStep`` (the facts evaluation reads) in step with the timer.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from cityloop.catalog import lookup
from cityloop.core.models import Unit, User
from cityloop.core.units import units_by_id
from cityloop.routing.models import Level
from cityloop.timeclock import actions as timers

from .models import Case, CaseStep
from .workflow import Step

# Steps owned by the unit the case is dispatched to; the others belong to the command centre.
UNIT_STEPS = {Step.DISPOSE}


def forget_step_limits(**kwargs: Any) -> None:
    """Drop this process's cached catalog answers, step limits among them."""
    lookup.REFERENCE.clear()


def _limit(case: Case, step: Step) -> tuple[float, str, dict[str, Any]]:
    if step == Step.DISPOSE:
        if case.condition_id is None:
            raise ValidationError(
                {"condition": "the case has no registration condition, so no disposal limit"}
            )
        cond = lookup.condition_version(case.condition_id)
        return (
            float(cond.limit_amount),
            cond.limit_unit,
            {
                "source": "condition",
                "condition_id": cond.pk,
                "code": f"{cond.category.code}-{cond.number}",
                "version": cond.version,
            },
        )
    on = timezone.localdate(case.reported_at)
    ref = lookup.step_limit(step.value, case.urgency or "normal", on=on)
    return (
        float(ref.amount),
        ref.unit,
        {"source": "step_limit", "step_limit_id": ref.version_ref, "on": on.isoformat()},
    )


def _owner_unit(case: Case, step: Step) -> Unit | None:
    """Whose step it is: the responsible unit's for disposal, else the commanding centre's (the
    city's for a city-level case: its warnings and overdue notices reach the city centre)."""
    if step in UNIT_STEPS:
        return case.responsible_unit
    city_id = case.district.parent_id
    if case.command_level == Level.CITY and city_id is not None:
        return units_by_id([city_id]).get(city_id, case.district)
    return case.district


class StepBook:
    """A case's steps as one transition sees them: the running steps read once with their timers,
    locked with the case (so the deadline sweep leaves them alone), and kept up to date as the
    transition closes and opens steps; how often each step ran comes from the case itself."""

    def __init__(self, case: Case, new: bool = False) -> None:
        self.case = case
        self.new = new or not case.pk
        self.counts: Counter[str] = Counter() if self.new else Counter(case.step_runs)
        self.open: list[CaseStep] = []
        if not self.new:
            # Every step has its timer, so the join is an inner one and both rows can be locked.
            found = (
                CaseStep.objects.select_for_update(of=("self", "timer"))
                .select_related("timer")
                .filter(case=case.pk, ended_at__isnull=True)
                .order_by()
            )
            self.open = sorted(found, key=lambda s: s.pk)

    def running(self, step: str) -> CaseStep | None:
        """The latest running occurrence of ``step``."""
        return next((s for s in reversed(self.open) if s.step == step), None)

    def latest(self) -> CaseStep | None:
        return self.open[-1] if self.open else None

    def occurrences(self, step: str) -> int:
        """How many times the case has run ``step`` so far."""
        return self.counts[step]

    def opened(self, current: CaseStep) -> None:
        self.open.append(current)
        self.counts[current.step] += 1
        # Saved with the case's other changes at the end of the transition.
        self.case.step_runs = dict(self.counts)

    def closed(self, current: CaseStep) -> None:
        self.open = [s for s in self.open if s.pk != current.pk]


_BOOK = "_cityloop_step_book"


def begin(case: Case) -> None:
    """Answer the transition's step questions about ``case`` from one read, made when first needed
    (call with the case locked). A case being reported starts with an empty book."""
    case.__dict__[_BOOK] = StepBook(case, new=True) if case.state == "new" else None


def finish(case: Case) -> None:
    """Forget the transition's step book (the case instance may live on after the transaction)."""
    case.__dict__.pop(_BOOK, None)


def _book(case: Case) -> StepBook:
    book = case.__dict__.get(_BOOK)
    if book is None:
        book = case.__dict__[_BOOK] = StepBook(case)
    return book


def plan_step(case: Case, step: Step, *, actor: User, at: dt.datetime) -> CaseStep:
    """A step occurrence for the case as it will open, with its timer planned; nothing written yet
    (so a new case can be inserted once, with its first deadline already on it)."""
    amount, unit_name, ref = _limit(case, step)
    owner = _owner_unit(case, step)
    timer = timers.plan_timer(
        subject=case,
        step=step.value,
        started_at=at,
        amount=amount,
        unit=unit_name,
        district=case.district,
        responsible_unit=owner,
        rule_ref=ref,
    )
    return CaseStep(
        district_id=case.district_id,
        step=step.value,
        unit=owner,
        started_at=at,
        started_by=actor,
        limit_amount=amount,
        limit_unit=unit_name,
        limit_ref=ref,
        deadline_at=timer.deadline_at or at,
        provisional=timer.provisional,
        timer=timer,
    )


def start_step(case: Case, planned: CaseStep, *, actor: User) -> CaseStep:
    """Open a planned step of the (saved) case: start its timer and write the occurrence."""
    book = _book(case)
    timer = planned.timer
    assert timer is not None
    timer.subject_id = str(case.pk)
    # The book knows the case's running steps: a running timer would have a running step.
    planned.timer = timers.start_planned_timer(
        timer, actor=actor, check_running=book.running(planned.step) is not None
    )
    planned.case = case
    planned.occurrence = book.occurrences(planned.step) + 1
    planned.save(force_insert=True)
    book.opened(planned)
    return planned


def open_step(case: Case, step: Step, *, actor: User, at: dt.datetime) -> CaseStep:
    """Start a step's clock for the case; returns the new occurrence."""
    return start_step(case, plan_step(case, step, actor=actor, at=at), actor=actor)


def running(case: Case, step: Step) -> CaseStep | None:
    """The running occurrence of ``step`` (from the transition's step book while one is open)."""
    if _BOOK in case.__dict__:
        return _book(case).running(step.value)
    return CaseStep.objects.filter(case=case, step=step.value, ended_at__isnull=True).order_by("-id").first()


def close_step(case: Case, step: Step, *, actor: User, at: dt.datetime, transition: str) -> CaseStep | None:
    """Stop a running step and freeze whether it ended on time. No-op if the step is not running."""
    book = _book(case)
    current = book.running(step.value)
    if current is None:
        return None
    timer = timers.stop_timer(current.timer, actor=actor, at=at, locked=True) if current.timer else None
    current.ended_at = at
    current.ended_by = actor
    current.ended_by_transition = transition
    if timer is not None:
        current.on_time = timer.on_time
        current.elapsed = timer.elapsed
        current.deadline_at = timer.deadline_at or current.deadline_at
    else:
        current.on_time = at <= current.deadline_at
    current.save(
        update_fields=["ended_at", "ended_by", "ended_by_transition", "on_time", "elapsed", "deadline_at"]
    )
    book.closed(current)
    return current


def pause_step(case: Case, step: Step, *, actor: User, at: dt.datetime) -> None:
    current = _book(case).running(step.value)
    if current is not None and current.timer is not None:
        timers.pause_timer(current.timer, actor=actor, at=at, locked=True)


def resume_step(case: Case, step: Step, *, actor: User, at: dt.datetime) -> None:
    current = _book(case).running(step.value)
    if current is not None and current.timer is not None:
        timer = timers.resume_timer(current.timer, actor=actor, at=at, locked=True)
        current.deadline_at = timer.deadline_at or current.deadline_at
        current.save(update_fields=["deadline_at"])


def extend_step(case: Case, step: Step, *, actor: User, amount: float, unit: str) -> None:
    """Add an approved extension to the running step (converted to the limit's unit if needed)."""
    current = _book(case).running(step.value)
    if current is None or current.timer is None:
        raise ValidationError({"step": f"no running {step.value} step to extend"})
    if unit != current.limit_unit:
        raise ValidationError(
            {
                "time_unit": f"the disposal limit counts in {current.limit_unit}; "
                "ask for the extension in that unit"
            }
        )
    timer = timers.extend_timer(current.timer, actor=actor, amount=amount, locked=True)
    current.deadline_at = timer.deadline_at or current.deadline_at
    current.save(update_fields=["deadline_at"])


def refresh_running(case: Case, now: dt.datetime, just_opened: CaseStep | None = None) -> None:
    """Copy the running step, its deadline and its light onto the case (for the queue and the map).
    ``just_opened`` is the step the transition started, if any: it is the running one, no query needed."""
    current = just_opened or _book(case).latest()
    if current is None:
        case.current_step, case.deadline_at, case.light = "", None, ""
        return
    case.current_step = current.step
    timer = current.timer
    if timer is None:
        case.deadline_at, case.light = current.deadline_at, ""
        return
    case.deadline_at = timer.deadline_at  # empty while on hold: the clock is stopped
    case.light = str(timers.current_light(timer, now))
