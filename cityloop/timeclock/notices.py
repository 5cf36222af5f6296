"""The notices a step timer sends: a warning when it turns yellow, an overdue notice when it turns
red, and one per escalation. Each has a dedupe key, so it is queued once whoever sweeps."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from cityloop.core.models import Unit
from cityloop.notify.models import Outbox
from cityloop.notify.outbox import enqueue

from .models import Escalation, StepTimer

WARNING = "timeclock.warning"
OVERDUE = "timeclock.overdue"
ESCALATION = "timeclock.escalation"


def _local(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def _facts(timer: StepTimer) -> dict[str, Any]:
    return {
        "timer": timer.pk,
        "step": timer.step,
        "subject_type": timer.subject_type,
        "subject_id": timer.subject_id,
        "deadline_at": timer.deadline_at.isoformat() if timer.deadline_at else None,
        "light": timer.light,
        "revision": timer.revision,
        "provisional": timer.provisional,
    }


def _units(*units: Unit | None) -> list[Unit]:
    seen: dict[int, Unit] = {}
    for unit in units:
        if unit is not None:
            seen.setdefault(unit.pk, unit)
    return list(seen.values())


def _key(timer: StepTimer, what: str) -> str:
    return f"timer:{timer.pk}:r{timer.revision}:{what}"


def warn(timer: StepTimer) -> Outbox | None:
    """Tell the responsible unit (or the district) that the step has used 80% of its limit."""
    return enqueue(
        WARNING,
        recipients=_units(timer.responsible_unit or timer.district),
        subject_type=timer.subject_type,
        subject_id=timer.subject_id,
        district=timer.district_id,
        dedupe_key=_key(timer, "warning"),
        payload={
            "title": f"预警：{timer.subject_id} {timer.step} 将于 {_local(timer.deadline_at)} 到期",
            "body": "该环节已用去大部分时限，请尽快处理。",
            **_facts(timer),
        },
    )


def overdue(timer: StepTimer) -> Outbox | None:
    """Tell the responsible unit and the district that the step is past its deadline."""
    return enqueue(
        OVERDUE,
        recipients=_units(timer.responsible_unit, timer.district),
        subject_type=timer.subject_type,
        subject_id=timer.subject_id,
        district=timer.district_id,
        dedupe_key=_key(timer, "overdue"),
        payload={
            "title": f"超时：{timer.subject_id} {timer.step} 已于 {_local(timer.deadline_at)} 超期",
            "body": "该环节已超过办理时限。",
            **_facts(timer),
        },
    )


def escalated(escalation: Escalation) -> Outbox | None:
    """Tell the acting unit (e.g. the district centre) that an escalation fell due."""
    timer = escalation.timer
    return enqueue(
        ESCALATION,
        recipients=_units(escalation.acting_unit),
        subject_type=timer.subject_type,
        subject_id=timer.subject_id,
        district=timer.district_id,
        dedupe_key=f"timer:{timer.pk}:r{escalation.revision}:escalation:{escalation.rule_id}",
        payload={
            "title": f"{escalation.rule.name}：{timer.subject_id} {timer.step}",
            "body": f"按规则“{escalation.rule.name}”需{escalation.action}。",
            "action": escalation.action,
            "rule": escalation.rule.as_ref(),
            **_facts(timer),
        },
    )
