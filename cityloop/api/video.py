"""``/api/v1/video``: cameras (secret addresses only to administrators), detections to review,
precision per detector, thresholds, patrol routes and rounds, and reporting from a round's camera."""

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from cityloop.api.bounded import Ring
from cityloop.cases.engine import TransitionError
from cityloop.catalog import lookup
from cityloop.core.models import Membership, Role, Unit, UnitKind, User
from cityloop.core.permissions import can, jurisdiction_paths, restrict, scope_for
from cityloop.video import cameras as camera_actions
from cityloop.video.detectors import set_threshold
from cityloop.video.files import read_rows
from cityloop.video.models import Camera, Detection, PatrolRound, PatrolRoute, RoundStop, Threshold
from cityloop.video.patrol import (
    create_route,
    finish_round,
    look_at,
    report_from_stop,
    round_rows,
    start_round,
)
from cityloop.video.review import confirm_detection, precision, reject_detection

from .errors import ApiError
from .pagination import Paged

router = Router(tags=["video"])


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _refused(exc: TransitionError) -> ApiError:
    return ApiError(exc.status, exc.message, **exc.details)


class CameraOut(Schema):
    code: str
    name: str
    lon: float
    lat: float
    direction: float | None
    fov_angle: float
    range_m: float
    fov: list[list[list[float]]] = Field(..., description="GeoJSON Polygon coordinates of the view")
    owner: str
    district: str
    key_area: str
    hours: str
    active: bool
    stream_url: str | None = Field(None, description="null unless you administer the camera")
    snapshot_url: str | None = Field(None, description="null unless you administer the camera")


def _camera(camera: Camera, secrets: bool) -> dict[str, Any]:
    return {
        "code": camera.code,
        "name": camera.name,
        "lon": camera.lon,
        "lat": camera.lat,
        "direction": camera.direction,
        "fov_angle": camera.fov_angle,
        "range_m": camera.range_m,
        "fov": camera.fov,
        "owner": camera.owner.code,
        "district": camera.district.code,
        "key_area": camera.key_area,
        "hours": camera.hours,
        "active": camera.active,
        "stream_url": camera.stream_url if secrets else None,
        "snapshot_url": camera.snapshot_url if secrets else None,
    }


class CameraFilter(Schema):
    key_area: str | None = Field(None, max_length=50)
    q: str | None = Field(None, max_length=50, description="part of the code or name")


@router.get("/cameras", response=list[CameraOut], summary="Cameras in your jurisdiction")
@paginate(Paged)
def list_cameras(request: HttpRequest, filters: Query[CameraFilter]) -> Any:
    qs = restrict(Camera.objects.select_related("owner", "district"), request.user, "view")
    if filters.key_area:
        qs = qs.filter(key_area=filters.key_area)
    if filters.q:
        qs = qs.filter(name__contains=filters.q) | qs.filter(code=filters.q)
    managed = set(restrict(Camera.objects.all(), request.user, "manage").values_list("pk", flat=True))
    return [_camera(c, c.pk in managed) for c in qs.order_by("code")[:5000]]


def _find_camera(request: HttpRequest, code: str, action: str = "view") -> Camera:
    found = (
        restrict(Camera.objects.select_related("owner", "district"), request.user, action)
        .filter(code=code[:32])
        .first()
    )
    if found is None:
        raise ApiError(404, f"no camera {code[:32]!r} in your jurisdiction")
    return found


@router.get("/cameras/{code}", response=CameraOut, summary="One camera")
def get_camera(request: HttpRequest, code: str) -> dict[str, Any]:
    camera = _find_camera(request, code)
    return _camera(camera, can(request.user, "manage", camera))


class CameraIn(Schema):
    code: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=1, max_length=100)
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    owner: str = Field(..., min_length=1, max_length=32, description="owner unit code")
    direction: float | None = Field(None, ge=0, le=360, description="degrees clockwise from north")
    fov_angle: float = Field(60, ge=1, le=360)
    range_m: float = Field(80, ge=1, le=2000)
    fov: list[Ring] | None = Field(None, max_length=1, description="a given view polygon")
    stream_url: str = Field("", max_length=500)
    snapshot_url: str = Field("", max_length=500)
    key_area: str = Field("", max_length=50)
    hours: str = Field("", max_length=50, description="07:00-09:30,17:00-20:00")


