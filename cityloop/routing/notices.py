"""The notice an emergency sends at once to the emergency unit its decision names (DOMAIN.md §2:
emergencies go to the emergency command system at once). Queued in the caller's transaction, once
per case whoever asks again."""

from __future__ import annotations

from cityloop.core.models import Unit
from cityloop.notify.models import Outbox
from cityloop.notify.outbox import enqueue

from .decide import Decision

EMERGENCY = "routing.emergency"


def notify_emergency(
    decision: Decision,
    *,
    subject_type: str,
    subject_id: int | str,
    reference: str,
    district_id: int | None,
    description: str = "",
) -> Outbox | None:
    """Tell the decision's emergency units about the problem; None when there is none to tell or
    the notice was queued before."""
    if not decision.emergency_units:
        return None
    units = list(Unit.objects.filter(pk__in=[u.id for u in decision.emergency_units]))
    handler = decision.unit.name if decision.unit else "待派遣"
    return enqueue(
        EMERGENCY,
        recipients=units,
        subject_type=subject_type,
        subject_id=subject_id,
        district=district_id,
        dedupe_key=f"{subject_type}:{subject_id}:emergency",
        payload={
            "title": f"突发/紧急案件 {reference}：{decision.explanation.split('：')[0]}",
            "body": f"{description[:200]}\n承办：{handler}。{decision.explanation}",
            "explanation_en": decision.explanation_en,
            "unit": decision.unit.ref() if decision.unit else None,
            "flags": decision.flags,
        },
    )
