"""Reminders of rectification notices (整改通知书), sent by the worker's sweep.

A party whose notice falls due within a day is reminded to put it right and answer with a photo;
when the deadline has passed and the notice is still open, the street is told the re-inspection
(复查) is due: it closes the notice or escalates it into a case. Each reminder goes once per notice
(the outbox's key), and a sweep that sent any writes one audit entry with what it sent.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from cityloop.core.audit import record, system_actor
from cityloop.notify.models import Outbox
from cityloop.notify.outbox import enqueue

from .models import Notice
from .notices import due_soon, overdue

DUE_SOON = "frontage.notice.due_soon"
OVERDUE = "frontage.notice.overdue"
SUBJECT = "frontage.notice"


def _already(kind: str, notices: list[Notice]) -> set[str]:
    """Which of ``notices`` were reminded of ``kind`` before (only theirs are read, not every
    reminder ever sent: the sweep runs every minute)."""
    ids = [str(n.pk) for n in notices]
    sent = Outbox.objects.filter(kind=kind, subject_type=SUBJECT, subject_id__in=ids)
    return set(sent.values_list("subject_id", flat=True))


def _deadline(notice: Notice) -> str:
    return timezone.localtime(notice.deadline).strftime("%m-%d %H:%M")


def remind(now: dt.datetime | None = None) -> dict[str, Any]:
    """Queue the reminders due at ``now``; returns how many of each were queued."""
    now = now or timezone.now()
    sent = {"due_soon": 0, "overdue": 0}
    with transaction.atomic():
        soon = list(due_soon(Notice.objects.select_related("party"), now).order_by("deadline")[:1000])
        told = _already(DUE_SOON, soon)
        for notice in soon:
            account = notice.party.account if notice.party.account_id else None
            if str(notice.pk) in told or account is None:
                continue
            enqueue(
                DUE_SOON,
                recipients=[account],
                subject_type=SUBJECT,
                subject_id=notice.pk,
                payload={
                    "title": f"整改通知书{notice.number}即将到期",
                    "body": f"请在{_deadline(notice)}前完成整改，并在手机上拍照答复",
                    "notice": notice.number,
                },
                dedupe_key=f"{DUE_SOON}:{notice.pk}",
            )
            sent["due_soon"] += 1
        late = list(
            overdue(Notice.objects.select_related("party", "street"), now).order_by("deadline")[:1000]
        )
        told = _already(OVERDUE, late)
        for notice in late:
            if str(notice.pk) in told:
                continue
            enqueue(
                OVERDUE,
                recipients=[notice.street],
                subject_type=SUBJECT,
                subject_id=notice.pk,
                payload={
                    "title": f"整改通知书{notice.number}已到期，请复查",
                    "body": f"{notice.party.name}的整改期限{_deadline(notice)}已过：复查后结案或转立案",
                    "notice": notice.number,
                },
                dedupe_key=f"{OVERDUE}:{notice.pk}",
                district=notice.street.parent_id,
            )
            sent["overdue"] += 1
        if sent["due_soon"] or sent["overdue"]:
            record(system_actor(), "frontage.notice.remind", None, after=sent)
    return sent
