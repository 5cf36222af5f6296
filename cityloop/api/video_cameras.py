"""``/api/v1/video/cameras``: the camera registry in your jurisdiction, its secret stream and
snapshot addresses only to those who administer a camera, and imports from CSV or GeoJSON."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from cityloop.api.bounded import Ring
from cityloop.core.models import User
from cityloop.core.permissions import can, jurisdiction_paths, restrict, scope_for
from cityloop.video import cameras as camera_actions
from cityloop.video.models import Camera

from .errors import ApiError
from .pagination import Paged
from .video_access import video_user

router = Router(tags=["video"])


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
    user = video_user(request)
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
    try:
        counts = camera_actions.import_camera_file(actor=actor, name=file.name or "", content=file.read())
    except camera_actions.ImportRefused as exc:
        return {"ok": False, "errors": exc.rows}
    except camera_actions.OutsideJurisdiction as exc:
        raise ApiError(403, str(exc)) from None
    return {"ok": True, "created": counts["created"], "updated": counts["updated"]}
