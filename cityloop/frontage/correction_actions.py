"""What a party answers to a case handed to it first, and the end of its window.

- :func:`answer_fixed`: the party put it right, with a photo; the case loop takes it on to the
  supervisor's check (through ``signals.correction_fixed``), and it counts as a self-correction.
- :func:`answer_declined`: "not mine / cannot"; the street deals with the case at once.
- :func:`expire_corrections`: the worker's sweep passes the windows that ran out to the street.

Only the party's own account answers (parties hold no role: the gate is ``Party.account``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from cityloop.core.audit import domain_action, record, system_actor
from cityloop.core.models import User
from cityloop.notify.outbox import enqueue

from .models import CorrectionState, CorrectionWindow, DutyCategory, SelfCorrection
from .signals import correction_fixed, correction_passed_on

MAX_NOTE = 500
STREET_NOTICE = "frontage.correction.passed_on"


@dataclass(frozen=True)
class Photo:
    """A photo already checked by its content (by the interface that received it)."""

    name: str
    content: bytes
    content_type: str
    extension: str
    sha256: str


def _mine(correction_id: int, actor: User) -> SelfCorrection:
    correction = (
        SelfCorrection.objects.select_for_update().select_related("party").filter(pk=correction_id).first()
    )
    if correction is None or correction.party.account_id != actor.pk:
        raise PermissionDenied("这不是您的门前三包案件")
    if correction.state != CorrectionState.WAITING:
        raise ValidationError({"state": f"该案件已答复（{correction.get_state_display()}），无需再次答复"})
    return correction


def _note(value: Any, field: str, *, required: bool) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationError({field: "请填写说明"})
    if len(text) > MAX_NOTE:
        raise ValidationError({field: f"说明不超过{MAX_NOTE}字"})
    return text


@domain_action
def answer_fixed(
    correction_id: int, *, actor: User, note: str = "", photo: Photo | None, at: dt.datetime | None = None
) -> SelfCorrection:
    """The party put the problem right: keep its photo and note; the case goes to the supervisor."""
    at = at or timezone.now()
    correction = _mine(correction_id, actor)
    if photo is None:
        raise ValidationError({"photo": "请拍照上传纠正后的现场照片"})
    if at > correction.deadline_at:
        raise ValidationError({"state": "已超过自行纠正时限，案件已转由街道处置"})
    text = _note(note, "note", required=False)
    correction.state = CorrectionState.FIXED
    correction.answered_at, correction.answered_by, correction.answer = at, actor, text
    correction.photo.save(f"{photo.sha256[:16]}.{photo.extension}", ContentFile(photo.content), save=False)
    correction.photo_type, correction.photo_sha256 = photo.content_type, photo.sha256
    correction.save()
    record(
        actor, "frontage.correction.fixed", correction, after={"case": correction.case_number, "note": text}
    )
    correction_fixed.send(sender=SelfCorrection, correction=correction, actor=actor)
    return correction


@domain_action
def answer_declined(
    correction_id: int, *, actor: User, reason: str, at: dt.datetime | None = None
) -> SelfCorrection:
    """The party says the problem is not its own or it cannot put it right: the street takes over."""
    at = at or timezone.now()
    correction = _mine(correction_id, actor)
    text = _note(reason, "reason", required=True)
    correction.state = CorrectionState.DECLINED
    correction.answered_at, correction.answered_by, correction.answer = at, actor, text
    correction.save()
    record(
        actor,
        "frontage.correction.declined",
        correction,
        after={"case": correction.case_number, "reason": text},
    )
    _pass_on(correction, actor, f"责任主体{correction.party.name}答复不能自行纠正：{text}")
    return correction


@domain_action
def refuse_fix(case_id: int, *, actor: User, reason: str) -> SelfCorrection | None:
    """The check of a case the party said it fixed failed (核查不通过): the fix is not counted for
    the party (credit, self-correction rate). Called by the case loop inside its transition; a case
    no party fixed is left alone (returns None)."""
    correction = (
        SelfCorrection.objects.select_for_update()
        .filter(case_id=case_id, state=CorrectionState.FIXED)
        .first()
    )
    if correction is None:
        return None
    correction.state = CorrectionState.REFUSED
    correction.save(update_fields=["state"])
    record(
        actor,
        "frontage.correction.refused",
        correction,
        after={"case": correction.case_number, "reason": reason[:200]},
    )
    return correction


def _pass_on(correction: SelfCorrection, actor: User, reason: str) -> None:
    correction_passed_on.send(sender=SelfCorrection, correction=correction, actor=actor, reason=reason)
    enqueue(
        STREET_NOTICE,
        recipients=[correction.street],
        subject_type="frontage.selfcorrection",
        subject_id=correction.pk,
        payload={"title": f"门前三包案件转街道处置：{correction.case_number}", "body": reason},
        dedupe_key=f"{STREET_NOTICE}:{correction.pk}",
        district=correction.district_id,
    )


def _expire_one(pk: int, now: dt.datetime, actor: User) -> bool:
    with transaction.atomic():
        correction = SelfCorrection.objects.select_for_update().select_related("party").filter(pk=pk).first()
        if correction is None or correction.state != CorrectionState.WAITING or correction.deadline_at > now:
            return False
        correction.state = CorrectionState.EXPIRED
        correction.answered_at = now
        correction.save(update_fields=["state", "answered_at"])
        record(actor, "frontage.correction.expired", correction, after={"case": correction.case_number})
        _pass_on(correction, actor, f"责任主体{correction.party.name}未在时限内自行纠正，转由街道处置")
        return True


def expire_corrections(now: dt.datetime | None = None) -> dict[str, Any]:
    """The worker's sweep: every window that ran out passes its case to the street, one short
    transaction each (a case that cannot take the note is left for the next sweep)."""
    now = now or timezone.now()
    actor = system_actor()
    due = list(
        SelfCorrection.objects.filter(state=CorrectionState.WAITING, deadline_at__lte=now)
        .order_by("deadline_at", "id")
        .values_list("pk", flat=True)[:1000]
    )
    expired = failed = 0
    for pk in due:
        try:
            expired += _expire_one(pk, now, actor)
        except ValidationError:
            failed += 1
    return {"expired": expired, "failed": failed}


@domain_action
def save_setting(*, actor: User, obj: DutyCategory | CorrectionWindow) -> DutyCategory | CorrectionWindow:
    """Save a duty-category row or a self-correction window (the admin's edits), audited."""
    obj.full_clean()
    obj.save()
    if isinstance(obj, DutyCategory):
        from .corrections import DUTY_MAP

        DUTY_MAP.bump()  # every process reads the categories again
    action = "frontage.duty_category.save" if isinstance(obj, DutyCategory) else "frontage.window.save"
    record(actor, action, obj, after={"value": str(obj)})
    return obj
