"""Managing sensor networks, devices and the city's policies; each an audited action."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils import timezone

from cityloop.assets.models import Component
from cityloop.catalog import lookup
from cityloop.core.actions import create_user
from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import Role, Unit, UnitKind, User
from cityloop.geo.index import locate
from cityloop.notify.signing import new_secret

from .models import Device, Recovery, SensorKind, SensorNetwork, SensorPolicy

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
DEVICE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$")
SERVICE_ROLES = (Role.OPERATOR, Role.SHIFT_LEADER)


@domain_action
def create_network(*, actor: User, code: str, name: str, unit: Unit, secret: str = "") -> SensorNetwork:
    """Add a sensor network with its service account (``sensors-<code>``): it reports cases and, as
    the city's policy allows, voids those whose device recovered before anyone acted."""
    if not CODE.match(code or ""):
        raise ValidationError({"code": "编号为小写字母、数字或连字符，不超过32位"})
    if not (name or "").strip() or len(name) > 100:
        raise ValidationError({"name": "名称必填，不超过100字"})
    if SensorNetwork.objects.filter(code=code).exists():
        raise ValidationError({"code": f"物联网平台{code}已登记"})
    username = f"sensors-{code}"
    if User.objects.filter(username=username).exists():
        raise ValidationError({"code": f"账号{username}已存在，请换一个编号"})
    districts = Unit.objects.filter(kind=UnitKind.DISTRICT, path__startswith=unit.path).exclude(pk=unit.pk)
    service = create_user(
        actor=actor,
        username=username,
        password=None,
        display_name=name[:100],
        roles=[(u, role) for u in [unit, *districts] for role in SERVICE_ROLES],
    )
    network = SensorNetwork.objects.create(
        code=code, name=name.strip(), unit=unit, actor=service, secret=secret or new_secret()
    )
    record(
        actor,
        "sensor.network.create",
        network,
        after=snapshot(network, ["code", "name", "unit", "actor", "active"]),
    )
    return network


@domain_action
def register_device(
    *,
    actor: User,
    network: SensorNetwork,
    code: str,
    kind: str,
    name: str,
    component: str = "",
    lon: float | None = None,
    lat: float | None = None,
) -> Device:
    """Register a device of ``network``; placed at its component (by 16-digit ID) or at lon/lat."""
    if not DEVICE_CODE.match(code or ""):
        raise ValidationError({"code": "设备编号为1到40位字母、数字、下划线或连字符"})
    if Device.objects.filter(code=code).exists():
        raise ValidationError({"code": f"设备{code}已登记"})
    if kind not in SensorKind.values:
        raise ValidationError({"kind": f"类型为{'、'.join(SensorKind.values)}之一"})
    if not (name or "").strip() or len(name) > 100:
        raise ValidationError({"name": "名称必填，不超过100字"})
    found = None
    if component:
        found = Component.objects.filter(code=component[:16]).first()
        if found is None:
            raise ValidationError({"component": f"没有编号为{component}的部件"})
        lon, lat = found.lon, found.lat
    if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError({"lon": "给出部件编号，或有效的经纬度"})
    where = locate(lon, lat, timezone.now())
    if where is None or where.district_id is None:
        raise ValidationError({"lon": f"({lon}, {lat})不在本市任何单元网格内"})
    device = Device.objects.create(
        code=code,
        network=network,
        kind=kind,
        name=name.strip(),
        component=found,
        lon=lon,
        lat=lat,
        district_id=where.district_id,
        street_id=where.street_id,
    )
    record(
        actor,
        "sensor.device.create",
        device,
        after={"kind": kind, "network": network.code, "component": component or None, "lon": lon, "lat": lat},
    )
    return device


@domain_action
def set_policy(
    *, actor: User, kind: str, category: str, category_kind: str, recovery: str, recovery_minutes: int
) -> SensorPolicy:
    """The city's policy for one kind of sensor."""
    if kind not in SensorKind.values:
        raise ValidationError({"kind": f"类型为{'、'.join(SensorKind.values)}之一"})
    if recovery not in Recovery.values:
        raise ValidationError({"recovery": "close（自动结案）或check（留待核查）"})
    if not 1 <= recovery_minutes <= 60 * 24 * 30:
        raise ValidationError({"recovery_minutes": "1分钟到30天"})
    try:
        found_category = lookup.category(category, category_kind, on=timezone.localdate())
    except ValidationError as exc:  # the lookup names its own arguments: name the policy's fields
        fields = {"kind": "category_kind", "code": "category"}
        raise ValidationError(
            {
                fields.get(f, f): ms
                for f, ms in getattr(exc, "message_dict", {"category": exc.messages}).items()
            }
        ) from None
    if found_category.parent_id is None:
        raise ValidationError({"category": "请选择小类"})
    before = (
        SensorPolicy.objects.filter(kind=kind)
        .values("category__code", "category__kind", "recovery", "recovery_minutes")
        .first()
    )
    policy, _ = SensorPolicy.objects.update_or_create(
        kind=kind,
        defaults={"category": found_category, "recovery": recovery, "recovery_minutes": recovery_minutes},
    )
    record(
        actor,
        "sensor.policy.set",
        policy,
        object_repr=kind,
        before=dict(before) if before else None,
        after={
            "category__code": found_category.code,
            "category__kind": found_category.kind,
            "recovery": recovery,
            "recovery_minutes": recovery_minutes,
        },
    )
    return policy
