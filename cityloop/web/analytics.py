"""The analytics page (/analytics/): hotspots against each place's own history, on a list, a hexagon
map and an hour-of-week heat table, and recurrence after cleanup (回潮), for leaders and the command
centre. It reads the roll-ups and the API's functions; nothing is computed twice."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from cityloop.analytics import filters as analytics_filters
from cityloop.analytics.hotspots import Source, hotspots
from cityloop.analytics.models import Closing, DailyCount, HourlyCount
from cityloop.analytics.recurrence import recurrence
from cityloop.cases.models import Channel
from cityloop.catalog.models import Category
from cityloop.core.permissions import visible_to_request

from .access import OVERSIGHT, roles_required

HEAT_STEPS = 5
LIST_LENGTH = 30
MAP_CELLS = 200
RATE_ROWS = 30  # units shown by rate on the page (the API lists all)
DAYS_CHOICES = (7, 14, 30, 60, 90)


def level_names() -> list[tuple[str, str]]:
    return [
        ("grid", _("Unit grid")),
        ("community", _("Community")),
        ("street", _("Street")),
        ("h3_9", _("Small hexagon (about 0.1 km²)")),
        ("h3_8", _("Large hexagon (about 0.7 km²)")),
    ]


def weekday_names() -> list[str]:
    return [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]


def heat_rows(matrix: list[list[int]]) -> list[dict[str, Any]]:
    """The hour-of-week matrix as table rows, each cell with its shade (0–5) for the CSS."""
    most = max((max(row) for row in matrix), default=0) or 1
    names = weekday_names()
    return [
        {
            "day": names[i],
            "cells": [{"n": n, "shade": 0 if n == 0 else max(1, round(HEAT_STEPS * n / most))} for n in row],
        }
        for i, row in enumerate(matrix)
    ]


def hex_cells(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The map's hexagons: outline, count, and a tooltip in the page's language."""
    cells = []
    for s in result["spots"]:
        if not s.get("boundary"):
            continue
        expected = "—" if s["expected"] is None else f"{s['expected']:.1f}"
        label = _("%(count)s cases, usually %(expected)s") % {"count": s["count"], "expected": expected}
        if s["significant"]:
            label += " · " + _("significant")
        cells.append(
            {"boundary": s["boundary"], "count": s["count"], "significant": s["significant"], "label": label}
        )
    return cells


def _categories() -> list[dict[str, Any]]:
    """Event classes with their subclasses, for the filter's grouped list."""
    classes = Category.objects.filter(kind="event", parent__isnull=True).order_by("code")
    subs = Category.objects.filter(kind="event", parent__isnull=False).order_by("code")
    by_class: dict[int, list[Category]] = {}
    for sub in subs:
        by_class.setdefault(sub.parent_id or 0, []).append(sub)
    return [{"code": c.code, "name": c.name, "subclasses": by_class.get(c.pk, [])} for c in classes]


def _percent(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**r, "percent": round(100 * r["rate"], 1)} for r in rows]


@roles_required(*OVERSIGHT)
def analytics_page(request: HttpRequest) -> HttpResponse:
    params = request.GET
    tab = "recurrence" if params.get("tab") == "recurrence" else "hotspots"
    error = ""
    try:
        f = analytics_filters.parse(
            start=params.get("from", "")[:10],
            end=params.get("to", "")[:10],
            level=params.get("level", "grid")[:10],
            category=params.get("category", "")[:4],
            channel=params.get("channel", "")[:32],
        )
    except analytics_filters.BadFilter as exc:
        error = {
            "from": _("Check the period: the first day must be a date not after the last."),
            "to": _("Check the period: a date, at most 366 days long."),
            "level": _("Choose a kind of place from the list."),
            "category": _("Choose a category from the list."),
            "channel": _("Choose a channel from the list."),
        }[exc.field]
        f = analytics_filters.parse()
    try:
        days = int(params.get("days", "30"))
    except ValueError:
        days = 30
    days = days if days in DAYS_CHOICES else 30
    context: dict[str, Any] = {
        "tab": tab,
        "error": error,
        "f": f,
        "last_day": f.end - dt.timedelta(days=1),
        "levels": level_names(),
        "channels": Channel.objects.filter(active=True).order_by("code"),
        "categories": _categories(),
        "days": days,
        "days_choices": DAYS_CHOICES,
        "query": params.urlencode(),
    }
    rows = Source(visible_to_request(request, DailyCount), visible_to_request(request, HourlyCount))
    if tab == "hotspots":
        # The map draws hexagons: those of the chosen level, or the small ones for other levels.
        on_hexes = f.level.startswith("h3_")
        result = hotspots(rows, f, MAP_CELLS if on_hexes else LIST_LENGTH)
        hexagons = result if on_hexes else hotspots(rows, replace(f, level="h3_9"), MAP_CELLS)
        context.update(
            result=result,
            spots=result["spots"][:LIST_LENGTH],
            heat=heat_rows(result["hour_of_week"]),
            hex_cells=hex_cells(hexagons),
            hours=list(range(24)),
        )
    else:
        rec = recurrence(visible_to_request(request, Closing), f, days=days, limit=50)
        context["rec"] = rec
        context["rec_tables"] = [
            (_("By street"), _percent(rec["streets"])),
            (_("By responsible unit"), _percent(rec["units"][:RATE_ROWS])),
        ]
    return render(request, "web/analytics/page.html", context)
