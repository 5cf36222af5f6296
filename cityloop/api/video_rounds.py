"""``/api/v1/video/routes`` and ``…/rounds``: patrol routes (轮巡方案), today's round camera by
camera, and reporting what a round's camera shows."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from cityloop.cases.engine import TransitionError
from cityloop.core.models import Unit
from cityloop.core.permissions import jurisdiction_paths, restrict, scope_for
from cityloop.video.models import PatrolRound, PatrolRoute, RoundStop
from cityloop.video.patrol import (
    create_route,
    finish_round,
    look_at,
    report_from_stop,
    round_rows,
    start_round,
)

from .errors import ApiError
from .video_access import refused, video_user

router = Router(tags=["video"])


class RouteOut(Schema):
    code: str
    name: str
    district: str
    shift: str
    seconds_per_camera: int
    checklist: list[str]
    cameras: list[str]


def _route(route: PatrolRoute) -> dict[str, Any]:
    return {
        "code": route.code,
        "name": route.name,
        "district": route.district.code,
        "shift": route.shift,
        "seconds_per_camera": route.seconds_per_camera,
        "checklist": route.checklist,
        "cameras": [s.camera.code for s in route.stops.select_related("camera")],
    }


@router.get("/routes", response=list[RouteOut], summary="Patrol routes (轮巡方案) in your jurisdiction")
def list_routes(request: HttpRequest) -> list[dict[str, Any]]:
    qs = restrict(PatrolRoute.objects.select_related("district"), request.user, "view").filter(active=True)
    return [_route(r) for r in qs.order_by("code")[:500]]


class RouteIn(Schema):
    code: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=1, max_length=100)
    district: str = Field(..., min_length=1, max_length=32, description="district unit code")
    shift: str = Field(..., pattern="^(day|evening|night)$")
    cameras: list[str] = Field([], max_length=200, description="camera codes in order")
    key_areas: list[str] = Field([], max_length=50, description="or: every camera of these key areas")
    seconds_per_camera: int = Field(60, ge=10, le=1800)
    checklist: list[str] = Field([], max_length=12)


@router.post(
    "/routes", response={201: RouteOut}, summary="Add a patrol route (shift leaders, administrators)"
)
def add_route(request: HttpRequest, body: RouteIn) -> Status[dict[str, Any]]:
    actor = video_user(request)
    district = Unit.objects.filter(code=body.district).first()
    paths = jurisdiction_paths(actor, scope_for(PatrolRoute).actions["manage"])
    if district is None or not (actor.is_superuser or any(district.path.startswith(p) for p in paths)):
        raise ApiError(
            404 if district is None else 403, "no such district in your jurisdiction", field="district"
        )
    route = create_route(
        actor=actor,
        code=body.code,
        name=body.name,
        district=district,
        shift=body.shift,
        cameras=[c[:32] for c in body.cameras] or None,
        key_areas=[k[:50] for k in body.key_areas] or None,
        seconds_per_camera=body.seconds_per_camera,
        checklist=body.checklist or None,
    )
    return Status(201, _route(route))


class StopOut(Schema):
    position: int
    camera: str
    camera_name: str
    key_area: str
    status: str
    looked_at: dt.datetime | None
    seconds: int | None
    checks: dict[str, bool]
    note: str
    case_number: str | None


class PatrolRoundOut(Schema):
    id: int
    route: str
    operator: str
    day: dt.date
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    looked: int
    missed: int
    checklist: list[str]
    stops: list[StopOut]


def _round(patrol: PatrolRound) -> dict[str, Any]:
    return {
        "id": patrol.pk,
        "route": patrol.route.code,
        "operator": patrol.operator.username,
        "day": patrol.day,
        "status": patrol.status,
        "started_at": patrol.started_at,
        "finished_at": patrol.finished_at,
        "looked": patrol.looked,
        "missed": patrol.missed,
        "checklist": patrol.route.checklist,
        "stops": [
            {
                "position": r["position"],
                "camera": r["camera__code"],
                "camera_name": r["camera__name"],
                "key_area": r["camera__key_area"],
                "status": r["status"],
                "looked_at": r["looked_at"],
                "seconds": r["seconds"],
                "checks": r["checks"] or {},
                "note": r["note"],
                "case_number": r["case__number"],
            }
            for r in round_rows(patrol)
        ],
    }


def _find_round(request: HttpRequest, pk: int) -> PatrolRound:
    found = (
        restrict(PatrolRound.objects.select_related("route", "operator"), request.user, "view")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise ApiError(404, f"no patrol round {pk} in your jurisdiction")
    return found


@router.post(
    "/routes/{code}/rounds", response={201: PatrolRoundOut}, summary="Start (or resume) today's round"
)
def begin_round(request: HttpRequest, code: str) -> Status[dict[str, Any]]:
    route = restrict(PatrolRoute.objects.all(), request.user, "view").filter(code=code[:32]).first()
    if route is None:
        raise ApiError(404, f"no patrol route {code[:32]!r} in your jurisdiction")
    user = video_user(request)
    paths = jurisdiction_paths(user, scope_for(PatrolRound).actions["patrol"])
    if not user.is_superuser and not any(route.district.path.startswith(p) for p in paths):
        raise ApiError(403, "only operators and shift leaders of the district run its rounds")
    try:
        patrol = start_round(route, actor=user)
    except TransitionError as exc:
        raise refused(exc) from None
    return Status(201, _round(_find_round(request, patrol.pk)))


@router.get("/rounds/{pk}", response=PatrolRoundOut, summary="A patrol round and its cameras")
def get_round(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _round(_find_round(request, pk))


def _stop(request: HttpRequest, pk: int, position: int) -> RoundStop:
    patrol = _find_round(request, pk)
    stop = RoundStop.objects.filter(round=patrol, position=position).first()
    if stop is None:
        raise ApiError(404, f"round {pk} has no camera at position {position}")
    return stop


class LookIn(Schema):
    checks: dict[str, bool] = Field({}, description="checklist item → problem seen")
    note: str = Field("", max_length=200)


@router.post(
    "/rounds/{pk}/stops/{position}/look", response=PatrolRoundOut, summary="Record a camera looked at"
)
def look(request: HttpRequest, pk: int, position: int, body: LookIn) -> dict[str, Any]:
    if len(body.checks) > 12 or any(len(k) > 30 for k in body.checks):
        raise ValidationError({"checks": "at most 12 checklist items of 30 characters"})
    try:
        look_at(_stop(request, pk, position), actor=video_user(request), checks=body.checks, note=body.note)
    except TransitionError as exc:
        raise refused(exc) from None
    return _round(_find_round(request, pk))


@router.post("/rounds/{pk}/finish", response=PatrolRoundOut, summary="Finish the round (the rest are missed)")
def finish(request: HttpRequest, pk: int) -> dict[str, Any]:
    try:
        finish_round(_find_round(request, pk), actor=video_user(request))
    except TransitionError as exc:
        raise refused(exc) from None
    return _round(_find_round(request, pk))


class FrameReportIn(Schema):
    category: str = Field(..., min_length=4, max_length=4, pattern="^[0-9]{4}$")
    kind: str = Field("event", pattern="^(event|component)$")
    description: str = Field("", max_length=500)
    attachment: int | None = Field(
        None, ge=1, le=2**62, description="an uploaded frame; none: take one from the camera"
    )


class FrameReportOut(Schema):
    case_number: str
    camera: str


@router.post(
    "/rounds/{pk}/stops/{position}/report",
    response={201: FrameReportOut},
    summary="Report what the camera shows",
)
def report(request: HttpRequest, pk: int, position: int, body: FrameReportIn) -> Status[dict[str, Any]]:
    stop = _stop(request, pk, position)
    try:
        case = report_from_stop(
            stop,
            actor=video_user(request),
            category=body.category,
            kind=body.kind,
            description=body.description,
            attachment_id=body.attachment,
        )
    except TransitionError as exc:
        raise refused(exc) from None
    return Status(201, {"case_number": case.number, "camera": stop.camera.code})
