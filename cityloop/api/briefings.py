"""``/api/v1/analytics/briefings``: the weekly and monthly briefings (专报) of the areas the caller
oversees (list, one with its figures, its PDF), and writing one now (leaders and shift leaders)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from cityloop.analytics.briefings.service import areas_for, generate
from cityloop.analytics.models import Briefing
from cityloop.core.permissions import visible_to_request

from .errors import ApiError

router = Router(tags=["analytics"])

DAY = r"^\d{4}-\d{2}-\d{2}$"


class BriefingListQuery(Schema):
    kind: Literal["weekly", "monthly"] | None = None
    area: str | None = Field(None, max_length=64, description="code of the area (city or district)")
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=100_000)


class BriefingRequest(Schema):
    kind: Literal["weekly", "monthly"]
    day: str = Field(..., max_length=10, pattern=DAY, description="any local day of the period")
    area: str = Field(..., min_length=1, max_length=64, description="code of the area (city or district)")
    deliver: bool = Field(True, description="send it to the area's leaders")


def _out(b: Briefing, figures: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": b.pk,
        "kind": b.kind,
        "area": {"code": b.area.code, "name": b.area.name},
        "first_day": b.first_day,
        "last_day": b.last_day,
        "title": b.title,
        "findings": b.findings,
        "version": b.version,
        "generated_at": b.generated_at,
        "recipients": b.recipients,
        "pdf": f"/api/v1/analytics/briefings/{b.pk}/pdf",
    }
    if figures:
        out["figures"] = b.figures
    return out


def _visible(request: HttpRequest, pk: int) -> Briefing:
    briefing = visible_to_request(request, Briefing).select_related("area").filter(pk=pk).first()
    if briefing is None:
        raise ApiError(404, "no such briefing in your area")
    return briefing


@router.get(
    "/analytics/briefings", response=dict[str, Any], summary="Briefings (专报) of your areas, newest first"
)
def list_briefings(request: HttpRequest, q: Query[BriefingListQuery]) -> dict[str, Any]:
    rows = visible_to_request(request, Briefing).select_related("area").defer("pdf", "figures")
    if q.kind:
        rows = rows.filter(kind=q.kind)
    if q.area:
        rows = rows.filter(area__code=q.area)
    rows = rows.order_by("-first_day", "kind", "area__path")
    return {"count": rows.count(), "items": [_out(b) for b in rows[q.offset : q.offset + q.limit]]}


@router.get(
    "/analytics/briefings/{briefing_id}", response=dict[str, Any], summary="One briefing with its figures"
)
def get_briefing(request: HttpRequest, briefing_id: int) -> dict[str, Any]:
    return _out(_visible(request, briefing_id), figures=True)


@router.get("/analytics/briefings/{briefing_id}/pdf", summary="A briefing's PDF")
def briefing_pdf(request: HttpRequest, briefing_id: int) -> HttpResponse:
    briefing = _visible(request, briefing_id)
    response = HttpResponse(bytes(briefing.pdf), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="briefing-{briefing.kind}-{briefing.first_day:%Y%m%d}-{briefing.pk}.pdf"'
    )
    return response


@router.post(
    "/analytics/briefings",
    response={201: dict[str, Any]},
    summary="Write a briefing now (and send it to the area's leaders)",
)
def create_briefing(request: HttpRequest, body: BriefingRequest) -> Status[dict[str, Any]]:
    """Writes the weekly or monthly briefing of the period holding ``day`` over ``area`` (again, if
    it was written before: the PDF is replaced and its version moves). Leaders and shift leaders of
    the area or around it."""
    try:
        day = dt.date.fromisoformat(body.day)
    except ValueError:
        raise ApiError(422, "day: give a date as YYYY-MM-DD", field="day") from None
    if day > timezone.localdate() or day.year < 2000:
        raise ApiError(422, "day: a day from 2000 on, not in the future", field="day")
    allowed = {a.code: a for a in areas_for(request.user)}
    if not allowed:
        raise PermissionDenied("writing a briefing needs a leader or shift leader")
    area = allowed.get(body.area)
    if area is None:
        raise ApiError(422, f"area: no city or district {body.area[:64]!r} that you may brief", field="area")
    briefing = generate(body.kind, day, area, actor=request.user, deliver=body.deliver)  # type: ignore[arg-type]
    return Status(201, _out(briefing, figures=True))
