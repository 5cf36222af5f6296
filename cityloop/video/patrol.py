"""Patrol rounds (轮巡): a route walks an operator through the cameras of key areas in order; the
round records when each camera was looked at, for how long and what the checklist said; cameras not
looked at when the round ends are missed, and a round left unfinished past its day is missed whole.
From any camera in a round the operator can report what the frame shows (which counts as a look)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from cityloop.cases.attachments import upload_attachment
from cityloop.cases.engine import TransitionError
from cityloop.cases.models import Case
from cityloop.catalog import lookup
from cityloop.core.audit import domain_action, record
from cityloop.core.models import Unit, User
from cityloop.core.permissions import jurisdiction_paths, scope_for

from .casework import report_through_camera
from .frames import take_frame
from .models import (
    Camera,
    PatrolRound,
    PatrolRoute,
    RoundStatus,
    RoundStop,
    RouteCamera,
    Shift,
    StopStatus,
)

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
MAX_CAMERAS = 200
MAX_CHECKS = 12


@domain_action
def create_route(
    *,
    actor: User,
    code: str,
    name: str,
    district: Unit,
    shift: str,
    cameras: list[str] | None = None,
    key_areas: list[str] | None = None,
    seconds_per_camera: int = 60,
    checklist: list[str] | None = None,
) -> PatrolRoute:
    """A patrol route over the given cameras in order, or over every active camera of the given key
    areas of the district (area by area, then by code)."""
    if not CODE.match(code or ""):
        raise ValidationError({"code": "编号为小写字母、数字或连字符，不超过32位"})
    if PatrolRoute.objects.filter(code=code).exists():
        raise ValidationError({"code": f"轮巡方案{code}已存在"})
    if not (name or "").strip() or len(name) > 100:
        raise ValidationError({"name": "名称必填，不超过100字"})
    if shift not in Shift.values:
        raise ValidationError({"shift": f"班次为{'、'.join(Shift.values)}之一"})
    if not 10 <= seconds_per_camera <= 1800:
        raise ValidationError({"seconds_per_camera": "每个摄像头10到1800秒"})
    items = [c.strip() for c in checklist or ["暴露垃圾", "占道经营", "乱堆物料", "设施损坏"]]
    if len(items) > MAX_CHECKS or any(not c or len(c) > 30 for c in items):
        raise ValidationError({"checklist": f"检查项最多{MAX_CHECKS}项，每项1到30字"})
    in_district = Camera.objects.filter(district=district, active=True)
    if cameras:
        found = {c.code: c for c in in_district.filter(code__in=cameras)}
        missing = [c for c in cameras if c not in found]
        if missing:
            raise ValidationError({"cameras": f"本区没有这些在用摄像头：{'、'.join(missing[:10])}"})
        ordered = [found[c] for c in dict.fromkeys(cameras)]
    elif key_areas:
        ordered = list(in_district.filter(key_area__in=key_areas).order_by("key_area", "code"))
    else:
        raise ValidationError({"cameras": "请给出摄像头或重点区域"})
    if not ordered or len(ordered) > MAX_CAMERAS:
        raise ValidationError({"cameras": f"一个方案有1到{MAX_CAMERAS}个摄像头"})
    route = PatrolRoute.objects.create(
        code=code,
        name=name.strip(),
        district=district,
        shift=shift,
        seconds_per_camera=seconds_per_camera,
        checklist=items,
    )
    RouteCamera.objects.bulk_create(
        [RouteCamera(route=route, camera=c, position=n) for n, c in enumerate(ordered, start=1)]
    )
    record(actor, "video.route.create", route, after={"cameras": [c.code for c in ordered], "shift": shift})
    return route


@domain_action
def start_round(route: PatrolRoute, *, actor: User, at: dt.datetime | None = None) -> PatrolRound:
    """Start (or resume) the actor's round of this route today: its cameras in order, none looked at."""
    at = at or timezone.now()
    district = Unit.objects.get(pk=route.district_id)
    paths = jurisdiction_paths(actor, scope_for(PatrolRound).actions["patrol"])
    if not actor.is_superuser and not any(district.path.startswith(p) for p in paths):
        raise TransitionError(
            403, "only the district's operators and shift leaders run its rounds", field="route"
        )
    day = timezone.localdate(at)
    running = PatrolRound.objects.filter(
        route=route, operator=actor, day=day, status=RoundStatus.RUNNING
    ).first()
    if running is not None:
        return running
    if not route.active:
        raise TransitionError(409, "this patrol route is no longer in use", field="route")
    patrol = PatrolRound.objects.create(
        route=route, operator=actor, district_id=route.district_id, day=day, started_at=at
    )
    stops = list(route.stops.filter(camera__active=True).values_list("camera_id", flat=True))
    RoundStop.objects.bulk_create(
        [RoundStop(round=patrol, camera_id=c, position=n) for n, c in enumerate(stops, start=1)]
    )
    record(
        actor, "video.round.start", patrol, object_repr=f"{route.name} {day}", after={"cameras": len(stops)}
    )
    return patrol


