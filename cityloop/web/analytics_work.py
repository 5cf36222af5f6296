"""The analytics pages beside hotspots and recurrence: the backlog (/analytics/backlog/), disputes
between units (/analytics/disputes/) and trends (/analytics/trends/), for leaders and the command
centre. Each calls the same function as its API and adds the words and the charts' data."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from cityloop.analytics import filters as analytics_filters
from cityloop.analytics import opendata
from cityloop.analytics.backlog import backlog
from cityloop.analytics.disputes import disputes
from cityloop.analytics.models import BacklogCount, DailyCount
from cityloop.analytics.trends import trends
from cityloop.cases.models import Case
from cityloop.core.permissions import visible_to_request
from cityloop.routing.models import Arbitration, ReturnRecord

from .access import OVERSIGHT, roles_required
from .analytics import _categories
from .labels import light_label, step_label

UNIT_ROWS = 30
WEEKS_CHOICES = (4, 8, 12, 26, 52)
CHART_GROUPS = 8


def reason_names() -> dict[str, str]:
    return {
        "held": _("on hold or in arbitration"),
        "returned": _("returned"),
        "was_held": _("held before"),
        "reworked": _("sent back for rework"),
        "extended": _("extended"),
        "overdue": _("overdue"),
        "undispatched": _("not dispatched yet"),
    }


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:+.1f}%"


def _period(request: HttpRequest) -> tuple[analytics_filters.Filters, str]:
    """The period and category from the query string, with a message in place of a bad value."""
    params = request.GET
    try:
        return (
            analytics_filters.parse(
                start=params.get("from", "")[:10],
                end=params.get("to", "")[:10],
                category=params.get("category", "")[:4],
            ),
            "",
        )
    except analytics_filters.BadFilter as exc:
        message = {
            "from": _("Check the period: the first day must be a date not after the last."),
            "to": _("Check the period: a date, at most 366 days long."),
            "category": _("Choose a category from the list."),
        }.get(exc.field, _("Check the filters."))
        return analytics_filters.parse(), message


@roles_required(*OVERSIGHT)
def backlog_page(request: HttpRequest) -> HttpResponse:
    result = backlog(visible_to_request(request, BacklogCount), visible_to_request(request, Case))
    steps = [{**s, "label": step_label(s["step"]["code"]) or _("No step")} for s in result["steps"]]
    units = [{**u, "label": u["unit"]["name"] or _("Not dispatched")} for u in result["units"][:UNIT_ROWS]]
    names = reason_names()
    stuck = [{**s, "reason_text": "、".join(names[r] for r in s["reasons"])} for s in result["stuck"]]
    buckets = [str(b["label"]) for b in result["buckets"]]
    chart = {
        "backlog": {
            "steps": [s["label"] for s in steps],
            "series": [
                {"name": name, "data": [s["buckets"][i] for s in steps]} for i, name in enumerate(buckets)
            ],
        }
    }
    context = {
        "tab": "backlog",
        "result": result,
        "steps": steps,
        "units": units,
        "stuck": stuck,
        "bucket_names": buckets,
        "light_names": [light_label(x) for x in ("green", "yellow", "red")],
        "old": result["total"]["buckets"][-1],
        "chart": chart,
    }
    return render(request, "web/analytics/backlog.html", context)


@roles_required(*OVERSIGHT)
def disputes_page(request: HttpRequest) -> HttpResponse:
    f, error = _period(request)
    result = disputes(visible_to_request(request, ReturnRecord), visible_to_request(request, Arbitration), f)
    matrix = result["matrix"]
    chart = {
        "matrix": {
            "units": [u["name"] for u in matrix["units"]],
            "cells": matrix["cells"],
            "labels": {"from": _("Returned by"), "to": _("Named as responsible")},
        }
    }
    context = {
        "tab": "disputes",
        "error": error,
        "f": f,
        "last_day": f.end - dt.timedelta(days=1),
        "categories": _categories(),
        "result": result,
        "chart": chart,
    }
    return render(request, "web/analytics/disputes.html", context)


@roles_required(*OVERSIGHT)
def trends_page(request: HttpRequest) -> HttpResponse:
    params = request.GET
    by = params.get("by", "category")
    by = by if by in ("category", "street", "channel") else "category"
    try:
        weeks = int(params.get("weeks", "12"))
    except ValueError:
        weeks = 12
    weeks = weeks if weeks in WEEKS_CHOICES else 12
    error = ""
    try:
        last = analytics_filters.parse(end=params.get("to", "")[:10]).end - dt.timedelta(days=1)
    except analytics_filters.BadFilter:
        error = _("Check the period: a date, at most 366 days long.")
        last = analytics_filters.parse().end - dt.timedelta(days=1)
    result = trends(visible_to_request(request, DailyCount), by=by, last=last, weeks=weeks)
    groups = [
        {**g, "wow_text": _percent(g["wow"]), "yoy_text": _percent(g["yoy"]), "up": (g["wow"] or 0) > 0}
        for g in result["groups"]
    ]
    holidays = [
        {"date": h["date"].isoformat(), "name": h["name"], "kind": h["kind"]} for h in result["holidays"]
    ]
    chart = {
        "trend": {
            "days": [d.isoformat() for d in result["days"]],
            "now": result["total"],
            "year_ago": result["total_last_year"],
            "holidays": holidays,
            "labels": {
                "now": _("This period"),
                "year_ago": _("A year earlier (same weekdays)"),
                "holiday": _("Holiday"),
                "workday": _("Worked weekend day"),
            },
        },
        "groups": {
            "weeks": [d.strftime("%m-%d") for d in result["week_starts"]],
            "series": [{"name": g["name"], "data": g["weekly"]} for g in result["groups"][:CHART_GROUPS]],
        },
    }
    context = {
        "tab": "trends",
        "error": error,
        "result": result,
        "summary": {
            **result["summary"],
            "wow_text": _percent(result["summary"]["wow"]),
            "yoy_text": _percent(result["summary"]["yoy"]),
        },
        "groups": groups,
        "holidays": result["holidays"],
        "by": by,
        "by_choices": [("category", _("Category class")), ("street", _("Street")), ("channel", _("Channel"))],
        "weeks": weeks,
        "weeks_choices": WEEKS_CHOICES,
        "chart": chart,
        "may_export": opendata.may_export(request.user),
        "export_from": result["from"],
        "export_to": result["to"],
    }
    return render(request, "web/analytics/trends.html", context)
