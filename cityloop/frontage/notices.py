"""Rectification notices (整改通知书): issued for a failed duty, answered by the party, closed or
escalated by a re-inspection.

A notice's deadline is ``working_days`` working days after it is issued on the street's working
calendar (:mod:`cityloop.timeclock`; the calendar is kept with the notice). A re-inspection that
passes closes it as rectified; one that fails at or after the deadline escalates it to a case in the
case loop (through :mod:`escalation`); one that fails before the deadline leaves it open.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models import QuerySet
from django.utils import timezone

from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import User
from cityloop.timeclock import clock
from cityloop.timeclock.calendars import calendar_id_for_unit

from . import escalation
from .access import require_officer, require_party_account
from .models import ChecklistItem, Inspection, Notice, NoticeStatus

OPEN = (NoticeStatus.OPEN, NoticeStatus.ANSWERED)
MAX_WORKING_DAYS = 30


def default_working_days() -> int:
    """Working days a notice gives unless the inspector says otherwise (setting, default 3)."""
    return int(getattr(settings, "CITYLOOP_FRONTAGE_NOTICE_DAYS", 3))


def _number(notice: Notice, at: dt.datetime) -> str:
    year = timezone.localtime(at).year
    count = Notice.objects.filter(street=notice.street, number__startswith=f"ZG{notice.street.code}-{year}-")
    return f"ZG{notice.street.code}-{year}-{count.count() + 1:05d}"


def issue_for(
    inspection: Inspection,
    failed: list[ChecklistItem],
    *,
    actor: User,
    at: dt.datetime,
    working_days: int | None = None,
) -> list[Notice]:
    """One notice per duty with a failed item (none where the party already has one open for that
    duty). Called inside the inspection's transaction; each notice has its own audit entry."""
    from .pdf import notice_pdf

    days = default_working_days() if working_days is None else int(working_days)
    if not 1 <= days <= MAX_WORKING_DAYS:
        raise ValidationError({"working_days": f"整改期限应为1到{MAX_WORKING_DAYS}个工作日"})
    by_duty: dict[int, list[ChecklistItem]] = {}
    for item in failed:
        by_duty.setdefault(item.duty_id, []).append(item)
    already = set(
        Notice.objects.filter(party=inspection.party, status__in=OPEN).values_list("duty_id", flat=True)
    )
    calendar = calendar_id_for_unit(inspection.street)
    due = clock.deadline(at, days, "working_day", calendar=calendar)
    made = []
    for duty_id, items in by_duty.items():
        if duty_id in already:
            continue
        notice = Notice(
            party=inspection.party,
            street=inspection.street,
            inspection=inspection,
            duty=items[0].duty,
            issued_at=at,
            issued_by=actor,
            working_days=days,
            deadline=due.at,
            calendar_id=due.calendar_id,
        )
        notice.number = _number(notice, at)
        notice.save()
        notice.items.set(items)
        pdf = notice_pdf(notice, items)
        notice.pdf.save(f"{notice.number}.pdf", ContentFile(pdf), save=True)
        record(
            actor,
            "frontage.notice.issue",
            notice,
            after={
                "number": notice.number,
                "party": inspection.party.uscc,
                "duty": notice.duty.code,
                "items": [i.code for i in items],
                "working_days": days,
                "deadline": notice.deadline.isoformat(),
                "calendar": due.calendar_id,
                "provisional": due.provisional,
            },
        )
        made.append(notice)
    return made