def _own_running(stop: RoundStop, actor: User) -> RoundStop:
    locked = RoundStop.objects.select_for_update().select_related("round", "camera").get(pk=stop.pk)
    if locked.round.operator_id != actor.pk:
        raise TransitionError(403, "this round is another operator's", field="round")
    if locked.round.status != RoundStatus.RUNNING:
        raise TransitionError(409, f"the round is {locked.round.status}", field="round")
    return locked


@domain_action
def look_at(
    stop: RoundStop,
    *,
    actor: User,
    checks: dict[str, bool] | None = None,
    note: str = "",
    at: dt.datetime | None = None,
) -> RoundStop:
    """Record that the operator looked through this camera: when, for how long (since the previous
    camera, or the round's start), and the checklist's answers (True: a problem seen)."""
    at = at or timezone.now()
    stop = _own_running(stop, actor)
    if stop.status != StopStatus.PENDING:
        raise TransitionError(409, "this camera was already recorded in this round", field="stop")
    checks = dict(checks or {})
    unknown = [k for k in checks if k not in stop.round.route.checklist]
    if unknown:
        raise ValidationError({"checks": f"不在检查单中：{'、'.join(unknown[:5])}"})
    if len(note) > 200:
        raise ValidationError({"note": "备注不超过200字"})
    _mark_looked(stop, actor=actor, at=at, checks={k: bool(v) for k, v in checks.items()}, note=note.strip())
    return stop


def _mark_looked(
    stop: RoundStop, *, actor: User, at: dt.datetime, checks: dict[str, bool], note: str
) -> None:
    """Record the look at a locked, pending stop: its time runs from the previous look (or the
    round's start) to ``at``."""
    previous = (
        RoundStop.objects.filter(round_id=stop.round_id, looked_at__isnull=False)
        .order_by("-looked_at")
        .values_list("looked_at", flat=True)
        .first()
    )
    since = previous or stop.round.started_at
    stop.status = StopStatus.LOOKED
    stop.opened_at = since
    stop.looked_at = at
    stop.seconds = max(0, int((at - since).total_seconds()))
    stop.checks = checks
    stop.note = note
    stop.save(update_fields=["status", "opened_at", "looked_at", "seconds", "checks", "note"])
    PatrolRound.objects.filter(pk=stop.round_id).update(looked=stop.round.looked + 1)
    record(
        actor,
        "video.round.look",
        stop,
        object_repr=f"{stop.round_id}#{stop.position} {stop.camera.code}",
        after={"seconds": stop.seconds, "problems": [k for k, v in stop.checks.items() if v]},
    )


