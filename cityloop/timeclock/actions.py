"""Writes to step timers, each a domain action: start, pause, resume, extend, stop, and the sweep's
transitions to yellow, red and escalation (calendar data: ``calendar_actions``).

A timer's deadline is computed when it starts and again whenever its pauses or extension change;
whether the step was on time and how long it took are frozen when it stops.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import Unit, User

from . import calendars, clock, notices, signals
from .models import Escalation, EscalationRule, StepTimer, WorkCalendar
from .units import Light, TimeUnit

Subject = models.Model | tuple[str, str | int]
Number = int | float


def _aware(value: Any, field: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        raise ValidationError({field: "give an aware date and time, e.g. 2026-02-13T16:00+08:00"})
    return value


def _subject(subject: Subject) -> tuple[str, str, int | None]:
    if isinstance(subject, models.Model):
        return subject._meta.label_lower, str(subject.pk), getattr(subject, "district_id", None)
    if isinstance(subject, tuple) and len(subject) == 2:
        return str(subject[0]), str(subject[1]), None
    raise TypeError(f"subject must be a model instance or (type, id), got {subject!r}")


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def _plan(timer: StepTimer) -> None:
    """Set the deadline, the moment it turns yellow and the provisional flag (none while on hold)."""
    if timer.is_paused:
        timer.deadline_at = timer.warn_at = None
        return
    windows = timer.pause_windows()
    found = clock.deadline(
        timer.started_at,
        timer.limit_amount,
        timer.limit_unit,
        calendar=timer.calendar_id,
        pauses=windows,
        extension=timer.extension,
    )
    timer.deadline_at, timer.provisional, timer.calendar_version = (
        found.at,
        found.provisional,
        found.calendar_version,
    )
    share = float(settings.CITYLOOP_LIGHT_YELLOW_AT) * timer.total_amount
    timer.warn_at = clock.add(
        timer.started_at, share, timer.limit_unit, calendar=timer.calendar_id, pauses=windows
    )


def used_fraction(timer: StepTimer, now: dt.datetime) -> float:
    """The share of the timer's limit (with extensions) used at ``now``, hold windows left out."""
    end = min(now, timer.ended_at) if timer.ended_at else now
    return clock.used_fraction(
        timer.started_at,
        end,
        timer.total_amount,
        timer.limit_unit,
        calendar=timer.calendar_id,
        pauses=timer.pause_windows(),
    )


def current_light(timer: StepTimer, now: dt.datetime) -> Light:
    """The timer's light at ``now``; frozen once the step ended, and while on hold."""
    if timer.ended_at is not None:
        return Light(timer.light)
    if timer.is_paused:
        return Light(timer.light)
    return clock.light(used_fraction(timer, now))


def _locked(timer: StepTimer, held: bool = False) -> StepTimer:
    """The timer as it is now, locked. ``held``: the caller locked and read it in this transaction
    (the case loop does, with the case), so the instance is current and no second read is needed."""
    fresh = timer if held else StepTimer.objects.select_for_update().get(pk=timer.pk)
    if fresh.ended_at is not None:
        raise ValidationError(f"the {fresh.step} step already ended at {fresh.ended_at:%Y-%m-%d %H:%M}")
    return fresh


def _done(timer: StepTimer, fresh: StepTimer, actor: User, action: str, before: dict[str, Any]) -> StepTimer:
    after = snapshot(fresh)
    changed = [name for name, value in after.items() if before.get(name) != value]
    fresh.save(update_fields=changed)
    # The entry shows what the action changed; the timer's start entry holds all of it.
    record(
        actor,
        action,
        fresh,
        before={name: before.get(name) for name in changed},
        after={name: after[name] for name in changed},
    )
    if fresh is not timer:
        # The caller's instance takes the saved values without another round trip to the database.
        for field in StepTimer._meta.concrete_fields:
            setattr(timer, field.attname, getattr(fresh, field.attname))
    return timer