def after_recheck(
    notice: Notice, inspection: Inspection, failed: list[ChecklistItem], *, actor: User, at: dt.datetime
) -> Notice:
    """Close the notice (rectified) when the re-inspection passed; escalate it when it failed at or
    after the deadline; otherwise it stays open."""
    before = snapshot(notice, ["status", "closed_at"])
    if not failed:
        notice.status = NoticeStatus.RECTIFIED
        notice.closed_at, notice.closed_by = at, actor
        notice.save(update_fields=["status", "closed_at", "closed_by"])
        record(actor, "frontage.notice.rectify", notice, before=before, after=_closing(notice, inspection))
    elif at >= notice.deadline:
        found = escalation.escalate(notice, actor, at)
        notice.status = NoticeStatus.ESCALATED
        notice.closed_at, notice.closed_by = at, actor
        notice.case_id, notice.case_number = found.case_id, found.case_number
        notice.save(update_fields=["status", "closed_at", "closed_by", "case_id", "case_number"])
        after = {
            **_closing(notice, inspection),
            "case": found.case_number,
            "failed": [i.code for i in failed],
        }
        record(actor, "frontage.notice.escalate", notice, before=before, after=after)
    return notice


def _closing(notice: Notice, inspection: Inspection) -> dict[str, object]:
    late = notice.closed_at is not None and notice.closed_at > notice.deadline
    return {
        "status": notice.status,
        "recheck": inspection.pk,
        "closed_at": str(notice.closed_at),
        "late": late,
    }


@domain_action
def answer_notice(
    *, actor: User, notice: Notice, note: str, photos: Iterable[int] = (), at: dt.datetime | None = None
) -> Notice:
    """The party says the problem is put right (with a photo): the notice waits for re-inspection."""
    notice = Notice.objects.select_for_update().select_related("party").get(pk=notice.pk)
    require_party_account(actor, notice.party)
    note, photo_ids = note.strip(), [int(p) for p in photos]
    if notice.status != NoticeStatus.OPEN:
        raise ValidationError({"notice": "该整改通知书已答复或已办结"})
    if not note or len(note) > 500:
        raise ValidationError({"note": "请说明整改情况（不超过500字）"})
    if not photo_ids or len(photo_ids) > 9:
        raise ValidationError({"photos": "请上传1到9张整改后的照片"})
    before = snapshot(notice, ["status", "answered_at"])
    notice.status = NoticeStatus.ANSWERED
    notice.answered_at = at or timezone.now()
    notice.answer_note, notice.answer_photos = note, photo_ids
    notice.save(update_fields=["status", "answered_at", "answer_note", "answer_photos"])
    after = {"status": notice.status, "answered_at": notice.answered_at.isoformat(), "photos": photo_ids}
    record(actor, "frontage.notice.answer", notice, before=before, after=after)
    return notice


@domain_action
def cancel_notice(*, actor: User, notice: Notice, reason: str, at: dt.datetime | None = None) -> Notice:
    """The officer withdraws a notice issued in error."""
    require_officer(actor, notice.street)
    reason = reason.strip()
    if not reason or len(reason) > 200:
        raise ValidationError({"reason": "请填写撤销原因（不超过200字）"})
    if notice.status not in OPEN:
        raise ValidationError({"notice": "该整改通知书已办结"})
    before = snapshot(notice, ["status", "closed_at"])
    notice.status = NoticeStatus.CANCELLED
    notice.closed_at, notice.closed_by = at or timezone.now(), actor
    notice.save(update_fields=["status", "closed_at", "closed_by"])
    record(
        actor,
        "frontage.notice.cancel",
        notice,
        before=before,
        after={"status": notice.status, "reason": reason},
    )
    return notice


def overdue(notices: QuerySet[Notice], now: dt.datetime | None = None) -> QuerySet[Notice]:
    """Open notices past their deadline: the officer's list of re-inspections to make."""
    return notices.filter(status__in=OPEN, deadline__lte=now or timezone.now())


def due_soon(notices: QuerySet[Notice], now: dt.datetime | None = None, days: int = 1) -> QuerySet[Notice]:
    """Open notices whose deadline comes within ``days`` calendar days."""
    now = now or timezone.now()
    return notices.filter(status__in=OPEN, deadline__gt=now, deadline__lte=now + dt.timedelta(days=days))
