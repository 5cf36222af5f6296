"""Inspection rounds and inspections (巡查): planning a street's round, ticking a party's checklist.

An inspection checks the active items of the duties the party's zones hold that day (all items when
it holds no zone). Its score is the passed share of the items' weights, 0–100. Every duty with a
failed item gets a rectification notice (see :mod:`notices`), unless one is already open for it.
A re-inspection (``notice=…``) checks that notice's items and closes or escalates it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import Unit, User

from . import notices
from .access import may_inspect, require_inspector, require_officer
from .models import (
    ChecklistItem,
    Inspection,
    InspectionKind,
    InspectionResult,
    InspectionRound,
    Notice,
    NoticeStatus,
    Party,
    RoundStatus,
    Zone,
)

MAX_PARTIES_PER_ROUND = 500
MAX_PHOTOS = 9


@domain_action
def plan_round(
    *,
    actor: User,
    street: Unit,
    title: str,
    planned_on: dt.date,
    inspector: User,
    parties: list[Party],
    note: str = "",
    at: dt.datetime | None = None,
) -> InspectionRound:
    """Plan a round in the street: its parties (of that street), its day and its inspector (who
    must be allowed to inspect there)."""
    require_officer(actor, street)
    title, note = title.strip(), note.strip()
    errors: dict[str, str] = {}
    if not title or len(title) > 100:
        errors["title"] = "请填写巡查名称（不超过100字）"
    if len(note) > 500:
        errors["note"] = "备注不超过500字"
    if not parties:
        errors["parties"] = "请至少选择一个责任主体"
    elif len(parties) > MAX_PARTIES_PER_ROUND:
        errors["parties"] = f"一次巡查最多{MAX_PARTIES_PER_ROUND}个责任主体"
    elif any(p.street_id != street.pk for p in parties):
        errors["parties"] = f"只能选择{street.name}的责任主体"
    if not inspector.is_active or not all(may_inspect(inspector, p) for p in parties):
        errors["inspector"] = f"{inspector.get_username()}不能在{street.name}巡查"
    if errors:
        raise ValidationError(errors)
    plan = InspectionRound.objects.create(
        street=street,
        title=title,
        planned_on=planned_on,
        inspector=inspector,
        note=note,
        created_at=at or timezone.now(),
        created_by=actor,
    )
    plan.parties.set(parties)
    record(actor, "frontage.round.plan", plan, after={**snapshot(plan), "parties": len(parties)})
    return plan


@domain_action
def cancel_round(*, actor: User, plan: InspectionRound, reason: str) -> InspectionRound:
    """Cancel a planned round (its inspections done so far stay)."""
    require_officer(actor, plan.street)
    reason = reason.strip()
    if not reason or len(reason) > 200:
        raise ValidationError({"reason": "请填写取消原因（不超过200字）"})
    if plan.status != RoundStatus.PLANNED:
        raise ValidationError({"round": "只能取消计划中的巡查"})
    plan.status = RoundStatus.CANCELLED
    plan.save(update_fields=["status"])
    record(actor, "frontage.round.cancel", plan, after={"status": plan.status, "reason": reason})
    return plan


def checklist_for(party: Party, on: dt.date) -> list[ChecklistItem]:
    """The active items of the duties the party's zones hold on ``on`` (all items if none)."""
    zones = Zone.objects.filter(party=party, valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=on)
    )
    duty_ids = set(zones.values_list("duties", flat=True)) - {None}
    items = ChecklistItem.objects.filter(active=True).select_related("duty")
    if duty_ids:
        items = items.filter(duty_id__in=duty_ids)
    return list(items.order_by("duty__order", "order", "code"))


def _ticks(items: list[ChecklistItem], ticks: Mapping[str, bool]) -> dict[str, bool]:
    known = {i.code for i in items}
    unknown = sorted(set(ticks) - known)
    missing = [i.text for i in items if i.code not in ticks]
    if unknown:
        raise ValidationError({"results": f"不在本次检查清单中的项目：{'、'.join(unknown[:5])}"})
    if missing:
        raise ValidationError({"results": f"还有{len(missing)}项未勾选：{'、'.join(missing[:3])}"})
    return {code: bool(ok) for code, ok in ticks.items()}