@domain_action
def finish_round(patrol: PatrolRound, *, actor: User, at: dt.datetime | None = None) -> PatrolRound:
    """End the round: cameras not looked at are missed (they count in the operator's evaluation)."""
    patrol = PatrolRound.objects.select_for_update().get(pk=patrol.pk)
    if patrol.operator_id != actor.pk:
        raise TransitionError(403, "this round is another operator's", field="round")
    if patrol.status != RoundStatus.RUNNING:
        raise TransitionError(409, f"the round is {patrol.status}", field="round")
    return _end(patrol, actor, RoundStatus.FINISHED, at or timezone.now())


def _end(patrol: PatrolRound, actor: User, status: str, at: dt.datetime) -> PatrolRound:
    RoundStop.objects.filter(round=patrol, status=StopStatus.PENDING).update(status=StopStatus.MISSED)
    patrol.status, patrol.finished_at = status, at
    patrol.looked = RoundStop.objects.filter(round=patrol, status=StopStatus.LOOKED).count()
    patrol.missed = RoundStop.objects.filter(round=patrol, status=StopStatus.MISSED).count()
    patrol.save(update_fields=["status", "finished_at", "looked", "missed"])
    action = "video.round.finish" if status == RoundStatus.FINISHED else "video.round.miss"
    record(
        actor,
        action,
        patrol,
        object_repr=f"{patrol.route_id} {patrol.day}",
        after={"looked": patrol.looked, "missed": patrol.missed},
    )
    return patrol


@domain_action
def close_stale_rounds(*, actor: User, today: dt.date | None = None) -> int:
    """Rounds still running from an earlier day are missed rounds (run by the worker's sweep)."""
    today = today or timezone.localdate()
    count = 0
    for patrol in PatrolRound.objects.select_for_update().filter(status=RoundStatus.RUNNING, day__lt=today):
        _end(patrol, actor, RoundStatus.MISSED, timezone.now())
        count += 1
    return count


@domain_action
def report_from_stop(
    stop: RoundStop,
    *,
    actor: User,
    category: str,
    kind: str = "event",
    description: str = "",
    frame: tuple[str, bytes] | None = None,
    attachment_id: int | None = None,
) -> Case:
    """Report what this camera shows: the frame uploaded (``frame``: name and bytes, or an
    ``attachment_id`` already uploaded) or taken from the camera's snapshot address; the case is
    placed at the camera's view and linked to it (or joins the open case of this camera and category)."""
    stop = _own_running(stop, actor)
    found = lookup.category(category, kind, on=timezone.localdate())
    if found.parent_id is None:
        raise ValidationError({"category": "请选择小类"})
    description = (description or "").strip()
    if len(description) > 500:
        raise ValidationError({"description": "描述不超过500字"})
    if attachment_id is None:
        name, content = frame if frame is not None else ("snapshot.jpg", take_frame(stop.camera.snapshot_url))
        attachment_id = upload_attachment(actor=actor, name=name, content=content, purpose="report").pk
    case, _created = report_through_camera(
        actor=actor,
        camera=stop.camera,
        category=found,
        description=description or f"视频巡查发现：{found.name}（{stop.camera.name}）",
        frame_id=attachment_id,
    )
    stop.case = case
    stop.save(update_fields=["case"])
    if stop.status == StopStatus.PENDING:
        # Reporting what a camera shows is looking through it: the camera is not missed because
        # the operator went on to the next one without also pressing 已查看.
        _mark_looked(stop, actor=actor, at=timezone.now(), checks={}, note=f"已上报 {case.number}")
    record(
        actor,
        "video.round.report",
        stop,
        object_repr=f"{stop.round_id}#{stop.position}",
        after={"case": case.number},
    )
    return case


def round_rows(patrol: PatrolRound) -> list[dict[str, Any]]:
    """The round's cameras in order, as the patrol page and the API show them (one query)."""
    rows = [
        dict(row)
        for row in         RoundStop.objects.filter(round=patrol)
        .order_by("position")
        .values(
            "id", "position", "status", "looked_at", "seconds", "checks", "note",
            "camera__code", "camera__name", "camera__lon", "camera__lat", "camera__key_area", "case_id",
            "case__number",
        )
    ]  # fmt: skip
    return rows
