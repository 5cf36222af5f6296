"""Writes of the analytics app: storing a briefing (专报) and delivering it to the area's leaders.

The figures and the PDF are worked out before (``briefings.service``): a PDF over a month of a big
city takes seconds, and the action's transaction holds only the write, its audit entry and the
notice, so nothing waits on the database while charts are drawn."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import Membership, Role, Unit, UnitKind, User
from cityloop.notify.outbox import enqueue

from .briefings.periods import BriefingPeriod
from .models import Briefing

NOTICE = "analytics.briefing"
# What the audit log keeps of a briefing (the PDF itself is not copied into the log).
AUDITED = ["kind", "area", "first_day", "last_day", "title", "findings", "version", "recipients"]


def leaders_of(area: Unit) -> list[User]:
    """The leaders a briefing of ``area`` goes to: those of the area itself and of the units
    around it (a district's briefing reaches the district's and the city's leaders)."""
    ids = [int(p) for p in area.path.strip("/").split("/") if p] or [area.pk]
    users = (
        User.objects.filter(
            pk__in=Membership.objects.active().filter(role=Role.LEADER, unit_id__in=ids).values("user_id"),
            is_active=True,
        )
        .order_by("pk")
        .distinct()
    )
    return list(users)


@domain_action
def store_briefing(
    *,
    actor: User,
    area: Unit,
    period: BriefingPeriod,
    title: str,
    findings: list[str],
    figures: dict[str, Any],
    pdf: bytes,
    deliver: bool = True,
) -> Briefing:
    """Keep the briefing of ``area`` for ``period`` (replacing an earlier one of the same period)
    and, when ``deliver``, queue a notice with its key findings for the area's leaders."""
    existing = Briefing.objects.select_for_update().filter(
        kind=period.kind, area=area, first_day=period.first_day
    )
    briefing = existing.first()
    before = snapshot(briefing, AUDITED) if briefing else None
    if briefing is None:
        briefing = Briefing(kind=period.kind, area=area, first_day=period.first_day, version=0)
    briefing.last_day = period.last_day
    briefing.title = title[:200]
    briefing.findings = findings
    briefing.figures = figures
    briefing.pdf = pdf
    briefing.version += 1
    briefing.generated_at = timezone.now()
    briefing.generated_by = actor
    recipients = leaders_of(area) if deliver else []
    briefing.recipients = len(recipients)
    briefing.save()
    record(actor, "analytics.briefing.generate", briefing, before=before, after=snapshot(briefing, AUDITED))
    if recipients:
        enqueue(
            NOTICE,
            recipients=recipients,
            subject_type="analytics.briefing",
            subject_id=briefing.pk,
            payload={
                "title": title,
                "body": "".join(findings[:3]),
                "kind": period.kind,
                "first_day": period.first_day.isoformat(),
                "last_day": period.last_day.isoformat(),
                "pdf": reverse("web:briefing_pdf", args=[briefing.pk]),
            },
            dedupe_key=f"briefing:{briefing.pk}:v{briefing.version}",
            district=area if area.kind == UnitKind.DISTRICT else None,
        )
    return briefing
