"""``/api/v1/geo``: locate a point, and the unit grids of an area as GeoJSON."""

from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from cityloop.core.permissions import restrict
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


@router.get("/locate", response=LocationOut, summary="The grid, community, street and district of a point")
def locate_point(request: HttpRequest, point: Query[PointQuery]) -> dict[str, Any]:
    location = locate(point.lon, point.lat)
    if location is None:
        raise ApiError(404, f"({point.lon}, {point.lat}) lies outside every unit grid in service today")
    return location.as_dict()


def _parse_bbox(bbox: str) -> tuple[float, float, float, float]:
    try:
        parts = [float(p) for p in bbox.split(",")]
    except ValueError:
        raise ApiError(400, "bbox must be four numbers: min_lon,min_lat,max_lon,max_lat") from None
    if len(parts) != 4 or parts[0] > parts[2] or parts[1] > parts[3]:
        raise ApiError(400, "bbox must be min_lon,min_lat,max_lon,max_lat with min ≤ max")
    return parts[0], parts[1], parts[2], parts[3]


@router.get("/grids", summary="Unit grids in a bounding box, as a GeoJSON FeatureCollection")
def grids(request: HttpRequest, bbox: str | None = None, limit: int = 5000) -> dict[str, Any]:
    import shapely

    if not 1 <= limit <= 50000:
        raise ApiError(400, "limit must be between 1 and 50000")
    base = Grid.objects.valid_at()
    if bbox:
        base = base.in_bbox(*_parse_bbox(bbox))
    qs = restrict(base.select_related("community"), request.user, "view")
    features = []
    for grid in qs.order_by("code")[:limit]:
        features.append(
            {
                "type": "Feature",
                "id": grid.code,
                "geometry": shapely.geometry.mapping(grid.geometry),
                "properties": {
                    "code": grid.code,
                    "name": grid.name,
                    "community": grid.community.code,
                    "community_name": grid.community.name,
                    "area_m2": round(grid.area_m2, 1),
                    "responsible_unit_id": grid.responsible_unit_id,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}