def plan_timer(
    *,
    subject: Subject,
    step: str,
    started_at: dt.datetime,
    amount: Number,
    unit: TimeUnit | str,
    calendar: WorkCalendar | None = None,
    rule_ref: dict[str, Any] | None = None,
    district: Unit | int | None = None,
    responsible_unit: Unit | None = None,
) -> StepTimer:
    """The clock of ``step`` for ``subject`` as it will start, deadline planned, not yet saved (see
    :func:`start_timer`; :func:`start_planned_timer` saves it). Writes nothing."""
    subject_type, subject_id, subject_district = _subject(subject)
    time_unit = TimeUnit.parse(unit)
    _aware(started_at, "started_at")
    if not step:
        raise ValidationError({"step": "name the step this clock times"})
    if amount is None or float(amount) <= 0:
        raise ValidationError({"amount": "a time limit must be more than zero"})
    district_id = district.pk if isinstance(district, Unit) else (district or subject_district)
    if calendar is None:
        calendar_id = calendars.calendar_id_for_unit(responsible_unit or district_id)
    else:
        calendar_id = calendar.pk
    timer = StepTimer(
        subject_type=subject_type,
        subject_id=subject_id,
        district_id=district_id,
        responsible_unit=responsible_unit,
        step=step,
        started_at=started_at,
        limit_amount=float(amount),
        limit_unit=time_unit.value,
        calendar_id=calendar_id,
        rule_ref=rule_ref or {},
    )
    _plan(timer)
    return timer


@domain_action
def start_planned_timer(timer: StepTimer, *, actor: User, check_running: bool = True) -> StepTimer:
    """Start a clock planned by :func:`plan_timer` (its subject saved meanwhile, if it was new).
    ``check_running=False``: the caller knows (under its lock) that this step's clock is not running."""
    if (
        check_running
        and StepTimer.objects.filter(
            subject_type=timer.subject_type,
            subject_id=timer.subject_id,
            step=timer.step,
            ended_at__isnull=True,
        ).exists()
    ):
        raise ValidationError(
            {"step": f"the {timer.step} clock of {timer.subject_type} {timer.subject_id} is already running"}
        )
    timer.save(force_insert=True)
    record(actor, "timer.start", timer, after=snapshot(timer))
    return timer


@domain_action
def start_timer(
    *,
    actor: User,
    subject: Subject,
    step: str,
    started_at: dt.datetime,
    amount: Number,
    unit: TimeUnit | str,
    calendar: WorkCalendar | None = None,
    rule_ref: dict[str, Any] | None = None,
    district: Unit | int | None = None,
    responsible_unit: Unit | None = None,
) -> StepTimer:
    """Start the clock of ``step`` for ``subject`` (a case, or ``("cases.case", id)``): the limit is
    ``amount`` ``unit`` from ``started_at``. Without a ``calendar``, the responsible unit's (or the
    district's) calendar applies. ``rule_ref`` says which limit and version produced it."""
    timer = plan_timer(
        subject=subject,
        step=step,
        started_at=started_at,
        amount=amount,
        unit=unit,
        calendar=calendar,
        rule_ref=rule_ref,
        district=district,
        responsible_unit=responsible_unit,
    )
    return start_planned_timer(timer, actor=actor)


@domain_action
def pause_timer(timer: StepTimer, *, actor: User, at: dt.datetime, locked: bool = False) -> StepTimer:
    """Put the step on hold from ``at`` (挂账/缓办): its clock stops and its light is kept as it is."""
    fresh = _locked(timer, held=locked)
    before = snapshot(fresh)
    _aware(at, "at")
    if fresh.is_paused:
        raise ValidationError({"at": "the step is already on hold; resume it first"})
    last_end = fresh.pause_windows()[-1][1] if fresh.pauses else None
    if at < fresh.started_at or (last_end is not None and at < last_end):
        raise ValidationError(
            {"at": "a hold cannot begin before the step started or before the last hold ended"}
        )
    fresh.light = current_light(fresh, at)
    fresh.pauses = [*fresh.pauses, [_iso(at), None]]
    _plan(fresh)
    return _done(timer, fresh, actor, "timer.pause", before)


@domain_action
def resume_timer(timer: StepTimer, *, actor: User, at: dt.datetime, locked: bool = False) -> StepTimer:
    """End the hold at ``at``; the deadline moves on by the working time the hold took."""
    fresh = _locked(timer, held=locked)
    before = snapshot(fresh)
    _aware(at, "at")
    if not fresh.is_paused:
        raise ValidationError({"at": "the step is not on hold"})
    start = fresh.pause_windows()[-1][0]
    if at < start:
        raise ValidationError({"at": f"the hold began at {start:%Y-%m-%d %H:%M}; resume after that"})
    fresh.pauses = [*fresh.pauses[:-1], [fresh.pauses[-1][0], _iso(at)]]
    _plan(fresh)
    fresh.light = current_light(fresh, at)
    return _done(timer, fresh, actor, "timer.resume", before)


