"""Small look-ups the report forms call while people type or tap: categories by Chinese text, places by
name, the grid under a point, and the components near a point.

Categories, road names and grid lookups are the public map's reference data, so the citizens' report
page may use them without an account; components come only to signed-in users, through ``restrict``.
"""

from __future__ import annotations

from typing import Any

import shapely
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from cityloop.assets.models import Component
from cityloop.assets.nearest import nearest_components
from cityloop.cases import duplicates
from cityloop.cases.models import Case
from cityloop.cases.search import category_usage
from cityloop.catalog import lookup
from cityloop.catalog.models import Category, Kind
from cityloop.core import ratelimits
from cityloop.core.models import Unit, UnitKind
from cityloop.core.permissions import restrict
from cityloop.geo import crs as crslib
from cityloop.geo.geocode import geocode
from cityloop.geo.index import locate
from cityloop.geo.models import Grid, Road
from cityloop.triage.suggest import suggest as suggest_categories

from . import labels
from .access import visible_cases
from .reports import parse_pasted

MAX_HITS = 12
MAX_SUGGEST_TEXT = 2000


def _point(request: HttpRequest) -> tuple[float, float] | None:
    try:
        lon, lat = float(request.GET.get("lon", "")), float(request.GET.get("lat", ""))
    except ValueError:
        return None
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        return None
    return lon, lat


def category_hits(text: str, kind: str | None = None) -> list[dict[str, Any]]:
    """Subclasses matching ``text`` (a class that matches brings its subclasses), with the conditions
    that made them match."""
    hits = lookup.search(
        text, kind=kind if kind in Kind.values else None, limit=MAX_HITS, usage=category_usage()
    )
    out: list[dict[str, Any]] = []
    seen: set[int] = set()

    def add(category: Category, conditions: list[Any]) -> None:
        if category.pk in seen or category.parent_id is None:
            return
        seen.add(category.pk)
        out.append(
            {
                "code": category.code,
                "kind": category.kind,
                "name": labels.named(category),
                "kind_label": str(Kind(category.kind).label),
                "conditions": [c.description for c in conditions[:2]],
            }
        )

    for hit in hits:
        if hit.category.parent_id is None:
            for sub in hit.category.subclasses.active().order_by("code")[:MAX_HITS]:
                add(sub, [])
        else:
            add(hit.category, hit.conditions)
    return out[: MAX_HITS * 2]


@require_GET
def categories(request: HttpRequest) -> HttpResponse:
    """``?q=井盖``: subclasses to pick from, as buttons (htmx swaps them under the search box)."""
    text = (request.GET.get("q") or request.GET.get("category_q") or "").strip()
    hits = category_hits(text, request.GET.get("kind")) if text else []
    return render(request, "web/report/_category_hits.html", {"hits": hits, "q": text})


# What the geocoder's answers are, in the words of the report form.
PLACE_METHODS = {
    "door": gettext_lazy("door number"),
    "crossing": gettext_lazy("crossing"),
    "poi": gettext_lazy("named place"),
    "community": gettext_lazy("community"),
    "road": gettext_lazy("road"),
    "similar_name": gettext_lazy("similar name"),
}


def _geocoded(text: str) -> list[dict[str, Any]]:
    """The city's geocoder on what was typed (door numbers, crossings, named places): its point when
    it is sure, then its other candidates, each marked with how it was found."""
    if len(text) < 2:
        return []
    found = geocode(text[:200], limit=4)
    out = [
        {"name": c.name, "kind": PLACE_METHODS.get(c.method, c.method), "lon": c.lon, "lat": c.lat}
        for c in found.candidates
    ]
    if found.lon is not None and found.lat is not None:
        out.insert(0, {"name": text, "kind": _("address"), "lon": found.lon, "lat": found.lat})
    return out


def place_hits(text: str) -> list[dict[str, Any]]:
    """What the geocoder makes of ``text``, then the roads and communities whose name contains it,
    each with a point to centre the map on."""
    if not text:
        return []
    out: list[dict[str, Any]] = _geocoded(text)
    for road in Road.objects.filter(name__contains=text).order_by("name")[:MAX_HITS]:
        point = road.geometry.interpolate(0.5, normalized=True)
        out.append({"name": road.name, "kind": str(road.get_kind_display()), "lon": point.x, "lat": point.y})
    today = timezone.localdate()
    communities = Unit.objects.filter(kind=UnitKind.COMMUNITY).filter(
        Q(name__contains=text) | Q(name_en__icontains=text)
    )[:MAX_HITS]
    for unit in communities:
        grids = list(
            Grid.objects.valid_at(today).filter(community=unit).values_list("centroid_lon", "centroid_lat")
        )
        if grids:
            centre = shapely.MultiPoint(grids).centroid
            out.append(
                {
                    "name": labels.named(unit),
                    "kind": str(UnitKind.COMMUNITY.label),
                    "lon": centre.x,
                    "lat": centre.y,
                }
            )
    seen: set[tuple[str, str]] = set()
    unique = []
    for hit in out:
        key = (hit["name"], f"{hit['lon']:.5f},{hit['lat']:.5f}")
        if key not in seen:
            seen.add(key)
            unique.append(hit)
    return unique[: 2 * MAX_HITS]


