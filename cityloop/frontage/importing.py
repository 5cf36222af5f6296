"""Checking frontage rows (a party, and optionally its zone) for :mod:`cityloop.frontage.actions`.

A row names the party by its unified social credit code; its zone is a polygon (WKT ``geometry`` or
a GeoJSON feature's geometry), or a frontage line with ``depth`` (and ``side``). Street and community
are unit codes or names; when missing they come from the unit grid under the party's point. Errors
are in Chinese and name the row and the column.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import shapely
import shapely.geometry

from cityloop.core.models import Unit, UnitKind
from cityloop.geo.index import locate_many
from cityloop.geo.readers import findable_point

from . import uscc
from .geometry import MAX_DEPTH_M, zone_from_frontage
from .models import Duty, PartyKind

# Chinese headers a city's spreadsheet may use for our columns.
ALIASES = {
    "统一社会信用代码": "uscc",
    "名称": "name",
    "类型": "kind",
    "经营类别": "business_type",
    "地址": "address",
    "联系人": "contact_name",
    "联系电话": "contact_phone",
    "街道": "street",
    "社区": "community",
    "责任区编号": "zone",
    "责任": "duties",
    "进深": "depth",
    "方向": "side",
    "起始日期": "valid_from",
    "终止日期": "valid_to",
    "经度": "lon",
    "纬度": "lat",
    "几何": "geometry",
}
COLUMN_NAMES = {v: k for k, v in ALIASES.items()} | {"uscc": "统一社会信用代码"}
KINDS = {k.value: k.value for k in PartyKind} | {str(k.label): k.value for k in PartyKind}
KINDS |= {"商户": "shop", "门店": "shop", "机关单位": "institution", "单位": "institution"}
KINDS |= {"小区": "compound", "居民小区": "compound", "其他": "other"}
PHONE = re.compile(r"^[0-9+\-() ]{5,20}$")
LIMITS = {"name": 100, "business_type": 50, "address": 200, "contact_name": 50, "zone": 32}


@dataclass(frozen=True)
class RowError:
    """Why one row was rejected: where it is (第N行 / 第N个要素), which column, what to fix."""

    where: str
    column: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}，{COLUMN_NAMES.get(self.column, self.column)}（{self.column}）：{self.reason}"


@dataclass
class ImportReport:
    """What an import did: counts and every rejected row."""

    total: int = 0
    parties_created: int = 0
    parties_updated: int = 0
    zones_written: int = 0
    errors: list[RowError] = field(default_factory=list)
    applied: bool = True

    def counts(self) -> dict[str, int]:
        return {
            "total": self.total,
            "parties_created": self.parties_created,
            "parties_updated": self.parties_updated,
            "zones_written": self.zones_written,
            "rejected": len({e.where for e in self.errors}),
        }

    def summary(self) -> str:
        c = self.counts()
        verdict = "已导入" if self.applied else "未导入（没有任何改动，请修正后重新导入）"
        return (
            f"共{c['total']}行：新增责任主体{c['parties_created']}个，更新{c['parties_updated']}个，"
            f"责任区{c['zones_written']}个，有误{c['rejected']}行——{verdict}"
        )


@dataclass(slots=True)
class ParsedRow:
    where: str
    party: dict[str, Any]
    zone: dict[str, Any] | None
    duties: list[int]
    point: tuple[float, float] | None


def text(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def canonical(row: Mapping[str, Any]) -> dict[str, Any]:
    """The row with Chinese headers turned into our column names."""
    return {ALIASES.get(str(k).strip(), str(k).strip()): v for k, v in row.items()}


class Resolver:
    """Turns rows into party and zone values; lookups are prepared once per import."""

    def __init__(self, today: dt.date) -> None:
        self.today = today
        self.units: dict[str, tuple[int, str, int | None]] = {}
        names: dict[str, list[tuple[int, str, int | None]]] = {}
        for pk, code, name, kind, parent in Unit.objects.filter(
            kind__in=[UnitKind.STREET, UnitKind.COMMUNITY]
        ).values_list("pk", "code", "name", "kind", "parent_id"):
            self.units[code] = (pk, kind, parent)
            names.setdefault(name, []).append((pk, kind, parent))
        self.by_name = names
        self.duties: dict[str, int] = {}
        self.duty_names: list[str] = []
        for pk, code, name in Duty.objects.order_by("order", "code").values_list("pk", "code", "name"):
            self.duties.update({code: pk, name: pk})
            self.duty_names.append(f"{name}（{code}）")
        self.all_duties = sorted(set(self.duties.values()))
        self.seen_uscc: set[str] = set()
        self.seen_zone: set[str] = set()

    def _unit(
        self, value: str, kind: str, column: str, errors: list[tuple[str, str]]
    ) -> tuple[int, int | None] | None:
        if not value:
            return None
        found = [self.units[value]] if value in self.units else self.by_name.get(value, [])
        found = [u for u in found if u[1] == kind]
        label = "街道" if kind == UnitKind.STREET else "社区"
        if not found:
            errors.append((column, f"没有编码或名称为“{value}”的{label}"))
            return None
        if len(found) > 1:
            errors.append((column, f"有多个名为“{value}”的{label}，请填写{label}编码"))
            return None
        return found[0][0], found[0][2]

    def _geometry(self, row: Mapping[str, Any], errors: list[tuple[str, str]]) -> shapely.Geometry | None:
        given: Any = row.get("_geometry")
        wkt = text(row, "geometry")
        try:
            if isinstance(given, dict):
                return shapely.geometry.shape(given)
            if isinstance(given, shapely.Geometry):
                return given
            if wkt:
                return shapely.from_wkt(wkt)
        except (shapely.errors.ShapelyError, ValueError, TypeError, AttributeError, KeyError):
            errors.append(("geometry", "无法读取几何图形，请使用WKT格式（如POLYGON((经度 纬度, …))）"))
        return None

    def _zone(
        self, row: Mapping[str, Any], geom: shapely.Geometry, code: str, errors: list[tuple[str, str]]
    ) -> dict[str, Any] | None:
        zone: dict[str, Any] = {"frontage_wkb": None, "depth_m": None}
        if geom.geom_type in ("LineString", "MultiLineString"):
            if geom.geom_type == "MultiLineString":
                geom = shapely.line_merge(geom)
            depth_s = text(row, "depth")
            try:
                depth = float(depth_s)
            except ValueError:
                errors.append(("depth", f"给出临街线时须填写进深（米，0到{MAX_DEPTH_M:g}），实为“{depth_s}”"))
                return None
            side = {"左": "left", "右": "right", "": "left"}.get(text(row, "side"), text(row, "side"))
            try:
                polygon = zone_from_frontage(geom, depth, side=side)
            except ValueError as exc:
                errors.append(("depth" if "进深" in str(exc) else "geometry", str(exc)))
                return None
            zone.update(frontage_wkb=shapely.to_wkb(geom), depth_m=depth)
        elif geom.geom_type in ("Polygon", "MultiPolygon"):
            if not geom.is_valid or geom.is_empty:
                errors.append(("geometry", "责任区多边形无效（自相交或为空）"))
                return None
            polygon = geom
        else:
            errors.append(("geometry", f"责任区应为多边形或临街线，不能是{geom.geom_type}"))
            return None
        minx, miny, maxx, maxy = polygon.bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            errors.append(("geometry", "坐标不是WGS84经纬度"))
            return None
        zone.update(
            code=code,
            geom_wkb=shapely.to_wkb(polygon),
            min_lon=minx,
            min_lat=miny,
            max_lon=maxx,
            max_lat=maxy,
        )
        for column in ("valid_from", "valid_to"):
            value = text(row, column)
            try:
                zone[column] = dt.date.fromisoformat(value[:10]) if value else None
            except ValueError:
                errors.append((column, f"“{value}”不是日期（年-月-日）"))
        zone["valid_from"] = zone.get("valid_from") or self.today
        if zone.get("valid_to") and zone["valid_to"] <= zone["valid_from"]:
            errors.append(("valid_to", "终止日期应晚于起始日期"))
        return zone

    def parse(self, raw: Mapping[str, Any], where: str) -> tuple[ParsedRow | None, list[RowError]]:
        """Check one row; the street and community may still wait for the grid (see :func:`locate`)."""
        row = canonical(raw)
        errors: list[tuple[str, str]] = []
        if row.get("_problem"):
            errors.append(("lon/lat", str(row["_problem"])))
        code = text(row, "uscc").upper()
        problem = uscc.problem(code) if code else "统一社会信用代码为空"
        if problem:
            errors.append(("uscc", problem))
        elif code in self.seen_uscc:
            errors.append(("uscc", f"统一社会信用代码{code}在前面的行中已出现"))
        self.seen_uscc.add(code)
        party: dict[str, Any] = {"uscc": code}
        for column in ("name", "business_type", "address", "contact_name"):
            party[column] = text(row, column)
            if len(party[column]) > LIMITS[column]:
                errors.append((column, f"不能超过{LIMITS[column]}个字"))
        if not party["name"]:
            errors.append(("name", "名称为空"))
        kind = text(row, "kind")
        party["kind"] = KINDS.get(kind or "shop")
        if party["kind"] is None:
            errors.append(("kind", f"类型“{kind}”未知，可用：商户、机关单位、居民小区、其他"))
        phone = text(row, "contact_phone")
        if phone and not PHONE.match(phone):
            errors.append(("contact_phone", f"“{phone}”不是电话号码"))
        party["contact_phone"] = phone
        street = self._unit(text(row, "street"), UnitKind.STREET, "street", errors)
        community = self._unit(text(row, "community"), UnitKind.COMMUNITY, "community", errors)
        if street and community and community[1] != street[0]:
            errors.append(("community", "该社区不属于所填街道"))
        party["street_id"] = street[0] if street else (community[1] if community else None)
        party["community_id"] = community[0] if community else None
        point: tuple[float, float] | None = None
        lon_s, lat_s = text(row, "lon"), text(row, "lat")
        if lon_s or lat_s:
            try:
                point = (float(lon_s), float(lat_s))
            except ValueError:
                errors.append(("lon/lat", f"经纬度（{lon_s}，{lat_s}）不是数字"))
            else:
                if not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):
                    errors.append(("lon/lat", f"（{lon_s}，{lat_s}）不是WGS84经纬度"))
        geom = self._geometry(row, errors)
        zone = None
        if geom is not None and not geom.is_empty and geom.geom_type == "Point":
            point = point or (geom.x, geom.y)
        elif geom is not None and not geom.is_empty:
            zone_code = text(row, "zone") or f"{code}-1"
            if len(zone_code) > LIMITS["zone"]:
                errors.append(("zone", f"责任区编号不能超过{LIMITS['zone']}个字符"))
            elif zone_code in self.seen_zone:
                errors.append(("zone", f"责任区编号{zone_code}在前面的行中已出现"))
            self.seen_zone.add(zone_code)
            zone = self._zone(row, geom, zone_code, errors)
            if zone is not None and point is None:
                p = findable_point(shapely.from_wkb(zone["geom_wkb"]))
                point = (p.x, p.y)
        duties = self._duties(text(row, "duties"), errors)
        party["lon"], party["lat"] = point if point else (None, None)
        if errors:
            return None, [RowError(where, c, r) for c, r in errors]
        return ParsedRow(where, party, zone, duties, point), []

    def _duties(self, value: str, errors: list[tuple[str, str]]) -> list[int]:
        if not value:
            return self.all_duties
        found = []
        for part in re.split(r"[,，;；、|/]+", value):
            part = part.strip()
            if part and part not in self.duties:
                errors.append(("duties", f"责任“{part}”未知，可用：{'、'.join(self.duty_names)}"))
            elif part:
                found.append(self.duties[part])
        return sorted(set(found))


def locate(batch: list[ParsedRow], today: dt.date) -> list[RowError]:
    """Fill in the street and community of rows that gave none from the grid under their point."""
    waiting = [p for p in batch if p.party["street_id"] is None or p.party["community_id"] is None]
    errors = []
    with_point = [p for p in waiting if p.point is not None]
    for p in waiting:
        if p.point is None and p.party["street_id"] is None:
            errors.append(RowError(p.where, "street", "请填写街道，或给出位置（经纬度或责任区）"))
    locations = locate_many([p.point[0] for p in with_point], [p.point[1] for p in with_point], today)  # type: ignore[index]
    for p, loc in zip(with_point, locations, strict=True):
        if loc is None:
            if p.party["street_id"] is None:
                errors.append(RowError(p.where, "lon/lat", "位置不在任何单元网格内，请填写街道"))
            continue
        if p.party["street_id"] is None:
            p.party["street_id"] = loc.street_id
        if p.party["community_id"] is None and loc.street_id == p.party["street_id"]:
            p.party["community_id"] = loc.community_id
    return errors
