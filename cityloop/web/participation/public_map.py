"""The public map of the city's problems (``/public/map/``), its list and case pages, the photos the
public may see, and area alerts (subscribe, confirm with the code, unsubscribe). No account needed.
What appears is decided by :mod:`cityloop.cases.public_map`."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cityloop.cases import public_map
from cityloop.cases.models import Case
from cityloop.catalog.models import Category
from cityloop.core import ratelimits
from cityloop.core.audit import public_actor
from cityloop.core.files import file_response
from cityloop.participation import alerts, messaging, verification
from cityloop.participation.models import AlertSubscription

from ..org.common import page_of
from .citizen import error_messages


def _date(raw: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(raw[:10]) if raw else None
    except ValueError:
        return None


def _filters(request: HttpRequest) -> public_map.Filters:
    g = request.GET
    try:
        box = tuple(float(x) for x in g.get("bbox", "")[:100].split(","))
    except ValueError:
        box = ()
    if len(box) != 4 or any(b != b for b in box):
        raise public_map.FilterError("bbox", "bbox")
    return public_map.Filters(
        box=box,
        since=_date(g.get("since", "")),
        until=_date(g.get("until", "")),
        category=g.get("category", "")[:4] or None,
        state=g.get("state", "")[:16] or None,
        area=g.get("area", "")[:32] or None,
    )


@require_GET
def map_page(request: HttpRequest) -> HttpResponse:
    """The map with its filters, the list beside it, and the alert form."""
    center = _center(request)
    context = {
        "center": f"{center[0]:.5f},{center[1]:.5f}" if center else "",
        "categories": Category.objects.filter(parent__isnull=True).order_by("kind", "code"),
        "groups": list(public_map.GROUP_LABELS.items()),
        "channels": messaging.offered_channels(),
        "max_radius": settings.CITYLOOP_ALERT_MAX_RADIUS_M,
        "max_area": settings.CITYLOOP_ALERT_MAX_AREA_KM2,
    }
    return render(request, "web/participation/map.html", context)


def _center(request: HttpRequest) -> tuple[float, float] | None:
    """Where the map opens: ``?lon=&lat=`` (a shared link), else the newest public report."""
    try:
        lon, lat = float(request.GET.get("lon", "")[:20]), float(request.GET.get("lat", "")[:20])
        if -180 <= lon <= 180 and -90 <= lat <= 90:
            return lon, lat
    except ValueError:
        pass
    newest = (
        Case.objects.filter(state__in=public_map.SHOWN_STATES)
        .order_by("-reported_at")
        .values_list("lon", "lat")
        .first()
    )
    return (round(newest[0], 3), round(newest[1], 3)) if newest else None


@require_GET
def points(request: HttpRequest) -> JsonResponse:
    """The markers in the map's box (the page's script asks as the map moves)."""
    try:
        rows, truncated = public_map.points(_filters(request))
    except public_map.FilterError as exc:
        return JsonResponse({"error": str(exc), "field": exc.field}, status=400)
    return JsonResponse(
        {"points": rows, "truncated": truncated, "labels": public_map.GROUP_LABELS},
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )


@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    """The list of problems in the box (a fragment the map page loads with htmx)."""
    try:
        qs = public_map.cases(_filters(request)).select_related("category", "street", "community")
    except public_map.FilterError:
        return render(request, "web/participation/_list.html", {"refused": True}, status=400)
    page = page_of(request, qs)
    rows = [public_map.summary(c) for c in page.object_list]
    return render(request, "web/participation/_list.html", {"page": page, "rows": rows})


def _photo_url(case: Case, attachment: Any) -> str:
    return reverse("web:public_map_photo", args=[case.number, attachment.pk])


@require_GET
def case_page(request: HttpRequest, number: str) -> HttpResponse:
    case = public_map.find(number[:32])
    if case is None:
        raise Http404("no public case")
    if case.number != number:
        return redirect("web:public_map_case", case.number)  # a merged report shows its joined case
    return render(request, "web/participation/case.html", {"case": public_map.detail(case, _photo_url)})


@require_GET
def photo(request: HttpRequest, number: str, pk: int) -> HttpResponseBase:
    case = public_map.find(number[:32])
    found = next((a for a in public_map.public_photos(case) if a.pk == pk), None) if case else None
    if found is None:
        raise Http404("no such photo")
    return file_response(found.file, found.content_type)


@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    """Ask for alerts for the drawn area: a polygon (JSON ``[[lon, lat], …]``) or a circle."""
    ratelimits.hit(
        request,
        "citizen writes from one address",
        ratelimits.client_address(request),
        settings.CITYLOOP_RATELIMIT_CITIZEN_WRITES,
    )
    p = request.POST
    channel, address = p.get("channel", "")[:8], p.get("address", "")[:200]
    polygon = center = radius = None
    try:
        if p.get("polygon"):
            polygon = json.loads(p["polygon"][:20000])
            if not isinstance(polygon, list) or not all(
                isinstance(pt, list) and len(pt) == 2 and all(isinstance(v, int | float) for v in pt)
                for pt in polygon
            ):
                raise ValueError
        else:
            center = [float(p.get("lon", "")), float(p.get("lat", ""))]
            radius = int(p.get("radius_m", "0"))
    except (ValueError, TypeError):
        return render(
            request,
            "web/participation/refused.html",
            {"errors": [_("Draw an area on the map first.")]},
            status=400,
        )
    ratelimits.hit(
        request,
        "codes to one target",
        f"{channel}:{address.strip().lower()}",
        settings.CITYLOOP_RATELIMIT_CODES_PER_TARGET,
    )
    try:
        sub = alerts.subscribe(
            actor=public_actor(),
            channel=channel,
            address=address,
            polygon=polygon,
            center=center,
            radius_m=radius,
        )
    except ValidationError as exc:
        return render(request, "web/participation/refused.html", {"errors": error_messages(exc)}, status=400)
    return redirect("web:public_alert_confirm", sub.token)


def _subscription(token: str) -> AlertSubscription:
    found = AlertSubscription.objects.filter(token=token[:64]).first()
    if found is None:
        raise Http404("no such alert")
    return found


def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """Type the code sent to the address; alerts start once it is right."""
    sub = _subscription(token)
    error = ""
    if request.method == "POST" and sub.confirmed_at is None:
        code = request.POST.get("code", "").strip()[:6]
        if verification.check_code(
            actor=public_actor(), purpose="alert", target=f"alert:{sub.pk}", code=code
        ):
            alerts.confirm(actor=public_actor(), subscription=sub)
            return redirect("web:public_alert_confirm", sub.token)
        error = _("Wrong or expired code.")
    sub.refresh_from_db()
    return render(
        request, "web/participation/alert.html", {"sub": sub, "error": error}, status=400 if error else 200
    )


def cancel(request: HttpRequest, token: str) -> HttpResponse:
    """The unsubscribe link of every alert message: a button (a link alone must not cancel, as mail
    scanners follow links)."""
    sub = _subscription(token)
    if request.method == "POST":
        alerts.cancel(actor=public_actor(), subscription=sub)
        sub.refresh_from_db()
    return render(request, "web/participation/alert.html", {"sub": sub, "cancel": True})
