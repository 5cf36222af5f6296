"""Setting up a community's station: the station itself, its heads' posts on the map, its on-call
professionals, and the categories the city lets communities handle first. Each is a domain action
with its audit entry; the street's or district's managers do it (``restrict(..., "manage")``)."""

from __future__ import annotations

import datetime as dt

import shapely
import shapely.errors
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import Membership, Unit, UnitKind, User

from . import claim
from .models import CommunityLevelCategory, Post, PostKind, Professional, Station, Trade
from .scopes import MANAGE

GEOMETRY_KINDS: dict[str, tuple[str, ...]] = {
    PostKind.LANE: ("LineString",),
    PostKind.AREA: ("Polygon", "MultiPolygon"),
    PostKind.BUILDING: ("Point", "Polygon"),
    PostKind.STATION_HEAD: ("Point", "Polygon", "MultiPolygon"),
}


def _require_manager(actor: User, unit: Unit) -> None:
    """The actor manages ``unit`` (a unit manager or administrator at it or above)."""
    if actor.is_superuser:
        return
    paths = (
        Membership.objects.active().filter(user=actor, role__in=MANAGE).values_list("unit__path", flat=True)
    )
    if not any(unit.path.startswith(p) for p in paths):
        raise PermissionDenied("只有街道或区的管理人员可以设置社区工作站")


def _text(value: str, field: str, limit: int, required: bool = False) -> str:
    text = (value or "").strip()
    if (required and not text) or len(text) > limit:
        raise ValidationError({field: f"请填写此项（最多{limit}个字）" if required else f"最多{limit}个字"})
    return text


@domain_action
def open_station(
    *,
    actor: User,
    community: Unit,
    name: str,
    unit: Unit | None = None,
    address: str = "",
    phone: str = "",
    lon: float | None = None,
    lat: float | None = None,
    task_hours: int = 24,
) -> Station:
    """Open (or change) the service station of ``community``; ``unit`` is its station node in the
    organisation tree (kind station, under the community), which cases can be dispatched to."""
    if community.kind != UnitKind.COMMUNITY:
        raise ValidationError({"community": "请选择社区"})
    _require_manager(actor, community)
    if unit is not None and (unit.kind != UnitKind.STATION or unit.parent_id != community.pk):
        raise ValidationError({"unit": "工作站单位应是这个社区下的“社区工作站”单位"})
    if not 1 <= task_hours <= 240:
        raise ValidationError({"task_hours": "社区时限应为1到240个工作小时"})
    if (lon is None) != (lat is None) or (
        lon is not None and lat is not None and not (abs(lon) <= 180 and abs(lat) <= 90)
    ):
        raise ValidationError({"lon": "请同时给出有效的经度和纬度"})
    station = Station.objects.filter(community=community).first()
    before = snapshot(station) if station else None
    station = station or Station(community=community)
    if community.parent_id is None:
        raise ValidationError({"community": "社区不属于任何街道"})
    station.street_id = community.parent_id
    station.unit = unit
    station.name = _text(name, "name", 100, required=True)
    station.address, station.phone = _text(address, "address", 200), _text(phone, "phone", 32)
    station.lon, station.lat, station.task_hours = lon, lat, task_hours
    station.save()
    claim.bump_version()
    record(actor, "community.station.save", station, before=before, after=snapshot(station))
    return station


def place_of(kind: str, geometry: str) -> tuple[bytes | None, float | None, float | None]:
    """A post's place from WKT (WGS84) as stored: its WKB and a point on it (a line's middle); the
    geometry must be of a type the post's ``kind`` takes (:data:`GEOMETRY_KINDS`)."""
    if not geometry:
        return None, None, None
    try:
        geom = shapely.from_wkt(geometry)
    except (shapely.errors.GEOSException, ValueError, TypeError):
        raise ValidationError({"geometry": "应为WKT格式"}) from None
    if geom.is_empty or geom.geom_type not in GEOMETRY_KINDS[kind]:
        wanted = "、".join(GEOMETRY_KINDS[kind])
        raise ValidationError({"geometry": f"这种岗位的地点应为{wanted}"})
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise ValidationError({"geometry": "坐标应为WGS84经纬度"})
    point = (
        geom.representative_point()
        if geom.geom_type != "LineString"
        else geom.interpolate(0.5, normalized=True)
    )
    return shapely.to_wkb(geom), point.x, point.y


