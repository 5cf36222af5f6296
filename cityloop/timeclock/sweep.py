"""The worker's timer sweep: lights turn yellow and red, overdue moments are recorded, warning and
overdue notices are queued once each, and escalation rules that fell due are recorded once each.

Rows are claimed in short transactions with ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
two workers split the due timers between them; every transition re-checks its condition on the
locked row and every notice has a unique dedupe key, so nothing happens twice even in a race.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, models, transaction

from cityloop.core.audit import system_actor
from cityloop.core.models import User
from cityloop.notify.delivery import claimable

from . import clock
from .actions import mark_overdue, mark_warned, record_escalation
from .models import Escalation, EscalationCondition, EscalationRule, StepTimer

logger = logging.getLogger("cityloop.timeclock")
BATCH = 100


def _each(queryset: models.QuerySet[StepTimer], apply: Callable[[StepTimer], bool]) -> int:
    """Apply a transition to every timer of ``queryset``, a claimed batch per transaction."""
    changed, skip = 0, set[int]()
    while True:
        with transaction.atomic():
            batch = list(claimable(queryset.exclude(pk__in=skip).order_by("id"))[:BATCH])
            for timer in batch:
                try:
                    done = apply(timer)
                except Exception:  # one broken timer must not hold up the others
                    logger.exception("sweep could not update timer %s", timer.pk)
                    done = False
                changed += done
                if not done:
                    skip.add(timer.pk)
        if len(batch) < BATCH:
            return changed


def _active_rules(today: dt.date) -> list[EscalationRule]:
    return list(
        EscalationRule.objects.filter(active=True, valid_from__lte=today)
        .filter(models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=today))
        .select_related("acting_unit")
    )


def _candidates(rule: EscalationRule) -> models.QuerySet[StepTimer]:
    """Running timers (not on hold) in the rule's condition with no escalation yet for this revision."""
    qs = StepTimer.objects.filter(ended_at__isnull=True, deadline_at__isnull=False)
    if rule.step:
        qs = qs.filter(step=rule.step)
    if rule.subject_type:
        qs = qs.filter(subject_type=rule.subject_type)
    if rule.district_id:
        qs = qs.filter(district_id=rule.district_id)
    if rule.condition == EscalationCondition.OVERDUE:
        qs = qs.filter(overdue_at__isnull=False)
    else:
        qs = qs.filter(warned_at__isnull=False)
    done = Escalation.objects.filter(
        timer=models.OuterRef("pk"), rule=rule, revision=models.OuterRef("revision")
    )
    return qs.exclude(models.Exists(done))


def due_at(timer: StepTimer, rule: EscalationRule) -> dt.datetime | None:
    """When ``rule`` falls due for ``timer``: its amount after the timer turned yellow or red."""
    anchor = timer.overdue_at if rule.condition == EscalationCondition.OVERDUE else timer.warned_at
    if anchor is None:
        return None
    return clock.add(
        anchor, rule.after_amount, rule.after_unit, calendar=timer.calendar_id, pauses=timer.pause_windows()
    )


def _escalate(rule: EscalationRule, now: dt.datetime, actor: User) -> int:
    count = 0
    due_ids = [t.pk for t in _candidates(rule) if (d := due_at(t, rule)) is not None and d <= now]
    for pk in due_ids:
        try:
            with transaction.atomic():
                timer = claimable(StepTimer.objects.filter(pk=pk, ended_at__isnull=True)).first()
                if timer is None:  # another worker holds it, or it just ended
                    continue
                due = due_at(timer, rule)
                if due is not None and due <= now:
                    count += record_escalation(timer, rule, actor=actor, due_at=due) is not None
        except IntegrityError:  # a concurrent worker recorded it first
            continue
        except Exception:
            logger.exception("escalation %s failed for timer %s", rule.pk, pk)
    return count


def sweep_timers(now: dt.datetime) -> dict[str, Any]:
    """One sweep at ``now``: overdue first (a timer found already red is not warned as well), then
    warnings, then escalations. Returns the counts of what this worker changed."""
    actor = system_actor()
    running = StepTimer.objects.filter(ended_at__isnull=True)
    overdue = _each(
        running.filter(overdue_at__isnull=True, deadline_at__lt=now),
        lambda t: mark_overdue(t, actor=actor, now=now),
    )
    warned = _each(
        running.filter(warned_at__isnull=True, warn_at__lte=now),
        lambda t: mark_warned(t, actor=actor, now=now),
    )
    today = now.astimezone(clock.schedule_for(None).tz).date()
    escalated = sum(_escalate(rule, now, actor) for rule in _active_rules(today))
    return {"warned": warned, "overdue": overdue, "escalated": escalated}
