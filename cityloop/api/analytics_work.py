"""``/api/v1/analytics``: the backlog (积案) by step and unit with the cases stuck longest, the
disputes (推诿) between unit pairs by category, trends (环比/同比) with the holidays marked, and the
open-data export of anonymised cases, all within the caller's jurisdiction."""

from __future__ import annotations

import datetime as dt
import tempfile
from typing import Any, Literal

from django.http import FileResponse, HttpRequest, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from cityloop.analytics import opendata
from cityloop.analytics.backlog import backlog
from cityloop.analytics.disputes import disputes
from cityloop.analytics.models import BacklogCount, DailyCount
from cityloop.analytics.trends import MAX_WEEKS, trends
from cityloop.cases.models import Case
from cityloop.core.permissions import visible_to_request
from cityloop.routing.models import Arbitration, ReturnRecord

from .analytics import CODE, DAY, _filters
from .errors import ApiError

router = Router(tags=["analytics"])


class BacklogQuery(Schema):
    stuck: int = Field(20, ge=0, le=100, description="how many of the longest-waiting cases to list")


class DisputeQuery(Schema):
    from_: str | None = Field(None, alias="from", max_length=10, pattern=DAY, description="first local day")
    to: str | None = Field(None, max_length=10, pattern=DAY, description="last local day (included)")
    category: str | None = Field(None, max_length=4, pattern=CODE, description="class or subclass code")
    limit: int = Field(30, ge=1, le=200, description="unit pairs listed")


class TrendQuery(Schema):
    by: Literal["category", "street", "channel"] = "category"
    weeks: int = Field(12, ge=1, le=MAX_WEEKS, description="whole weeks ending on 'to'")
    to: str | None = Field(None, max_length=10, pattern=DAY, description="last local day (default: today)")
    limit: int = Field(30, ge=1, le=200)


class OpenDataQuery(Schema):
    format: Literal["csv", "parquet"] = "csv"
    from_: str | None = Field(None, alias="from", max_length=10, pattern=DAY, description="first local day")
    to: str | None = Field(None, max_length=10, pattern=DAY, description="last local day (included)")
    category: str | None = Field(None, max_length=4, pattern=CODE, description="class or subclass code")
    channel: str | None = Field(None, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    resolution: int = Field(8, ge=7, le=9, description="H3 resolution of the published place (7, 8 or 9)")


@router.get(
    "/analytics/backlog",
    response=dict[str, Any],
    summary="Backlog: open cases by age bucket and light, per step and per responsible unit; the stuck ones",
)
def get_backlog(request: HttpRequest, q: Query[BacklogQuery]) -> dict[str, Any]:
    """The open cases you may see, from the snapshot the worker keeps (``taken_at``), in age buckets
    since their report with their lights, per step and per unit, and the ``stuck`` longest-waiting
    with what held them (returns, holds, extensions, reworks, overdue)."""
    return backlog(
        visible_to_request(request, BacklogCount), visible_to_request(request, Case), limit=q.stuck
    )


@router.get(
    "/analytics/disputes",
    response=dict[str, Any],
    summary="Disputes: returns and arbitrations between unit pairs, by category, and the returns matrix",
)
def get_disputes(request: HttpRequest, q: Query[DisputeQuery]) -> dict[str, Any]:
    """Per pair of units in the period: returns each way, arbitrations and their rulings, by
    category; and the matrix of returns among the busiest units (row returned, naming column)."""
    f = _filters(start=q.from_, end=q.to, category=q.category)
    return disputes(
        visible_to_request(request, ReturnRecord), visible_to_request(request, Arbitration), f, limit=q.limit
    )


@router.get(
    "/analytics/trends",
    response=dict[str, Any],
    summary="Trends: weekly cases per category, street or channel, week over week and year over year",
)
def get_trends(request: HttpRequest, q: Query[TrendQuery]) -> dict[str, Any]:
    """Weekly counts for the ``weeks`` weeks ending on ``to``, each group's change on the week before
    (wow) and on the same weeks a year (52 weeks) earlier (yoy), and the national holidays of both
    periods."""
    f = _filters(end=q.to)
    last = f.end - dt.timedelta(days=1)
    return trends(visible_to_request(request, DailyCount), by=q.by, last=last, weeks=q.weeks, limit=q.limit)


@router.get(
    "/analytics/open-data",
    response={200: None},
    summary="Open data: the period's cases anonymised (no personal data, places as hexagons), CSV or Parquet",
)
def get_open_data(request: HttpRequest, q: Query[OpenDataQuery]) -> HttpResponseBase:
    """For leaders and administrators: the cases reported in the period under the units where you
    hold that role, without reporter, text, address or exact place (see docs/analytics.md)."""
    if not opendata.may_export(request.user):
        raise ApiError(403, "open-data export is for leaders and administrators")
    f = _filters(start=q.from_, end=q.to, category=q.category, channel=q.channel)
    rows = opendata.Rows(opendata.exportable(request.user), f, q.resolution)  # type: ignore[arg-type]
    name = f"cityloop-cases-{f.start:%Y%m%d}-{f.end - dt.timedelta(days=1):%Y%m%d}"
    if q.format == "csv":
        response = StreamingHttpResponse(opendata.csv_lines(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return response
    if not opendata.parquet_available():
        raise ApiError(422, "format: Parquet needs pyarrow on the server; ask for csv", field="format")
    # Written to a temporary file a row group at a time, then streamed from it.
    out = tempfile.TemporaryFile(prefix="cityloop-open-data-")  # noqa: SIM115 (closed by the response)
    opendata.write_parquet(rows, out)
    out.seek(0)
    response = FileResponse(out, content_type="application/vnd.apache.parquet", as_attachment=True)
    response["Content-Disposition"] = f'attachment; filename="{name}.parquet"'
    response["Last-Modified"] = timezone.now().strftime("%a, %d %b %Y %H:%M:%S GMT")
    return response
