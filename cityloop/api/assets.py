"""``/api/v1/assets``: the component inventory, restricted to the caller's jurisdiction (components in
the grids of their communities, or owned or maintained by their units)."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from cityloop.assets.models import Component
from cityloop.assets.nearest import nearest_components
from cityloop.catalog.models import Category, Kind
from cityloop.core.models import Unit
from cityloop.core.permissions import restrict

from .case_schemas import OriginalPoint
from .errors import ApiError
from .pagination import Paged

router = Router(tags=["assets"])

RELATED = ("subclass", "owner", "maintainer", "authority", "grid", "state", "community", "street")


class ComponentOut(Schema):
    id: str = Field(..., description="the 16-digit component ID")
    subclass: str
    subclass_name: str
    owner: str | None = Field(None, description="owner unit code; empty when unowned (无主)")
    owner_name: str | None
    maintainer: str | None
    maintainer_name: str | None
    authority: str | None
    authority_name: str | None
    is_unowned: bool
    grid: str | None
    community: str | None
    street: str | None
    state: str
    state_name: str
    first_recorded: dt.date
    changed: dt.date
    source: str
    note: str
    lon: float
    lat: float
    original: OriginalPoint | None = Field(
        None, description="the point as surveyed, when the import file was not in WGS84 (lon/lat are WGS84)"
    )


class NearestOut(ComponentOut):
    distance_m: float


def _unit(unit: Unit | None) -> tuple[str | None, str | None]:
    return (unit.code, unit.name) if unit else (None, None)


def _component(c: Component) -> dict[str, Any]:
    owner, owner_name = _unit(c.owner)
    maintainer, maintainer_name = _unit(c.maintainer)
    authority, authority_name = _unit(c.authority)
    return {
        "id": c.code,
        "subclass": c.subclass.code,
        "subclass_name": c.subclass.name,
        "owner": owner,
        "owner_name": owner_name,
        "maintainer": maintainer,
        "maintainer_name": maintainer_name,
        "authority": authority,
        "authority_name": authority_name,
        "is_unowned": c.is_unowned,
        "grid": c.grid.code if c.grid else None,
        "community": c.community.code if c.community else None,
        "street": c.street.code if c.street else None,
        "state": c.state.code,
        "state_name": c.state.name,
        "first_recorded": c.first_recorded,
        "changed": c.changed,
        "source": c.source,
        "note": c.note,
        "lon": c.lon,
        "lat": c.lat,
        "original": (
            {"crs": c.original_crs, "x": c.original_x, "y": c.original_y}
            if c.original_crs and c.original_x is not None and c.original_y is not None
            else None
        ),
    }


def _visible(request: HttpRequest) -> QuerySet[Component]:
    return restrict(Component.objects.all(), request.user, "view")


def _subclass_ids(code: str) -> list[int]:
    code = code.strip()
    if not (code.isdigit() and len(code) in (2, 4)):
        raise ApiError(400, f"code {code!r} must be a component class (2 digits) or subclass (4 digits)")
    cats = Category.objects.filter(kind=Kind.COMPONENT)
    ids = (
        list(cats.filter(code=code).values_list("pk", flat=True))
        if len(code) == 4
        else list(cats.filter(parent__code=code).values_list("pk", flat=True))
    )
    if not ids:
        raise ApiError(400, f"there is no component {'subclass' if len(code) == 4 else 'class'} {code}")
    return ids


class NearestQuery(Schema):
    lon: float = Field(..., ge=-180, le=180, description="longitude, WGS84")
    lat: float = Field(..., ge=-90, le=90, description="latitude, WGS84")
    code: str | None = Field(None, description="subclass (0101) or class (01) to look for")
    radius: float = Field(30, gt=0, le=2000, description="search radius in metres")
    limit: int = Field(5, ge=1, le=100)


@router.get("/components/nearest", response=list[NearestOut], summary="Components nearest to a point")
def nearest(request: HttpRequest, query: Query[NearestQuery]) -> list[dict[str, Any]]:
    if query.code:
        _subclass_ids(query.code)  # a clear 400 for an unknown code rather than an empty answer
    found = nearest_components(
        query.lon,
        query.lat,
        query.code,
        radius_m=query.radius,
        limit=query.limit,
        queryset=_visible(request),
        related=RELATED,
    )
    return [{**_component(component), "distance_m": distance} for component, distance in found]


class ComponentFilter(Schema):
    subclass: str | None = Field(None, description="subclass (0101) or class (01) code")
    owner: str | None = Field(None, description="owner unit code")
    maintainer: str | None = Field(None, description="maintenance unit code")
    unowned: bool | None = Field(None, description="true: only unowned (无主); false: only owned")
    grid: str | None = Field(None, description="unit grid code")
    community: str | None = Field(None, description="community unit code")
    state: str | None = Field(None, description="state code: intact, damaged, missing, occupied")
    bbox: str | None = Field(None, description="min_lon,min_lat,max_lon,max_lat")


def _bbox(text: str) -> tuple[float, float, float, float]:
    try:
        parts = [float(p) for p in text.split(",")]
    except ValueError:
        raise ApiError(400, "bbox must be four numbers: min_lon,min_lat,max_lon,max_lat") from None
    if len(parts) != 4 or parts[0] > parts[2] or parts[1] > parts[3]:
        raise ApiError(400, "bbox must be min_lon,min_lat,max_lon,max_lat with min ≤ max")
    return parts[0], parts[1], parts[2], parts[3]


@router.get("/components", response=list[ComponentOut], summary="Components in your jurisdiction")
@paginate(Paged)
def list_components(request: HttpRequest, filters: Query[ComponentFilter]) -> Any:
    qs = _visible(request).select_related(*RELATED)
    if filters.subclass:
        qs = qs.filter(subclass_id__in=_subclass_ids(filters.subclass))
    if filters.owner:
        qs = qs.filter(owner__code=filters.owner)
    if filters.maintainer:
        qs = qs.filter(maintainer__code=filters.maintainer)
    if filters.unowned is not None:
        qs = qs.filter(owner__isnull=filters.unowned)
    if filters.grid:
        qs = qs.filter(grid__code=filters.grid)
    if filters.community:
        qs = qs.filter(community__code=filters.community)
    if filters.state:
        qs = qs.filter(state__code=filters.state)
    if filters.bbox:
        min_lon, min_lat, max_lon, max_lat = _bbox(filters.bbox)
        qs = qs.filter(lon__gte=min_lon, lon__lte=max_lon, lat__gte=min_lat, lat__lte=max_lat)
    return _Mapped(qs.order_by("code"))


class _Mapped:
    """A sliceable, countable view of a queryset that yields API dicts (for the paginator)."""

    def __init__(self, qs: QuerySet[Component]) -> None:
        self.qs = qs

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [_component(c) for c in self.qs[item]]


@router.get("/components/{component_id}", response=ComponentOut, summary="One component by its 16-digit ID")
def get_component(request: HttpRequest, component_id: str) -> dict[str, Any]:
    component = _visible(request).select_related(*RELATED).filter(code=component_id).first()
    if component is None:
        raise ApiError(404, f"no component {component_id} in your jurisdiction")
    return _component(component)