def _camera_admin(request: HttpRequest) -> User:
    user = _user(request)
    if not user.is_superuser and not jurisdiction_paths(user, scope_for(Camera).actions["manage"]):
        raise ApiError(403, "only an administrator registers cameras")
    return user


@router.post("/cameras", response={201: CameraOut}, summary="Register a camera (administrators)")
def add_camera(request: HttpRequest, body: CameraIn) -> Status[dict[str, Any]]:
    actor = _camera_admin(request)
    with transaction.atomic():
        camera = camera_actions.create_camera(actor=actor, data=camera_actions.CameraInput(**body.dict()))
        if not can(actor, "manage", camera):
            raise ApiError(403, "this camera stands outside your jurisdiction")
    return Status(201, _camera(camera, True))


class ImportOut(Schema):
    ok: bool
    created: int = 0
    updated: int = 0
    errors: list[str] = []


@router.post(
    "/camera-files", response=ImportOut, summary="Import cameras from CSV or GeoJSON, all or nothing"
)
def import_camera_file(request: HttpRequest, file: File[UploadedFile]) -> dict[str, Any]:
    actor = _camera_admin(request)
    if (file.size or 0) > 20 * 1024 * 1024:
        raise ValidationError({"file": "文件超过20 MB"})
    rows = read_rows(file.name or "", file.read())
    try:
        with transaction.atomic():
            counts = camera_actions.import_cameras(actor=actor, rows=rows, source=file.name or "")
            codes = {str(r.get("code", "")).strip() for r in rows}
            managed = restrict(Camera.objects.filter(code__in=codes), actor, "manage").count()
            if managed != len(codes):
                # Rolls the whole file back: some camera stands outside the caller's jurisdiction.
                raise ApiError(403, "the file has cameras outside your jurisdiction; nothing was imported")
    except camera_actions.ImportRefused as exc:
        return {"ok": False, "errors": exc.rows}
    return {"ok": True, "created": counts["created"], "updated": counts["updated"]}


# --- detections ------------------------------------------------------------------------------------


class DetectionOut(Schema):
    id: int
    detector: str
    detector_id: str = Field(..., description="the detector's own id of the detection")
    camera: str
    camera_name: str
    category: str
    category_name: str
    confidence: float
    image_url: str
    detected_at: dt.datetime
    status: str
    case_number: str | None
    joined_open_case: bool
    reason: str


def _detection(d: Detection) -> dict[str, Any]:
    return {
        "id": d.pk,
        "detector": d.detector.code,
        "detector_id": d.external_id,
        "camera": d.camera.code,
        "camera_name": d.camera.name,
        "category": d.category.code,
        "category_name": d.category.name,
        "confidence": d.confidence,
        "image_url": d.image_url,
        "detected_at": d.detected_at,
        "status": d.status,
        "case_number": d.case.number if d.case else None,
        "joined_open_case": d.joined_open_case,
        "reason": d.reason,
    }


class DetectionFilter(Schema):
    status: str = Field("pending", pattern="^(pending|confirmed|rejected|auto|below|all)$")
    camera: str | None = Field(None, max_length=32)


def _detections(request: HttpRequest, action: str = "view") -> Any:
    return restrict(Detection.objects.all(), request.user, action).select_related(
        "detector", "camera", "category", "case"
    )


@router.get("/detections", response=list[DetectionOut], summary="Detections to review (or decided)")
@paginate(Paged)
def list_detections(request: HttpRequest, filters: Query[DetectionFilter]) -> Any:
    qs = _detections(request)
    if filters.status != "all":
        qs = qs.filter(status=filters.status)
    if filters.camera:
        qs = qs.filter(camera__code=filters.camera)
    return [_detection(d) for d in qs.order_by("-confidence", "id")[:5000]]


class ConfirmIn(Schema):
    note: str = Field("", max_length=200, description="what the operator saw (becomes the description)")


class RejectIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


def _find_detection(request: HttpRequest, pk: int) -> Detection:
    found = _detections(request, "review").filter(pk=pk).first()
    if found is None:
        raise ApiError(404, f"no detection {pk} for you to review")
    return found


