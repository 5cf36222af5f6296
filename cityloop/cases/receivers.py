"""How the case loop reacts to the worker's sweep: lights on the case, automatic urges (督办).

The timeclock sends these signals inside the transaction that records the change, so the case's light
and any urge commit with it, once.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from cityloop.core.audit import system_actor
from cityloop.timeclock.models import StepTimer

from .engine import Context, apply
from .models import Case, CaseStep
from .workflow import TRANSITIONS


def _case_of(timer: StepTimer) -> Case | None:
    if timer.subject_type != "cases.case":
        return None
    return Case.objects.select_for_update().filter(pk=int(timer.subject_id)).first()


def on_light_changed(sender: Any, timer: StepTimer, **kwargs: Any) -> None:
    """A running step turned yellow or red: show it on the case (if it is still the running step).
    ``Case.light`` is derived state (see the field): the timer's change, made by an audited action,
    is the fact; this copies it, in the same transaction."""
    case = _case_of(timer)
    if case is None:
        return
    running = CaseStep.objects.filter(case=case, timer=timer, ended_at__isnull=True).exists()
    if running and case.light != timer.light:
        Case.objects.filter(pk=case.pk).update(light=timer.light, updated_at=timezone.now())


def on_escalation_due(sender: Any, timer: StepTimer, rule: Any, escalation: Any, **kwargs: Any) -> None:
    """An escalation rule fell due: the acting unit (e.g. the district centre) urges the case."""
    if rule.action != "urge":
        return
    case = _case_of(timer)
    if case is None or case.state not in TRANSITIONS["urge"].sources:
        return
    acting = rule.acting_unit.name if rule.acting_unit_id else "系统"
    reason = f"{acting}自动督办：{rule.name}"
    ctx = Context(
        case, TRANSITIONS["urge"], system_actor(), None, timezone.now(), {"reason": reason}, note=reason
    )
    ctx.data.update(automatic=True, rule=rule.pk, escalation=escalation.pk, acting_unit=rule.acting_unit_id)
    apply(ctx, None)
