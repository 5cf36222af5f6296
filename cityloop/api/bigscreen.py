"""``/api/v1/analytics/bigscreen``: the snapshot the command centre's wall (/bigscreen/) polls: today's
intake by channel, the lights of open cases, hotspots, the units with the most red cases and the
month's evaluation standing, all within the caller's jurisdiction. For leaders and the command
centre only."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Router

from cityloop.analytics.bigscreen import Rows, may_watch, snapshot
from cityloop.analytics.hotspots import Source
from cityloop.analytics.models import DailyCount, HourlyCount, OpenCount
from cityloop.core.permissions import visible_to_request

router = Router(tags=["analytics"])


def rows_for(request: HttpRequest) -> Rows:
    """The roll-ups and cases the caller may see, for the wall."""
    if not may_watch(request.user):
        raise PermissionDenied("the big screen is for leaders and the command centre")
    source = Source(visible_to_request(request, DailyCount), visible_to_request(request, HourlyCount))
    return Rows(source, visible_to_request(request, OpenCount), request.user)


@router.get(
    "/analytics/bigscreen",
    url_name="analytics_bigscreen",
    response=dict[str, Any],
    summary="The big screen's snapshot: intake today, lights of open cases, hotspots, red units, standing",
)
def get_bigscreen(request: HttpRequest) -> dict[str, Any]:
    """What the command centre's wall shows now. ``lights.squares`` are map squares of about 100 m:
    ``[lon, lat, worst light, open cases, red, yellow]``, the worst lights first."""
    return snapshot(rows_for(request))