@domain_action
def extend_timer(
    timer: StepTimer, *, actor: User, amount: Number, at: dt.datetime | None = None, locked: bool = False
) -> StepTimer:
    """Add an approved extension of ``amount`` (in the timer's unit) to the limit, approved at ``at``
    (now by default). Warnings and overdue marks the new deadline undoes are cleared, and notices
    for the new deadline will be sent afresh."""
    fresh = _locked(timer, held=locked)
    before = snapshot(fresh)
    if amount is None or float(amount) <= 0:
        raise ValidationError({"amount": "an extension must be more than zero"})
    at = _aware(at, "at") if at is not None else timezone.now()
    fresh.extension = float(fresh.extension) + float(amount)
    fresh.revision += 1
    _plan(fresh)
    fresh.light = current_light(fresh, at) if not fresh.is_paused else clock.light(used_fraction(fresh, at))
    if fresh.light != Light.RED:
        fresh.overdue_at = None
    if fresh.light == Light.GREEN:
        fresh.warned_at = None
    return _done(timer, fresh, actor, "timer.extend", before)


@domain_action
def stop_timer(timer: StepTimer, *, actor: User, at: dt.datetime, locked: bool = False) -> StepTimer:
    """End the step at ``at`` and freeze the outcome: time used (in the limit's unit), on time or not,
    and the final light. A hold still open ends at ``at``."""
    fresh = _locked(timer, held=locked)
    before = snapshot(fresh)
    _aware(at, "at")
    if at < fresh.started_at:
        raise ValidationError({"at": f"the step started at {fresh.started_at:%Y-%m-%d %H:%M}; end it after"})
    if fresh.is_paused:
        fresh.pauses = [
            *fresh.pauses[:-1],
            [fresh.pauses[-1][0], _iso(max(at, fresh.pause_windows()[-1][0]))],
        ]
        _plan(fresh)
    fresh.elapsed = clock.elapsed(
        fresh.started_at, at, fresh.limit_unit, calendar=fresh.calendar_id, pauses=fresh.pause_windows()
    )
    # Compare time used with the limit rather than moments: ending at 14:00 after a 12:00 deadline
    # used no more working time than ending at 12:00.
    fresh.on_time = fresh.elapsed <= fresh.total_amount + 1e-9
    fresh.light = clock.light(fresh.elapsed / fresh.total_amount)
    fresh.ended_at = at
    return _done(timer, fresh, actor, "timer.stop", before)


# -- the sweep's transitions -------------------------------------------------------------------


@domain_action
def mark_warned(timer: StepTimer, *, actor: User, now: dt.datetime) -> bool:
    """The step passed 80% of its limit: turn it yellow and queue the warning (once)."""
    if timer.ended_at or timer.warned_at or timer.warn_at is None or timer.warn_at > now:
        return False
    before = snapshot(timer, ["light", "warned_at"])
    timer.warned_at = timer.warn_at
    if timer.light == Light.GREEN:
        timer.light = Light.YELLOW
    timer.save(update_fields=["warned_at", "light"])
    record(actor, "timer.warn", timer, before=before, after=snapshot(timer, ["light", "warned_at"]))
    notices.warn(timer)
    signals.timer_warned.send(sender=StepTimer, timer=timer)
    return True


@domain_action
def mark_overdue(timer: StepTimer, *, actor: User, now: dt.datetime) -> bool:
    """The step passed its deadline: turn it red, record when, and queue the overdue notice (once).
    A step found overdue before it was warned is not warned any more: the overdue notice says it all."""
    if timer.ended_at or timer.overdue_at or timer.deadline_at is None or timer.deadline_at >= now:
        return False
    fields = ["light", "warned_at", "overdue_at"]
    before = snapshot(timer, fields)
    timer.overdue_at = timer.deadline_at
    timer.warned_at = timer.warned_at or timer.warn_at
    timer.light = Light.RED
    timer.save(update_fields=fields)
    record(actor, "timer.overdue", timer, before=before, after=snapshot(timer, fields))
    notices.overdue(timer)
    signals.timer_overdue.send(sender=StepTimer, timer=timer)
    return True


@domain_action
def record_escalation(
    timer: StepTimer, rule: EscalationRule, *, actor: User, due_at: dt.datetime
) -> Escalation | None:
    """Record that ``rule`` fell due for ``timer`` (once per timer revision), queue its notice and
    fire ``escalation_due`` for the apps that act on it. None if it was recorded before."""
    if Escalation.objects.filter(timer=timer, rule=rule, revision=timer.revision).exists():
        return None
    escalation = Escalation.objects.create(
        timer=timer,
        rule=rule,
        rule_version=rule.version,
        revision=timer.revision,
        action=rule.action,
        acting_unit=rule.acting_unit,
        due_at=due_at,
    )
    record(actor, "timer.escalate", escalation, after=snapshot(escalation))
    notices.escalated(escalation)
    signals.escalation_due.send(sender=StepTimer, timer=timer, rule=rule, escalation=escalation)
    return escalation
