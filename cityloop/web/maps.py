"""The map: grids, boundaries and roads as vector layers (no tile server needed), and cases as points
coloured by their light.

Geometry layers change rarely, so each process keeps the GeoJSON it built, keyed by the user's
jurisdiction and the spatial index's version (every grid write moves it).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import shapely
import shapely.geometry
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from cityloop.cases.models import Case
from cityloop.cases.workflow import OPEN_STATES
from cityloop.core.ids import row_id
from cityloop.core.models import Unit
from cityloop.core.permissions import jurisdiction_paths, restrict
from cityloop.geo.index import current_version
from cityloop.geo.models import Grid, Road

from . import labels
from .access import (
    COMMAND,
    LEADERS,
    UNIT_STAFF,
    current_user,
    holds,
    roles_required,
    visible_case,
    visible_cases,
)

# At most this many cases go to the browser at once; the rest is counted and the user zooms or filters.
MAP_CASE_LIMIT = 5000
MAP_COUNT_CAP = 50_000
_CACHE_SIZE = 64
_cache: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()
_cache_lock = threading.Lock()


def _cached(key: tuple[Any, ...], build: Callable[[], dict[str, Any]]) -> bytes:
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    body = json.dumps(build(), ensure_ascii=False, separators=(",", ":")).encode()
    with _cache_lock:
        _cache[key] = body
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return body


def _rounded(geom: shapely.Geometry) -> dict[str, Any]:
    """GeoJSON geometry with coordinates to 6 decimals (about 10 cm): a third of the bytes."""
    return shapely.geometry.mapping(shapely.transform(geom, lambda xy: np.round(xy, 6)))


def _geojson(body: bytes) -> HttpResponse:
    response = HttpResponse(body, content_type="application/geo+json")
    response["Cache-Control"] = "private, max-age=300"
    return response


def _grids_for(request: HttpRequest) -> QuerySet[Grid]:
    return restrict(Grid.objects.valid_at(timezone.localdate()), request.user, "view")


def _key(request: HttpRequest, layer: str) -> tuple[Any, ...]:
    user = current_user(request)
    scope = ("*",) if user.is_superuser else tuple(jurisdiction_paths(user))
    return (layer, scope, current_version(), timezone.localdate(), labels.chinese())


def grid_features(grids: Iterable[Grid]) -> dict[str, Any]:
    features = [
        {
            "type": "Feature",
            "geometry": _rounded(g.geometry),
            "properties": {"code": g.code, "community": labels.named(g.community)},
        }
        for g in grids
    ]
    return {"type": "FeatureCollection", "features": features}


@require_GET
@login_required
def grids_geojson(request: HttpRequest) -> HttpResponse:
    """The unit grids of the user's jurisdiction; ``?case=ID``: the grids of that case's community."""
    case_id = row_id(request.GET.get("case", ""))
    if case_id:
        case = visible_case(request, case_id)
        # The case is visible, so the grids around it are shown even to a department whose
        # jurisdiction holds no grid.
        around = Grid.objects.valid_at(timezone.localdate()).filter(community_id=case.community_id)
        key = ("case-grids", case.community_id, current_version(), timezone.localdate())
        return _geojson(_cached(key, lambda: grid_features(around.select_related("community"))))
    grids = _grids_for(request).select_related("community").order_by("code")
    return _geojson(_cached(_key(request, "grids"), lambda: grid_features(grids)))


def boundary_features(grids: QuerySet[Grid]) -> dict[str, Any]:
    """Street and community outlines, dissolved from their grids."""
    rows = list(grids.values_list("geom_wkb", "community_id", "community__parent_id"))
    units = Unit.objects.in_bulk({r[1] for r in rows} | {r[2] for r in rows if r[2]})
    by_unit: dict[tuple[str, int], list[Any]] = {}
    for wkb, community_id, street_id in rows:
        geom = shapely.from_wkb(bytes(wkb))
        by_unit.setdefault(("community", community_id), []).append(geom)
        if street_id:
            by_unit.setdefault(("street", street_id), []).append(geom)
    features = []
    for (kind, unit_id), geoms in sorted(by_unit.items(), key=lambda kv: kv[0][0] != "street"):
        # A tiny buffer closes the slivers that survey noise leaves between neighbouring grids.
        outline = shapely.union_all([g.buffer(1e-7) for g in geoms]).boundary
        unit = units.get(unit_id)
        features.append(
            {
                "type": "Feature",
                "geometry": _rounded(outline),
                "properties": {"kind": kind, "name": labels.named(unit) if unit else ""},
            }
        )
    return {"type": "FeatureCollection", "features": features}


@require_GET
@login_required
def boundaries_geojson(request: HttpRequest) -> HttpResponse:
    grids = _grids_for(request)
    return _geojson(_cached(_key(request, "boundaries"), lambda: boundary_features(grids)))


@require_GET
@login_required
def roads_geojson(request: HttpRequest) -> HttpResponse:
    roads = restrict(Road.objects.all(), request.user, "view").order_by("kind", "name")

    def build() -> dict[str, Any]:
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": _rounded(r.geometry),
                    "properties": {"name": r.name, "kind": r.kind},
                }
                for r in roads
            ],
        }

    return _geojson(_cached(_key(request, "roads"), build))


SCOPES = {"open", "overdue", "today", "all"}


def map_cases(request: HttpRequest) -> QuerySet[Case]:
    """The cases the map shows for the query: ``scope`` (open, overdue, today, all), ``light``,
    ``bbox`` (min_lon,min_lat,max_lon,max_lat)."""
    qs = visible_cases(request)
    scope = request.GET.get("scope", "open")
    if scope == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif scope == "overdue":
        qs = qs.filter(state__in=OPEN_STATES, light="red")
    elif scope == "today":
        qs = qs.filter(reported_at__date=timezone.localdate())
    lights = [v for v in request.GET.getlist("light") if v in labels.LIGHTS]
    if lights:
        qs = qs.filter(light__in=lights)
    bbox = request.GET.get("bbox", "")
    try:
        west, south, east, north = (float(v) for v in bbox.split(","))
    except ValueError:
        pass
    else:
        qs = qs.filter(lon__gte=west, lon__lte=east, lat__gte=south, lat__lte=north)
    return qs


@require_GET
@login_required
def cases_json(request: HttpRequest) -> JsonResponse:
    """Case points for the map: ``[id, lon, lat, light, state, number]`` rows, at most
    ``MAP_CASE_LIMIT``; ``total`` tells how many matched."""
    if not holds(request, COMMAND | LEADERS | UNIT_STAFF | {"supervisor", "community_head"}):
        raise PermissionDenied("no map for this role")
    qs = map_cases(request).order_by()
    # The ids are picked in a subquery: the scope, state, light and box are all in the queue index,
    # so it reads the index alone; only the cases that go to the browser are read from the table.
    picked = qs.values("pk")[: MAP_CASE_LIMIT + 1]
    rows = list(
        Case.objects.filter(pk__in=picked)
        .order_by()
        .values_list("pk", "lon", "lat", "light", "state", "number")
    )
    truncated = len(rows) > MAP_CASE_LIMIT
    rows = rows[:MAP_CASE_LIMIT]
    # Past the limit the total is counted up to a cap: the exact figure would scan every match.
    total = qs.values("pk")[:MAP_COUNT_CAP].count() if truncated else len(rows)
    states = {state: labels.state_label(state) for state in {r[4] for r in rows}}
    return JsonResponse(
        {"cases": [list(r) for r in rows], "total": total, "truncated": truncated, "states": states},
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )


@roles_required(*(COMMAND | LEADERS | UNIT_STAFF))
def map_page(request: HttpRequest) -> HttpResponse:
    return render(request, "web/map/page.html", {"scope": request.GET.get("scope", "open")})


@require_GET
def public_layer(request: HttpRequest, layer: str) -> HttpResponse:
    """Roads and street outlines for the citizens' report page: the public map, no account needed."""
    key = ("public", layer, current_version(), timezone.localdate(), labels.chinese())
    if layer == "roads":
        roads = Road.objects.order_by("kind", "name")
        return _geojson(
            _cached(
                key,
                lambda: {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "geometry": _rounded(r.geometry),
                            "properties": {"name": r.name, "kind": r.kind},
                        }
                        for r in roads
                    ],
                },
            )
        )
    if layer == "boundaries":
        grids = Grid.objects.valid_at(timezone.localdate())

        def streets_only() -> dict[str, Any]:
            collection = boundary_features(grids)
            collection["features"] = [
                f for f in collection["features"] if f["properties"]["kind"] == "street"
            ]
            return collection

        return _geojson(_cached(key, streets_only))
    raise Http404("no such layer")
