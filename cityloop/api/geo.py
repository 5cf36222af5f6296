"""``/api/v1/geo``: locate a point, place an address, and the unit grids of an area as GeoJSON."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from cityloop.core.permissions import restrict
from cityloop.geo.geocode import MAX_QUERY, geocode
from cityloop.geo.geojson import grid_feature
from cityloop.geo.index import locate
from cityloop.geo.models import Grid

from .errors import ApiError

router = Router(tags=["geo"])


class LocationOut(Schema):
    grid_id: int
    grid_code: str
    community_id: int
    community_code: str
    community_name: str
    street_id: int | None
    street_code: str | None
    street_name: str | None
    district_id: int | None
    district_code: str | None
    district_name: str | None


class PointQuery(Schema):
    lon: float = Field(..., ge=-180, le=180, description="longitude, WGS84")
    lat: float = Field(..., ge=-90, le=90, description="latitude, WGS84")
    at: dt.date | None = Field(
        None, description="locate against the grids in service on this day (default today)"
    )


@router.get("/locate", response=LocationOut, summary="The grid, community, street and district of a point")
def locate_point(request: HttpRequest, point: Query[PointQuery]) -> dict[str, Any]:
    day = point.at or timezone.localdate()
    location = locate(point.lon, point.lat, at=day)
    if location is None:
        raise ApiError(404, f"({point.lon}, {point.lat}) lies outside every unit grid in service on {day}")
    return location.as_dict()


def _parse_bbox(bbox: str) -> tuple[float, float, float, float]:
    try:
        parts = [float(p) for p in bbox.split(",")]
    except ValueError:
        raise ApiError(400, "bbox must be four numbers: min_lon,min_lat,max_lon,max_lat") from None
    if len(parts) != 4 or parts[0] > parts[2] or parts[1] > parts[3]:
        raise ApiError(400, "bbox must be min_lon,min_lat,max_lon,max_lat with min ≤ max")
    if not (-180 <= parts[0] <= parts[2] <= 180 and -90 <= parts[1] <= parts[3] <= 90):
        raise ApiError(400, "bbox must be in WGS84 degrees: longitudes −180…180, latitudes −90…90")
    return parts[0], parts[1], parts[2], parts[3]


class GridsQuery(Schema):
    bbox: str | None = Field(None, description="min_lon,min_lat,max_lon,max_lat (WGS84)")
    at: dt.date | None = Field(None, description="grids in service on this day (default today)")
    limit: int = Field(5000, description="at most this many grids (1–50000)")


@router.get("/grids", summary="Unit grids in your jurisdiction, in a bounding box, as GeoJSON")
def grids(request: HttpRequest, query: Query[GridsQuery]) -> dict[str, Any]:
    if not 1 <= query.limit <= 50000:
        raise ApiError(400, "limit must be between 1 and 50000")
    base = Grid.objects.valid_at(query.at or timezone.localdate())
    if query.bbox:
        base = base.in_bbox(*_parse_bbox(query.bbox))
    qs = restrict(base.select_related("community", "responsible_unit"), request.user, "view")
    features = []
    for grid in qs.order_by("code")[: query.limit]:
        responsible = grid.responsible_unit
        feature = grid_feature(grid, grid.community.code, responsible.code if responsible else None)
        feature["properties"]["community_name"] = grid.community.name
        feature["properties"]["responsible_unit_id"] = grid.responsible_unit_id
        features.append(feature)
    return {"type": "FeatureCollection", "features": features}


class GeocodeQuery(Schema):
    q: str = Field(..., min_length=1, max_length=MAX_QUERY, description="the address as said or written")
    limit: int = Field(5, ge=1, le=20, description="at most this many candidates (1–20)")


class CandidateOut(Schema):
    kind: str = Field(
        ..., description="door, crossing, community, road, or a place's kind (school, bus_stop …)"
    )
    name: str
    lon: float
    lat: float
    score: float = Field(..., description="how sure, 0–1")
    method: str
    grid: str | None


class MatchedOut(Schema):
    text: str = Field(..., description="the words of the address that matched")
    kind: str
    name: str = Field(..., description="the road, community or place they name")


class GeocodeOut(Schema):
    query: str
    normalized: str = Field(..., description="the address as matched (half-width, numbers in digits …)")
    lon: float | None = Field(..., description="WGS84; null when not confident: choose from the candidates")
    lat: float | None
    grid: str | None
    community: str | None
    street: str | None
    district: str | None
    confidence: float = Field(..., description="0–1; a point is given from 0.5")
    method: str = Field(..., description="door, interpolated, nearest_door, crossing, poi, community, road …")
    matched: list[MatchedOut]
    notes: list[str] = Field(..., description="e.g. near:附近 (the place is near the one named)")
    candidates: list[CandidateOut]


@router.get("/geocode", response=GeocodeOut, summary="The point, grid and confidence of a Chinese address")
def geocode_address(request: HttpRequest, query: Query[GeocodeQuery]) -> dict[str, Any]:
    """Places an address from the city's gazetteer: door numbers, crossings of two roads, named places,
    communities and roads. Below the confidence threshold ``lon``/``lat`` are null and only the
    ranked ``candidates`` are given."""
    text = query.q.strip()
    if not text:
        raise ApiError(422, "q: give an address (it is blank)", field="q")
    if "\x00" in text:
        raise ApiError(422, "q: the address holds a NUL character", field="q")
    return geocode(text, limit=query.limit).as_dict()