@router.post("/detections/{pk}/confirm", response=DetectionOut, summary="Confirm: a case (or the open one)")
def confirm(request: HttpRequest, pk: int, body: ConfirmIn) -> dict[str, Any]:
    found = _find_detection(request, pk)
    try:
        confirm_detection(found, actor=_user(request), note=body.note)
    except TransitionError as exc:
        raise _refused(exc) from None
    return _detection(_detections(request).get(pk=pk))


@router.post("/detections/{pk}/reject", response=DetectionOut, summary="Reject with a reason")
def reject(request: HttpRequest, pk: int, body: RejectIn) -> dict[str, Any]:
    found = _find_detection(request, pk)
    try:
        reject_detection(found, actor=_user(request), reason=body.reason)
    except TransitionError as exc:
        raise _refused(exc) from None
    return _detection(_detections(request).get(pk=pk))


class PrecisionOut(Schema):
    detector: str
    category: str
    category_name: str
    confirmed: int
    rejected: int
    pending: int
    precision: float | None = Field(..., description="confirmed / (confirmed + rejected)")


@router.get("/precision", response=list[PrecisionOut], summary="Precision per detector and category")
def detector_precision(request: HttpRequest) -> list[dict[str, Any]]:
    return [p.as_json() for p in precision(restrict(Detection.objects.all(), request.user, "view"))]


class ThresholdOut(Schema):
    kind: str
    category: str
    category_name: str
    min_confidence: float
    auto_case_confidence: float | None


class ThresholdIn(Schema):
    min_confidence: float = Field(..., ge=0, le=1)
    auto_case_confidence: float | None = Field(None, ge=0, le=1)


@router.get("/thresholds", response=list[ThresholdOut], summary="The city's detection thresholds")
def thresholds(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "kind": t.category.kind,
            "category": t.category.code,
            "category_name": t.category.name,
            "min_confidence": t.min_confidence,
            "auto_case_confidence": t.auto_case_confidence,
        }
        for t in Threshold.objects.select_related("category").order_by("category__kind", "category__code")[
            :1000
        ]
    ]


@router.put(
    "/thresholds/{kind}/{code}", response=ThresholdOut, summary="Set a category's thresholds (administrators)"
)
def put_threshold(request: HttpRequest, kind: str, code: str, body: ThresholdIn) -> dict[str, Any]:
    actor = _user(request)
    # Thresholds are the whole city's: set by an administrator of the city (its root unit).
    city_admin = Membership.objects.active().filter(
        user_id=actor.pk, role=Role.ADMIN, unit__kind=UnitKind.CITY
    )
    if not actor.is_superuser and not city_admin.exists():
        raise ApiError(403, "only the city's administrators set detection thresholds")
    category = lookup.category(code[:4], kind[:10])
    found = set_threshold(
        actor=actor,
        category=category,
        min_confidence=body.min_confidence,
        auto_case_confidence=body.auto_case_confidence,
    )
    return {
        "kind": category.kind,
        "category": category.code,
        "category_name": category.name,
        "min_confidence": found.min_confidence,
        "auto_case_confidence": found.auto_case_confidence,
    }


# --- patrol ----------------------------------------------------------------------------------------


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
    actor = _user(request)
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
    user = _user(request)
    paths = jurisdiction_paths(user, scope_for(PatrolRound).actions["patrol"])
    if not user.is_superuser and not any(route.district.path.startswith(p) for p in paths):
        raise ApiError(403, "only operators and shift leaders of the district run its rounds")
    try:
        patrol = start_round(route, actor=user)
    except TransitionError as exc:
        raise _refused(exc) from None
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
        look_at(_stop(request, pk, position), actor=_user(request), checks=body.checks, note=body.note)
    except TransitionError as exc:
        raise _refused(exc) from None
    return _round(_find_round(request, pk))


@router.post("/rounds/{pk}/finish", response=PatrolRoundOut, summary="Finish the round (the rest are missed)")
def finish(request: HttpRequest, pk: int) -> dict[str, Any]:
    try:
        finish_round(_find_round(request, pk), actor=_user(request))
    except TransitionError as exc:
        raise _refused(exc) from None
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
            actor=_user(request),
            category=body.category,
            kind=body.kind,
            description=body.description,
            attachment_id=body.attachment,
        )
    except TransitionError as exc:
        raise _refused(exc) from None
    return Status(201, {"case_number": case.number, "camera": stop.camera.code})
