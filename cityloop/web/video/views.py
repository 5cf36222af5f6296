"""The video patrol operator's pages: the cameras on a map, the rounds to run, and the round page
that walks through the cameras in order (look, note the checklist, report from a frame, finish)."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cityloop.cases.engine import TransitionError
from cityloop.catalog.models import Category
from cityloop.core.permissions import restrict, visible_to_request
from cityloop.video.models import Camera, PatrolRound, PatrolRoute, RoundStatus, RoundStop
from cityloop.video.patrol import finish_round, look_at, report_from_stop, round_rows, start_round

from ..access import COMMAND, LEADERS, current_user, roles_required
from ..org.common import page_of, query_without_page
from .camera_import import may_import

MAP_LIMIT = 5000
WATCHERS = ("operator", "shift_leader")


def _messages_of(exc: ValidationError) -> str:
    return (
        "；".join(m for ms in exc.message_dict.values() for m in ms)
        if hasattr(exc, "error_dict")
        else "；".join(exc.messages)
    )


@require_GET
@roles_required(*(COMMAND | LEADERS))
def cameras(request: HttpRequest) -> HttpResponse:
    """The cameras of the jurisdiction: a map of their fields of view and a list."""
    qs = visible_to_request(request, Camera).select_related("owner")
    q = request.GET.get("q", "").strip()[:50]
    area = request.GET.get("area", "").strip()[:50]
    if q:
        qs = qs.filter(name__contains=q) | qs.filter(code=q)
    if area:
        qs = qs.filter(key_area=area)
    areas = (
        visible_to_request(request, Camera)
        .exclude(key_area="")
        .values_list("key_area", flat=True)
        .distinct()
        .order_by("key_area")
    )
    context = {
        "page": page_of(request, qs.order_by("code")),
        "query": query_without_page(request),
        "q": q,
        "area": area,
        "areas": list(areas[:200]),
        "may_import": may_import(request),
    }
    return render(request, "web/video/cameras.html", context)


@require_GET
@roles_required(*(COMMAND | LEADERS))
def cameras_geojson(request: HttpRequest) -> HttpResponse:
    """Cameras and their fields of view for the map layer (no stream or snapshot address, ever)."""
    rows = (
        visible_to_request(request, Camera)
        .filter(active=True)
        .values("code", "name", "lon", "lat", "fov", "key_area")
    )
    features: list[dict[str, Any]] = []
    for c in rows.order_by("code")[:MAP_LIMIT]:
        props = {"code": c["code"], "name": c["name"], "area": c["key_area"]}
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [c["lon"], c["lat"]]},
                "properties": {**props, "kind": "camera"},
            }
        )
        if c["fov"]:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Polygon", "coordinates": c["fov"]},
                    "properties": {**props, "kind": "fov"},
                }
            )
    return JsonResponse({"type": "FeatureCollection", "features": features})


@require_http_methods(["GET", "POST"])
@roles_required(*COMMAND)
def rounds(request: HttpRequest) -> HttpResponse:
    """The routes the operator may run (start or resume today's round) and the rounds of recent days."""
    user = current_user(request)
    routes = restrict(PatrolRoute.objects.filter(active=True), user, "view").order_by("shift", "code")
    if request.method == "POST":
        route = routes.filter(code=request.POST.get("route", "")[:32]).first()
        if route is None:
            raise Http404("no such route in your area")
        try:
            patrol = start_round(route, actor=user)
        except TransitionError as exc:
            messages.error(request, exc.message)
            return redirect("web:video:rounds")
        return redirect("web:video:round", pk=patrol.pk)
    recent = (
        visible_to_request(request, PatrolRound)
        .select_related("route", "operator")
        .order_by("-started_at")[:30]
    )
    context = {"routes": routes.annotate(cameras=Count("stops"))[:100], "recent": recent}
    return render(request, "web/video/rounds.html", context)


def _round(request: HttpRequest, pk: int) -> PatrolRound:
    found = visible_to_request(request, PatrolRound).select_related("route", "operator").filter(pk=pk).first()
    if found is None:
        raise Http404("no such round in your area")
    return found


@require_GET
@roles_required(*(COMMAND | LEADERS))
def round_page(request: HttpRequest, pk: int) -> HttpResponse:
    """One round: its cameras in order, the next one to look at open, the checklist, reporting."""
    patrol = _round(request, pk)
    stops = round_rows(patrol)
    mine = patrol.operator_id == request.user.pk and patrol.status == RoundStatus.RUNNING
    current = next((s for s in stops if s["status"] == "pending"), None)
    looked = sum(1 for s in stops if s["status"] == "looked")
    context = {
        "patrol": patrol,
        "stops": stops,
        "current": current,
        "mine": mine,
        "looked": looked,
        "checklist": patrol.route.checklist,
        "categories": _categories() if mine else [],
        "seconds": patrol.route.seconds_per_camera,
        "camera_points": json.dumps([[s["camera__lat"], s["camera__lon"], s["camera__name"]] for s in stops]),
    }
    return render(request, "web/video/round.html", context)


def _categories() -> list[dict[str, Any]]:
    """The subclasses an operator may report from a frame (reference data, one query)."""
    rows = Category.objects.filter(parent__isnull=False, retired_from__isnull=True).order_by("kind", "code")
    return [dict(r) for r in rows.values("code", "kind", "name")[:500]]


def _stop(request: HttpRequest, pk: int, position: int) -> RoundStop:
    patrol = _round(request, pk)
    stop = RoundStop.objects.filter(round=patrol, position=position).first()
    if stop is None:
        raise Http404("no such camera in this round")
    return stop


@require_POST
@roles_required(*COMMAND)
def look(request: HttpRequest, pk: int, position: int) -> HttpResponse:
    stop = _stop(request, pk, position)
    checklist = stop.round.route.checklist
    checks = {item: request.POST.get(f"check-{n}") == "on" for n, item in enumerate(checklist)}
    try:
        look_at(stop, actor=current_user(request), checks=checks, note=request.POST.get("note", "")[:200])
    except TransitionError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    return redirect("web:video:round", pk=pk)


@require_POST
@roles_required(*COMMAND)
def report(request: HttpRequest, pk: int, position: int) -> HttpResponse:
    stop = _stop(request, pk, position)
    upload = request.FILES.get("frame")
    frame = (upload.name or "frame.jpg", upload.read()) if upload is not None else None
    category, _sep, kind = request.POST.get("category", "")[:20].partition(":")
    try:
        case = report_from_stop(
            stop,
            actor=current_user(request),
            category=category,
            kind=kind or "event",
            description=request.POST.get("description", "")[:500],
            frame=frame,
        )
    except TransitionError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    else:
        messages.success(request, _("Reported: case %(number)s.") % {"number": case.number})
    return redirect("web:video:round", pk=pk)


@require_POST
@roles_required(*COMMAND)
def finish(request: HttpRequest, pk: int) -> HttpResponse:
    patrol = _round(request, pk)
    try:
        done = finish_round(patrol, actor=current_user(request))
    except TransitionError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _("Round finished: %(looked)s cameras looked at, %(missed)s missed.")
            % {"looked": done.looked, "missed": done.missed},
        )
    return redirect("web:video:round", pk=pk)