@require_GET
def places(request: HttpRequest) -> HttpResponse:
    text = (request.GET.get("q") or request.GET.get("place_q") or "").strip()
    return render(request, "web/report/_place_hits.html", {"hits": place_hits(text), "q": text})


@require_GET
def where(request: HttpRequest) -> HttpResponse:
    """The grid, community and street under a point, or why the point cannot be used.

    With ``pasted`` (coordinates copied from a map app) and ``crs`` (the app's system), the point is
    first converted to WGS84 as the report will be; the answer's ``X-CityLoop-Point`` header gives it
    (``lon,lat``) so the picker can put the marker there before the form is sent."""
    pasted = (request.GET.get("pasted") or "").strip()
    if pasted:
        try:
            x, y = parse_pasted(pasted[:80])
            point = crslib.to_wgs84(x, y, crslib.normalize(request.GET.get("crs") or "gcj02"))
        except ValidationError as exc:
            return render(request, "web/report/_located.html", {"problem": " ".join(exc.messages)})
        except crslib.CoordinateError:
            problem = _("These numbers are not a place on the map: check them and the map app chosen.")
            return render(request, "web/report/_located.html", {"problem": problem})
    else:
        found = _point(request)
        if found is None:
            return render(request, "web/report/_located.html", {"point": None})
        point = found
    location = locate(*point)
    response = render(request, "web/report/_located.html", {"location": location, "point": point})
    if pasted:
        response["X-CityLoop-Point"] = f"{point[0]:.7f},{point[1]:.7f}"
    return response


@require_GET
@login_required
def nearest(request: HttpRequest) -> HttpResponse:
    """Components within 50 m of the point (of the chosen subclass, if it is a component subclass)."""
    point = _point(request)
    found: list[tuple[Component, float]] = []
    code = request.GET.get("category", "").strip()
    subclass = code if request.GET.get("kind") == Kind.COMPONENT and len(code) == 4 else None
    if point is not None:
        visible = restrict(Component.objects.all(), request.user, "view")
        found = nearest_components(
            point[0], point[1], subclass=subclass, radius_m=50, limit=6, queryset=visible
        )
    return render(
        request,
        "web/report/_nearest.html",
        {"found": found, "point": point, "chosen": request.GET.get("component", "")},
    )


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """As the description is typed (and once the place is chosen): the likeliest categories for the
    staff's category picker, the unit routing would choose, and the open cases nearby that probably
    tell of the same problem (是这个问题吗？). A citizen sees only the category, state and day of
    those cases, never who reported them or what they wrote."""
    text = (request.GET.get("text") or "").strip()[:MAX_SUGGEST_TEXT]
    point = _point(request)
    staff = request.user.is_authenticated
    if not staff:  # the same allowance as the API's suggestions for a caller without an account
        try:
            ratelimits.limit_anonymous_suggestions(request)
        except ratelimits.RateLimited:
            return HttpResponse("", status=429)
    answer: dict[str, Any] = {"categories": [], "unit": None}
    if len(text) >= 4:
        lon, lat = point if point else (None, None)
        answer = suggest_categories(text, k=3, lon=lon, lat=lat)
    nearby: list[dict[str, Any]] = []
    if point is not None:
        nearby = _nearby(request, point, text, answer["categories"], staff)
    context = {
        "categories": answer["categories"] if request.GET.get("picker") else [],
        "unit": answer.get("unit") if request.GET.get("picker") else None,
        "nearby": nearby,
        "staff": staff,
    }
    return render(request, "web/report/_suggest.html", context)


def _nearby(
    request: HttpRequest, point: tuple[float, float], text: str, suggested: list[dict[str, Any]], staff: bool
) -> list[dict[str, Any]]:
    """Open cases near ``point`` of the same problem: of any of the suggested subclasses (the
    reporter has not chosen one yet), or by their words alone when nothing is suggested."""
    ranked = duplicates.find_any(
        within=visible_cases(request) if staff else Case.objects.all(),
        lon=point[0],
        lat=point[1],
        at=timezone.now(),
        categories=[lookup.category(c["code"], c["kind"]) for c in suggested],
        text=text,
    )
    rows = {
        c.pk: c for c in Case.objects.filter(pk__in=[d.case_id for d in ranked]).select_related("category")
    }
    return [{"found": d, "case": rows[d.case_id]} for d in ranked if d.case_id in rows]
