"""Registering cameras: one at a time or a whole file (CSV or GeoJSON), each an audited action.

A camera's stream and snapshot addresses open a live picture of the street: they are kept on the
camera and never written to the audit log (which every auditor reads), only that they changed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import h3
from django.core.exceptions import ValidationError
from django.utils import timezone

from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import Unit, User
from cityloop.geo.index import locate

from .files import ALIASES
from .geometry import field_of_view
from .models import Camera

H3_RESOLUTION = 11
COLUMN_LABELS = {field: header for header, field in ALIASES.items()} | {"fov": "视野范围"}
CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")
PUBLIC_FIELDS = [
    "code", "name", "lon", "lat", "direction", "fov_angle", "range_m", "owner", "district", "key_area",
    "hours", "active",
]  # fmt: skip
SECRET_FIELDS = ("stream_url", "snapshot_url")


@dataclass
class CameraInput:
    """What describes a camera, as given (checked by :func:`check`)."""

    code: str
    name: str
    lon: Any
    lat: Any
    owner: str
    direction: Any = None
    fov_angle: Any = 60
    range_m: Any = 80
    fov: Any = None
    stream_url: str = ""
    snapshot_url: str = ""
    key_area: str = ""
    hours: str = ""


def _number(value: Any, name: str, low: float, high: float, label: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationError({name: f"{label}应为数字"}) from None
    if not (low <= number <= high):
        raise ValidationError({name: f"{label}应在{low:g}到{high:g}之间"})
    return number


def _url(value: str, name: str, label: str) -> str:
    value = (value or "").strip()
    if value and (len(value) > 500 or not re.match(r"^(https?|rtsp)://[^\s]+$", value)):
        raise ValidationError({name: f"{label}应为http(s)://或rtsp://开头的地址，不超过500字符"})
    return value


def check(data: CameraInput, owners: dict[str, Unit] | None = None) -> Camera:
    """An unsaved camera from checked input: placed in its grid's district and street, its field of
    view given or derived. Every problem is a ``ValidationError`` naming the field, in Chinese."""
    code = (data.code or "").strip()
    if not CODE.match(code):
        raise ValidationError({"code": "编号为1到32位字母、数字、下划线或连字符"})
    name = (data.name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": "名称必填，不超过100字"})
    lon = _number(data.lon, "lon", -180, 180, "经度")
    lat = _number(data.lat, "lat", -90, 90, "纬度")
    where = locate(lon, lat, timezone.now())
    if where is None or where.district_id is None:
        raise ValidationError({"lon": f"({lon}, {lat})不在本市任何单元网格内"})
    owner_code = (data.owner or "").strip()[:64]
    owner = (owners or {}).get(owner_code) or Unit.objects.filter(code=owner_code).first()
    if owner is None:
        raise ValidationError({"owner": f"没有编码为{owner_code!r}的单位"})
    direction = None
    if data.direction not in (None, ""):
        direction = _number(data.direction, "direction", 0, 360, "朝向")
    angle = _number(data.fov_angle if data.fov_angle not in (None, "") else 60, "fov_angle", 1, 360, "视角")
    range_m = _number(data.range_m if data.range_m not in (None, "") else 80, "range_m", 1, 2000, "视距")
    hours = (data.hours or "").strip()
    if hours and (len(hours) > 50 or not all(HOURS.match(p.strip()) for p in hours.split(","))):
        raise ValidationError({"hours": "重点时段写作07:00-09:30，多段用英文逗号分隔"})
    key_area = (data.key_area or "").strip()
    if len(key_area) > 50:
        raise ValidationError({"key_area": "重点区域不超过50字"})
    fov = field_of_view(lon=lon, lat=lat, direction=direction, angle=angle, range_m=range_m, given=data.fov)
    return Camera(
        code=code,
        name=name,
        lon=lon,
        lat=lat,
        h3=h3.latlng_to_cell(lat, lon, H3_RESOLUTION),
        direction=direction,
        fov_angle=angle,
        range_m=range_m,
        fov=fov,
        owner=owner,
        district_id=where.district_id,
        street_id=where.street_id,
        stream_url=_url(data.stream_url, "stream_url", "视频流地址"),
        snapshot_url=_url(data.snapshot_url, "snapshot_url", "抓图地址"),
        key_area=key_area,
        hours=hours,
    )


@domain_action
def create_camera(*, actor: User, data: CameraInput) -> Camera:
    """Register one camera."""
    camera = check(data)
    if Camera.objects.filter(code=camera.code).exists():
        raise ValidationError({"code": f"编号{camera.code}已登记"})
    camera.save()
    record(actor, "video.camera.create", camera, after=_public(camera))
    return camera


@domain_action
def change_camera(*, actor: User, camera: Camera, data: CameraInput) -> Camera:
    """Change a camera's description (the code stays)."""
    before = _public(camera)
    old_secrets = [getattr(camera, f) for f in SECRET_FIELDS]
    fresh = check(data)
    for field in [f.name for f in Camera._meta.concrete_fields if f.name not in ("id", "code", "created_at")]:
        if field != "active":
            setattr(camera, field, getattr(fresh, field))
    camera.save()
    after = _public(camera)
    after["secrets_changed"] = old_secrets != [getattr(camera, f) for f in SECRET_FIELDS]
    record(actor, "video.camera.change", camera, before=before, after=after)
    return camera