def score(items: list[ChecklistItem], ticks: Mapping[str, bool]) -> int:
    """The passed share of the items' weights, 0–100 (100 for an empty checklist)."""
    total = sum(i.weight for i in items)
    if not total:
        return 100
    return round(100 * sum(i.weight for i in items if ticks[i.code]) / total)


def _check_photos(photos: list[int]) -> list[int]:
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": f"最多{MAX_PHOTOS}张照片"})
    return [int(p) for p in photos]


@domain_action
def record_inspection(
    *,
    actor: User,
    party: Party,
    ticks: Mapping[str, bool],
    notes: Mapping[str, str] | None = None,
    photos: list[int] | None = None,
    note: str = "",
    plan: InspectionRound | None = None,
    notice: Notice | None = None,
    working_days: int | None = None,
    lon: float | None = None,
    lat: float | None = None,
    at: dt.datetime | None = None,
) -> Inspection:
    """Record an inspection of ``party``: one tick per checklist item (``ticks``: item code → passed;
    ``notes``: what was seen, per item), photo ids from the attachment machinery, the score; issue
    a notice per duty with a failed item; for a re-inspection (``notice``) close or escalate it."""
    at = at or timezone.now()
    party = Party.objects.select_related("street", "community").get(pk=party.pk)
    require_inspector(actor, party)
    note = note.strip()
    if len(note) > 500:
        raise ValidationError({"note": "备注不超过500字"})
    notes = {k: str(v).strip()[:200] for k, v in (notes or {}).items() if str(v).strip()}
    if plan is not None:
        if plan.street_id != party.street_id or not plan.parties.filter(pk=party.pk).exists():
            raise ValidationError({"round": "该责任主体不在这次巡查计划中"})
        if plan.status != RoundStatus.PLANNED:
            raise ValidationError({"round": "这次巡查已完成或已取消"})
    if notice is not None:
        notice = Notice.objects.select_for_update().get(pk=notice.pk)
        if notice.party_id != party.pk:
            raise ValidationError({"notice": "该整改通知书不属于这个责任主体"})
        if notice.status not in (NoticeStatus.OPEN, NoticeStatus.ANSWERED):
            raise ValidationError({"notice": "该整改通知书已办结"})
        items = list(notice.items.select_related("duty").order_by("duty__order", "order", "code"))
    else:
        items = checklist_for(party, timezone.localdate(at))
    checked = _ticks(items, ticks)
    inspection = Inspection.objects.create(
        round=plan,
        party=party,
        street=party.street,
        kind=InspectionKind.RECHECK if notice else InspectionKind.ROUTINE,
        notice=notice,
        inspector=actor,
        inspected_at=at,
        score=score(items, checked),
        passed=all(checked.values()),
        photos=_check_photos(photos or []),
        note=note,
        lon=lon,
        lat=lat,
    )
    InspectionResult.objects.bulk_create(
        [
            InspectionResult(
                inspection=inspection,
                item=i,
                duty=i.duty,
                ok=checked[i.code],
                weight=i.weight,
                note=notes.get(i.code, ""),
            )
            for i in items
        ]
    )
    record(
        actor,
        "frontage.inspection.record",
        inspection,
        after={
            "party": party.uscc,
            "kind": inspection.kind,
            "score": inspection.score,
            "failed": [code for code, ok in checked.items() if not ok],
            "round": plan.pk if plan else None,
            "notice": notice.number if notice else None,
        },
    )
    failed = [i for i in items if not checked[i.code]]
    if notice is not None:
        notices.after_recheck(notice, inspection, failed, actor=actor, at=at)
    elif failed:
        notices.issue_for(inspection, failed, actor=actor, at=at, working_days=working_days)
    if plan is not None:
        _finish_if_done(plan, actor)
    return inspection


def _finish_if_done(plan: InspectionRound, actor: User) -> None:
    """Mark the round done once each of its parties has an inspection in it."""
    wanted = set(plan.parties.values_list("pk", flat=True))
    done = set(plan.inspections.values_list("party_id", flat=True))
    if wanted <= done:
        plan.status = RoundStatus.DONE
        plan.save(update_fields=["status"])
        record(actor, "frontage.round.done", plan, after={"status": plan.status, "inspected": len(done)})


def progress(plan: InspectionRound) -> tuple[int, int]:
    """How many of the round's parties are inspected, of how many."""
    return plan.inspections.values("party_id").distinct().count(), plan.parties.count()
