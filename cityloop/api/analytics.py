"""``/api/v1/analytics``: hotspots against each place's own history (with the hour-of-week matrix)
and recurrence after cleanup, both within the caller's jurisdiction."""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from cityloop.analytics import filters as analytics_filters
from cityloop.analytics.hotspots import Source, hotspots
from cityloop.analytics.models import Closing, DailyCount, HourlyCount
from cityloop.analytics.recurrence import recurrence
from cityloop.core.permissions import visible_to_request

from .errors import ApiError

router = Router(tags=["analytics"])

DAY = r"^\d{4}-\d{2}-\d{2}$"
CODE = r"^\d{2}(\d{2})?$"


class HotspotQuery(Schema):
    level: Literal["grid", "community", "street", "h3_8", "h3_9"] = "grid"
    from_: str | None = Field(None, alias="from", max_length=10, pattern=DAY, description="first local day")
    to: str | None = Field(None, max_length=10, pattern=DAY, description="last local day (included)")
    category: str | None = Field(None, max_length=4, pattern=CODE, description="class or subclass code")
    channel: str | None = Field(None, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")
    limit: int = Field(20, ge=1, le=200)


class RecurrenceQuery(Schema):
    days: int = Field(30, ge=1, le=180, description="a re-report this many days after closing counts")
    spot: Literal["grid", "h3_9"] = "grid"
    from_: str | None = Field(
        None, alias="from", max_length=10, pattern=DAY, description="first day of closing"
    )
    to: str | None = Field(None, max_length=10, pattern=DAY, description="last day of closing (included)")
    category: str | None = Field(None, max_length=4, pattern=CODE, description="class or subclass code")
    limit: int = Field(50, ge=1, le=200)


def _filters(**values: Any) -> analytics_filters.Filters:
    try:
        return analytics_filters.parse(**values)
    except analytics_filters.BadFilter as exc:
        raise ApiError(
            422, exc.message, field=exc.field, errors=[{"field": exc.field, "message": exc.message}]
        ) from None


@router.get(
    "/analytics/hotspots",
    response=dict[str, Any],
    summary="Hotspots: places unusual for their own history, ranked, with the hour-of-week matrix",
)
def get_hotspots(request: HttpRequest, q: Query[HotspotQuery]) -> dict[str, Any]:
    """Cases per place for the period and filters, each against its expectation from the 12 weeks
    before (Poisson upper tail, 5 % false discovery rate); places outside your jurisdiction are
    not counted."""
    f = _filters(start=q.from_, end=q.to, level=q.level, category=q.category, channel=q.channel)
    source = Source(visible_to_request(request, DailyCount), visible_to_request(request, HourlyCount))
    return hotspots(source, f, q.limit)


@router.get(
    "/analytics/recurrence",
    response=dict[str, Any],
    summary="Recurrence (回潮): the same subclass reported at the same spot within N days after closing",
)
def get_recurrence(request: HttpRequest, q: Query[RecurrenceQuery]) -> dict[str, Any]:
    """Spots where a case closed in the period was followed by a report of the same subclass within
    ``days`` days, with their cases, and the recurrence rate per street and responsible unit."""
    f = _filters(start=q.from_, end=q.to, category=q.category)
    return recurrence(visible_to_request(request, Closing), f, days=q.days, spot=q.spot, limit=q.limit)
