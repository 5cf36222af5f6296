"""Writes of volunteering: registration and approval, activities with sign-up and attendance,
cleanup records, representatives' visits and their findings, and suggestions with their answers.

Citizens act as the public account with their verified :class:`Citizen` named; staff act as
themselves, within their jurisdiction (checked by the interfaces through ``restrict``). Each
action is one transaction with its audit entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils import timezone

from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import Unit, UnitKind, User

from .models import (
    Activity,
    Citizen,
    CleanupPhoto,
    CleanupRecord,
    Finding,
    Signup,
    Suggestion,
    SupervisionVisit,
    Volunteer,
)
from .models.volunteering import ActivityStatus, ApprovalStatus, VolunteerKind

MAX_PHOTOS = 6


def place_units(street: Unit, community: Unit | None) -> None:
    """A street and, if given, one of its communities; else a field error."""
    if street.kind != UnitKind.STREET:
        raise ValidationError({"street": "请选择一个街道"})
    if community is not None and (community.kind != UnitKind.COMMUNITY or community.parent_id != street.pk):
        raise ValidationError({"community": "社区应属于所选街道"})


@domain_action
def register_volunteer(
    *, actor: User, citizen: Citizen, kind: str, name: str, street: Unit, community: Unit | None = None
) -> Volunteer:
    """A verified citizen asks to be a volunteer or citizen representative of a street."""
    if kind not in VolunteerKind.values:
        raise ValidationError({"kind": "volunteer（志愿者）或 representative（市民代表）"})
    name = name.strip()
    if not name:
        raise ValidationError({"name": "请填写姓名"})
    place_units(street, community)
    existing = Volunteer.objects.filter(citizen=citizen).first()
    if existing is not None and existing.status != ApprovalStatus.REJECTED:
        raise ValidationError({"phone": "该手机号已登记"})
    volunteer = existing or Volunteer(citizen=citizen)
    volunteer.kind, volunteer.name, volunteer.street, volunteer.community = kind, name[:50], street, community
    volunteer.status, volunteer.decided_by, volunteer.decided_at = ApprovalStatus.PENDING, None, None
    volunteer.save()
    record(actor, "participation.volunteer.register", volunteer, after={"kind": kind, "street": street.code})
    return volunteer


@domain_action
def decide_volunteer(
    *, actor: User, volunteer: Volunteer, approve: bool, note: str = "", now: dt.datetime | None = None
) -> Volunteer:
    """Staff of the street approve or reject a registration awaiting approval."""
    if volunteer.status != ApprovalStatus.PENDING:
        raise ValidationError({"status": "该登记已处理"})
    volunteer.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    volunteer.decided_by, volunteer.decided_at = actor, now or timezone.now()
    volunteer.decision_note = note.strip()[:200]
    volunteer.save()
    record(actor, "participation.volunteer.decide", volunteer, after={"status": volunteer.status})
    return volunteer


ACTIVITY_FIELDS = ("title", "theme", "description", "place", "lon", "lat", "starts_at", "ends_at", "capacity")


@domain_action
def save_activity(
    *,
    actor: User,
    activity: Activity | None = None,
    street: Unit,
    community: Unit | None = None,
    **fields: Any,
) -> Activity:
    """Create an activity of a street, or change one (its capacity never below those signed up)."""
    place_units(street, community)
    before = snapshot(activity) if activity and activity.pk else None
    activity = activity or Activity(created_by=actor)
    for name in ACTIVITY_FIELDS:
        if name in fields:
            setattr(activity, name, fields[name])
    activity.street, activity.community = street, community
    if not str(activity.title or "").strip():
        raise ValidationError({"title": "请填写活动名称"})
    if activity.ends_at <= activity.starts_at:
        raise ValidationError({"ends_at": "结束时间应晚于开始时间"})
    if not 1 <= int(activity.capacity) <= 10000:
        raise ValidationError({"capacity": "人数上限应在1到10000之间"})
    if activity.pk and activity.capacity < _taken(activity):
        raise ValidationError({"capacity": "人数上限不能少于已报名人数"})
    activity.save()
    record(actor, "participation.activity.save", activity, before=before, after=snapshot(activity))
    return activity


def _taken(activity: Activity) -> int:
    return activity.signups.filter(cancelled_at__isnull=True).count()


@domain_action
def sign_up(
    *, actor: User, activity: Activity, volunteer: Volunteer, now: dt.datetime | None = None
) -> Signup:
    """An approved volunteer takes a place in an open activity that has not started and is not full."""
    now = now or timezone.now()
    locked = Activity.objects.select_for_update().get(pk=activity.pk)  # the last place goes once
    if volunteer.status != ApprovalStatus.APPROVED:
        raise ValidationError({"volunteer": "志愿者登记通过审核后才能报名"})
    if locked.status != ActivityStatus.OPEN or locked.starts_at <= now:
        raise ValidationError({"activity": "该活动已不接受报名"})
    signup = Signup.objects.filter(activity=locked, volunteer=volunteer).first()
    if signup is not None and signup.cancelled_at is None:
        raise ValidationError({"activity": "您已报名该活动"})
    if _taken(locked) >= locked.capacity:
        raise ValidationError({"activity": "名额已满"})
    signup = signup or Signup(activity=locked, volunteer=volunteer)
    signup.cancelled_at, signup.created_at = None, now
    signup.save()
    record(actor, "participation.activity.signup", signup, after={"activity": locked.pk})
    return signup


@domain_action
def cancel_signup(*, actor: User, signup: Signup, now: dt.datetime | None = None) -> Signup:
    """A volunteer gives their place back before the activity starts."""
    now = now or timezone.now()
    if signup.cancelled_at is not None:
        raise ValidationError({"activity": "已取消报名"})
    if signup.activity.starts_at <= now:
        raise ValidationError({"activity": "活动已开始，不能取消报名"})
    signup.cancelled_at = now
    signup.save(update_fields=["cancelled_at"])
    record(actor, "participation.activity.cancel_signup", signup, after={"activity": signup.activity_id})
    return signup


@domain_action
def record_attendance(*, actor: User, signup: Signup, attended: bool, hours: Decimal) -> Signup:
    """Staff record whether a volunteer came, and the hours they are credited."""
    if signup.cancelled_at is not None:
        raise ValidationError({"signup": "该报名已取消"})
    if not Decimal(0) <= hours <= Decimal(24):
        raise ValidationError({"hours": "时长应在0到24小时之间"})
    before = snapshot(signup, ["attended", "hours"])
    signup.attended, signup.hours = attended, hours if attended else Decimal(0)
    signup.save(update_fields=["attended", "hours"])
    record(
        actor,
        "participation.activity.attendance",
        signup,
        before=before,
        after=snapshot(signup, ["attended", "hours"]),
    )
    return signup


@domain_action
def record_cleanup(
    *,
    actor: User,
    activity: Activity,
    volunteer: Volunteer | None,
    refuse_kg: Decimal,
    spots_cleaned: int,
    note: str = "",
    photos: Sequence[tuple[bytes, str, str]] = (),
    now: dt.datetime | None = None,
) -> CleanupRecord:
    """What a cleanup achieved, by a volunteer signed up for it (or by staff), with checked photos
    (content, content type, extension: the interface checks them by their content)."""
    now = now or timezone.now()
    if (
        volunteer is not None
        and not activity.signups.filter(volunteer=volunteer, cancelled_at__isnull=True).exists()
    ):
        raise ValidationError({"activity": "只有报名该活动的志愿者可以记录"})
    if activity.status == ActivityStatus.CANCELLED or activity.starts_at > now:
        raise ValidationError({"activity": "活动开始后才能记录清理成果"})
    if not Decimal(0) <= refuse_kg <= Decimal(100000):
        raise ValidationError({"refuse_kg": "垃圾重量应在0到100000千克之间"})
    if not 0 <= spots_cleaned <= 10000:
        raise ValidationError({"spots_cleaned": "清理点位数应在0到10000之间"})
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": f"最多{MAX_PHOTOS}张照片"})
    cleanup = CleanupRecord.objects.create(
        activity=activity,
        volunteer=volunteer,
        refuse_kg=refuse_kg,
        spots_cleaned=spots_cleaned,
        note=note.strip()[:500],
        at=now,
    )
    for content, content_type, extension in photos:
        photo = CleanupPhoto(record=cleanup, content_type=content_type, size=len(content))
        photo.file.save(f"cleanup-{cleanup.pk}.{extension}", ContentFile(content), save=False)
        photo.save()
    record(
        actor,
        "participation.cleanup.record",
        cleanup,
        after={"refuse_kg": refuse_kg, "spots_cleaned": spots_cleaned, "photos": len(photos)},
    )
    return cleanup


@domain_action
def record_visit(
    *,
    actor: User,
    representative: Volunteer,
    place: str,
    at: dt.datetime,
    summary: str = "",
    findings: Sequence[dict[str, Any]] = (),
) -> SupervisionVisit:
    """An approved citizen representative's supervision visit with its findings; each finding is
    then reported as a case by the interface (the normal intake, channel ``citizen_rep``)."""
    if (
        representative.kind != VolunteerKind.REPRESENTATIVE
        or representative.status != ApprovalStatus.APPROVED
    ):
        raise ValidationError({"representative": "只有审核通过的市民代表可以记录监督走访"})
    if not place.strip():
        raise ValidationError({"place": "请填写走访地点"})
    visit = SupervisionVisit.objects.create(
        representative=representative, place=place.strip()[:200], at=at, summary=summary.strip()[:1000]
    )
    for i, found in enumerate(findings):
        text = str(found.get("description") or "").strip()
        if not text:
            raise ValidationError({f"findings.{i}.description": "请描述发现的问题"})
        Finding.objects.create(visit=visit, description=text[:1000], lon=found["lon"], lat=found["lat"])
    record(
        actor, "participation.visit.record", visit, after={"place": visit.place, "findings": len(findings)}
    )
    return visit


@domain_action
def link_finding(
    *, actor: User, finding: Finding, case_id: int, case_number: str, tracking_code: str
) -> Finding:
    """Write back the case a finding became (in the transaction that made the case)."""
    finding.case_id, finding.case_number, finding.tracking_code = case_id, case_number, tracking_code
    finding.save(update_fields=["case_id", "case_number", "tracking_code"])
    record(actor, "participation.finding.report", finding, after={"case": case_number})
    return finding


@domain_action
def submit_suggestion(
    *, actor: User, citizen: Citizen, title: str, text: str, street: Unit | None = None
) -> Suggestion:
    """A verified citizen sends a suggestion to a street (or to the city when none is named)."""
    if street is not None and street.kind != UnitKind.STREET:
        raise ValidationError({"street": "请选择一个街道"})
    if not title.strip():
        raise ValidationError({"title": "请填写标题"})
    if not text.strip():
        raise ValidationError({"text": "请填写建议内容"})
    suggestion = Suggestion.objects.create(
        citizen=citizen, street=street, title=title.strip()[:100], text=text.strip()[:2000]
    )
    record(
        actor,
        "participation.suggestion.submit",
        suggestion,
        after={"street": street.code if street else None},
    )
    return suggestion


@domain_action
def answer_suggestion(
    *, actor: User, suggestion: Suggestion, answer: str, now: dt.datetime | None = None
) -> Suggestion:
    """Staff answer a suggestion (again, to correct it); the citizen reads the answer."""
    if not answer.strip():
        raise ValidationError({"answer": "请填写答复"})
    before = snapshot(suggestion, ["answer"])
    suggestion.answer, suggestion.answered_by = answer.strip()[:2000], actor
    suggestion.answered_at = now or timezone.now()
    suggestion.save(update_fields=["answer", "answered_by", "answered_at"])
    record(
        actor,
        "participation.suggestion.answer",
        suggestion,
        before=before,
        after={"answer": suggestion.answer},
    )
    return suggestion


@domain_action
def set_nickname(*, actor: User, citizen: Citizen, nickname: str) -> Citizen:
    """The name a citizen shows (masked) on the leaderboard."""
    citizen.nickname = nickname.strip()[:30]
    citizen.save(update_fields=["nickname"])
    record(actor, "participation.citizen.update", citizen, after={"nickname": citizen.nickname})
    return citizen
