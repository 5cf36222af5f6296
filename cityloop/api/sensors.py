"""``/api/v1/sensors``: devices in your jurisdiction with their state and recent readings, the
city's policies (set by the city's administrators), and registering a device (administrators)."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from cityloop.core.models import User
from cityloop.core.permissions import can, jurisdiction_paths, restrict, scope_for
from cityloop.sensors.actions import register_device, set_policy
from cityloop.sensors.models import Device, SensorKind, SensorNetwork, SensorPolicy

from .errors import ApiError
from .pagination import Paged
from .video_access import city_administrator

router = Router(tags=["sensors"])


class DeviceOut(Schema):
    code: str
    name: str
    kind: str
    network: str
    component: str | None
    lon: float
    lat: float
    district: str
    state: str = Field(..., description="unknown, normal or alert")
    last_value: float | None
    last_seen_at: dt.datetime | None
    open_case: str | None


def _device(d: Device) -> dict[str, Any]:
    return {
        "code": d.code,
        "name": d.name,
        "kind": d.kind,
        "network": d.network.code,
        "component": d.component.code if d.component else None,
        "lon": d.lon,
        "lat": d.lat,
        "district": d.district.code,
        "state": d.state,
        "last_value": d.last_value,
        "last_seen_at": d.last_seen_at,
        "open_case": d.open_case.number if d.open_case else None,
    }


def _devices(request: HttpRequest) -> Any:
    return restrict(Device.objects.all(), request.user, "view").select_related(
        "network", "component", "district", "open_case"
    )


class DeviceFilter(Schema):
    state: str | None = Field(None, pattern="^(unknown|normal|alert)$")
    kind: str | None = Field(None, pattern="^(manhole_tilt|water_level|bin_fill|streetlight_fault)$")


@router.get("/devices", response=list[DeviceOut], summary="Sensor devices and their state")
@paginate(Paged)
def list_devices(request: HttpRequest, filters: Query[DeviceFilter]) -> Any:
    qs = _devices(request)
    if filters.state:
        qs = qs.filter(state=filters.state)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return [_device(d) for d in qs.order_by("code")[:5000]]


class ReadingOut(Schema):
    state: str
    value: float | None
    at: dt.datetime
    outcome: str
    case_number: str | None


class DeviceDetailOut(DeviceOut):
    readings: list[ReadingOut]


@router.get("/devices/{code}", response=DeviceDetailOut, summary="A device and its last 50 readings")
def get_device(request: HttpRequest, code: str) -> dict[str, Any]:
    device = _devices(request).filter(code=code[:40]).first()
    if device is None:
        raise ApiError(404, f"no device {code[:40]!r} in your jurisdiction")
    readings = device.readings.select_related("case").order_by("-at", "-id")[:50]
    return {
        **_device(device),
        "readings": [
            {
                "state": r.state,
                "value": r.value,
                "at": r.at,
                "outcome": r.outcome,
                "case_number": r.case.number if r.case else None,
            }
            for r in readings
        ],
    }


class DeviceIn(Schema):
    code: str = Field(..., min_length=1, max_length=40)
    network: str = Field(..., min_length=1, max_length=32)
    kind: str = Field(..., pattern="^(manhole_tilt|water_level|bin_fill|streetlight_fault)$")
    name: str = Field(..., min_length=1, max_length=100)
    component: str = Field("", max_length=16, description="the 16-digit ID of the component it watches")
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)


@router.post("/devices", response={201: DeviceOut}, summary="Register a device (administrators)")
def add_device(request: HttpRequest, body: DeviceIn) -> Status[dict[str, Any]]:
    actor = request.user
    assert isinstance(actor, User)
    if not actor.is_superuser and not jurisdiction_paths(actor, scope_for(Device).actions["manage"]):
        raise ApiError(403, "only an administrator registers devices")
    network = SensorNetwork.objects.filter(code=body.network, active=True).first()
    if network is None:
        raise ApiError(404, f"no sensor network {body.network!r}", field="network")
    with transaction.atomic():
        device = register_device(
            actor=actor,
            network=network,
            code=body.code,
            kind=body.kind,
            name=body.name,
            component=body.component,
            lon=body.lon,
            lat=body.lat,
        )
        if not can(actor, "manage", device):
            raise ApiError(403, "this device stands outside your jurisdiction")
    return Status(201, _device(_devices(request).get(pk=device.pk)))


class PolicyOut(Schema):
    kind: str
    category: str
    category_kind: str
    category_name: str
    recovery: str = Field(
        ..., description="close: the case closes itself on recovery; check: left for the check"
    )
    recovery_minutes: int


def _policy(p: SensorPolicy) -> dict[str, Any]:
    return {
        "kind": p.kind,
        "category": p.category.code,
        "category_kind": p.category.kind,
        "category_name": p.category.name,
        "recovery": p.recovery,
        "recovery_minutes": p.recovery_minutes,
    }


@router.get("/policies", response=list[PolicyOut], summary="What the city does with each kind of sensor")
def policies(request: HttpRequest) -> list[dict[str, Any]]:
    return [_policy(p) for p in SensorPolicy.objects.select_related("category").order_by("kind")]


class PolicyIn(Schema):
    category: str = Field(
        ..., min_length=4, max_length=4, description="the subclass of its cases (no component)"
    )
    category_kind: str = Field("component", pattern="^(component|event)$")
    recovery: str = Field(..., pattern="^(close|check)$")
    recovery_minutes: int = Field(..., ge=1, le=60 * 24 * 30)


@router.put(
    "/policies/{kind}",
    response=PolicyOut,
    summary="Set what the city does with a kind of sensor (the city's administrators)",
)
def put_policy(request: HttpRequest, kind: str, body: PolicyIn) -> dict[str, Any]:
    actor = city_administrator(request, "only the city's administrators set sensor policies")
    if kind not in SensorKind.values:
        raise ApiError(404, f"no kind of sensor {kind[:20]!r}", field="kind")
    found = set_policy(
        actor=actor,
        kind=kind,
        category=body.category,
        category_kind=body.category_kind,
        recovery=body.recovery,
        recovery_minutes=body.recovery_minutes,
    )
    return _policy(SensorPolicy.objects.select_related("category").get(pk=found.pk))
