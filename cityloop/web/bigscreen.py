"""The command centre's wall (/bigscreen/): a 1920×1080 dark page, always in Chinese, that shows the
area now and refreshes itself from ``/api/v1/analytics/bigscreen`` (``static/web/bigscreen.js``).
The first snapshot is embedded in the page so the wall is never blank while it loads."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from cityloop.analytics.bigscreen import Rows, may_watch, snapshot
from cityloop.analytics.hotspots import Source
from cityloop.analytics.models import DailyCount, HourlyCount, OpenCount
from cityloop.core.permissions import visible_to_request

from .access import OVERSIGHT, roles_required

REFRESH_SECONDS = 30


def wall_words() -> dict[str, str]:
    """The words the wall's script writes, in the page's language."""
    return {
        "red": _("Red lights"),
        "yellow": _("Yellow lights"),
        "green": _("Green lights"),
        "none": _("No clock"),
        "cases": _("cases, as a count"),
        "usual": _("usually"),
        "hot": _("Hot"),
        "nothing": _("None"),
        "noRun": _("This month has not been evaluated yet"),
        "noneRanked": _("None ranked yet (too few cases)"),
        "updated": _("Updated"),
        "stale": _("Connection lost, showing the last figures"),
        "yesterday": _("Same time yesterday"),
        "rank": _("Rank"),
        "index": _("Index"),
        "grade": _("Grade"),
        "draft": _("draft"),
        "published": _("published"),
        "red_n": _("red"),
        "yellow_n": _("yellow"),
        "hour": _("h"),
    }


@roles_required(*OVERSIGHT)
def bigscreen_page(request: HttpRequest) -> HttpResponse:
    if not may_watch(request.user):
        raise PermissionDenied
    # The wall speaks Chinese whatever language the signed-in account chose.
    with translation.override("zh-hans"):
        rows = Rows(
            Source(visible_to_request(request, DailyCount), visible_to_request(request, HourlyCount)),
            visible_to_request(request, OpenCount),
            request.user,
        )
        context: dict[str, Any] = {
            "first": snapshot(rows),
            "words": wall_words(),
            "refresh": REFRESH_SECONDS,
            # The wall shows the city's time, whatever the clock of the machine that drives it.
            "time_zone": settings.TIME_ZONE,
        }
        response = render(request, "web/bigscreen/page.html", context)
    response["Content-Language"] = "zh-hans"
    return response