@domain_action
def set_camera_active(*, actor: User, camera: Camera, active: bool) -> Camera:
    """Take a camera out of service (it leaves patrol rounds and refuses detections) or back in."""
    camera.active = active
    camera.save(update_fields=["active"])
    record(actor, "video.camera.change", camera, after={"active": active})
    return camera


def _public(camera: Camera) -> dict[str, Any]:
    return dict(snapshot(camera, PUBLIC_FIELDS))


class ImportRefused(ValidationError):
    """A file with bad rows: nothing was written; ``rows`` says where and what to fix."""

    def __init__(self, rows: list[str]) -> None:
        super().__init__({"file": rows})
        self.rows = rows


def _column(field: str) -> str:
    """A column as a row error names it: its Chinese header and its code, ``纬度（lat）``."""
    label = COLUMN_LABELS.get(field)
    return f"{label}（{field}）" if label else field


@domain_action
def import_cameras(*, actor: User, rows: list[dict[str, Any]], source: str = "") -> dict[str, int]:
    """Add or update cameras from rows (each with ``_where``: 第N行 / 第N个要素), all or nothing: one
    bad row and nothing is written, every bad row named. Audited as one entry."""
    owners = {u.code: u for u in Unit.objects.all()}
    errors: list[str] = []
    cameras: list[Camera] = []
    seen: set[str] = set()
    for row in rows:
        where = str(row.get("_where", ""))
        fields: dict[str, Any] = {"code": "", "name": "", "lon": None, "lat": None, "owner": ""}
        for key in CameraInput.__dataclass_fields__:
            value = row.get(key)
            if key in row and (value is not None or key in ("fov", "direction")):
                fields[key] = value
        try:
            camera = check(CameraInput(**fields), owners)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.append(f"{where}，{_column(field)}：{'；'.join(messages)}")
            continue
        if camera.code in seen:
            errors.append(f"{where}，{_column('code')}：编号{camera.code}在前面的行中已出现")
            continue
        seen.add(camera.code)
        cameras.append(camera)
    if not rows:
        errors.append("文件中没有摄像头")
    if errors:
        raise ImportRefused(errors[:200])
    existing = {c.code: c for c in Camera.objects.filter(code__in=seen)}
    created = updated = 0
    for camera in cameras:
        old = existing.get(camera.code)
        if old is None:
            camera.save()
            created += 1
        else:
            camera.pk, camera.created_at, camera.active = old.pk, old.created_at, old.active
            camera.save()
            updated += 1
    counts = {"created": created, "updated": updated, "total": len(cameras)}
    record(actor, "video.camera.import", object_type="video.camera", after={**counts, "source": source[:200]})
    return counts


class OutsideJurisdiction(Exception):
    """A camera file places cameras where its importer does not administer: nothing was written."""


def import_camera_file(*, actor: User, name: str, content: bytes) -> dict[str, int]:
    """A camera file (CSV or GeoJSON, by its name) imported as ``actor``, all or nothing, as the API
    and the console do it: ``ImportRefused`` names every bad row, ``ValidationError`` an unreadable
    file, ``OutsideJurisdiction`` a camera the actor does not administer."""
    from django.db import transaction

    from cityloop.core.permissions import restrict

    from .files import read_rows

    rows = read_rows(name, content)
    with transaction.atomic():
        counts = import_cameras(actor=actor, rows=rows, source=name)
        codes = {str(r.get("code", "")).strip() for r in rows}
        if restrict(Camera.objects.filter(code__in=codes), actor, "manage").count() != len(codes):
            raise OutsideJurisdiction("the file has cameras outside your jurisdiction; nothing was imported")
    return counts