@domain_action
def appoint_head(
    *,
    actor: User,
    station: Station,
    user: User,
    kind: str,
    place_name: str = "",
    geometry: str = "",
    valid_from: dt.date | None = None,
) -> Post:
    """Give ``user`` a post at the station: station head, or a street-lane, area or building head for
    a place on the map (a lane as a line, an area as a polygon, a building as a point or polygon)."""
    if kind not in PostKind.values:
        raise ValidationError({"kind": f"岗位应为{'、'.join(PostKind.values)}之一"})
    _require_manager(actor, station.community)
    wkb, lon, lat = place_of(kind, geometry)
    post = Post.objects.create(
        station=station,
        community_id=station.community_id,
        user=user,
        kind=kind,
        place_name=_text(place_name, "place_name", 100),
        geom_wkb=wkb,
        lon=lon,
        lat=lat,
        valid_from=valid_from or timezone.localdate(),
    )
    record(actor, "community.post.appoint", post, after=snapshot(post, ["user", "kind", "place_name"]))
    return post


@domain_action
def end_post(*, actor: User, post: Post, on: dt.date | None = None) -> Post:
    """End a head's post from ``on`` (today by default); the history is kept."""
    _require_manager(actor, post.community)
    on = on or timezone.localdate()
    if post.valid_to is not None and post.valid_to <= on:
        raise ValidationError({"post": "这个岗位已经结束"})
    post.valid_to = max(on, post.valid_from)
    post.save(update_fields=["valid_to"])
    record(actor, "community.post.end", post, after={"valid_to": post.valid_to})
    return post


@domain_action
def save_professional(
    *,
    actor: User,
    station: Station,
    name: str,
    trade: str,
    phone: str,
    company: str = "",
    user: User | None = None,
    active: bool = True,
    professional: Professional | None = None,
) -> Professional:
    """Add an on-call professional (水电气暖、物业…) to the station, or change one."""
    _require_manager(actor, station.community)
    if trade not in Trade.values:
        raise ValidationError({"trade": f"专业应为{'、'.join(Trade.values)}之一"})
    if professional is not None and professional.station_id != station.pk:
        raise ValidationError({"professional": "这位专业人员不属于这个工作站"})
    before = snapshot(professional) if professional else None
    row = professional or Professional(station=station, community_id=station.community_id)
    row.name = _text(name, "name", 50, required=True)
    row.phone = _text(phone, "phone", 32, required=True)
    row.company = _text(company, "company", 100)
    row.trade, row.user, row.active = trade, user, active
    row.save()
    record(actor, "community.professional.save", row, before=before, after=snapshot(row))
    return row


@domain_action
def mark_community_level(
    *, actor: User, code: str, kind: str = "event", note: str = "", valid_from: dt.date | None = None
) -> CommunityLevelCategory:
    """Let communities handle a category (a catalog code or a class prefix) first, from a day on."""
    if (
        not actor.is_superuser
        and not Membership.objects.active()
        .filter(user=actor, role__in=MANAGE, unit__kind__in=(UnitKind.CITY, UnitKind.DISTRICT))
        .exists()
    ):
        raise PermissionDenied("只有市或区的管理人员可以设定社区级问题类别")
    code = _text(code, "code", 16, required=True)
    if kind not in ("event", "component", ""):
        raise ValidationError({"kind": "类型应为event（事件）或component（部件）"})
    row, _ = CommunityLevelCategory.objects.update_or_create(
        code=code,
        defaults={
            "kind": kind,
            "note": _text(note, "note", 100),
            "valid_from": valid_from or dt.date(2000, 1, 1),
            "valid_to": None,
        },
    )
    claim.bump_version()
    record(actor, "community.category.mark", row, after=snapshot(row))
    return row
