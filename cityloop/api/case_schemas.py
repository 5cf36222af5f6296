"""Shapes of the case API: what clients send and what they get back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Field, Schema
from pydantic import field_validator

from cityloop.cases.models import Case, CaseEvent, CaseStep
from cityloop.cases.workflow import STATES
from cityloop.geo import crs as crslib


class ReportIn(Schema):
    channel: str = Field(
        ..., max_length=32, description="source channel code, e.g. supervisor, hotline_12345, citizen_app"
    )
    description: str = Field(..., min_length=1, max_length=4000)
    # Degrees in most systems, metres in a Gauss–Krüger zone (easting with its zone prefix): the
    # system's own range is checked when the point is converted (a 400 naming `location`).
    lon: float = Field(..., ge=-1e8, le=1e8)
    lat: float = Field(..., ge=-1e8, le=1e8)
    crs: str = Field(
        "wgs84",
        max_length=16,
        description="the system lon/lat are in: wgs84 (GPS, the default), cgcs2000 (EPSG:4490), gcj02 "
        "(AMap, Tencent, WeChat), bd09 (Baidu), or a CGCS2000 3-degree Gauss–Krüger zone EPSG:4513–4554 "
        "(lon = easting, lat = northing, metres); stored as WGS84, the original kept",
    )
    address: str = Field("", max_length=200)
    appeal_nature: int = Field(1, description="1 request, 2 complaint, 3 enquiry, 4 suggestion, 5 thanks")
    reporter_name: str = Field("", max_length=50)
    reporter_phone: str = Field("", max_length=32)
    category: str | None = Field(None, max_length=8, description="subclass code, e.g. 0101")
    kind: str | None = Field(None, max_length=10, description="component or event")
    component: str | None = Field(None, max_length=32, description="16-digit component ID")
    attachments: list[int] = Field(
        default_factory=list, max_length=20, description="ids from POST /attachments"
    )
    external_id: str = Field(
        "", max_length=64, description="the ticket id in the sending system; a retry returns the same case"
    )
    self_handled: bool = False
    photos_public: bool = Field(
        False, description="the reporter agrees that the report's photos appear on the public map"
    )

    @field_validator("crs")
    @classmethod
    def known_crs(cls, value: str) -> str:
        try:
            return crslib.normalize(value)
        except crslib.CoordinateError as exc:
            raise ValueError(str(exc)) from None


class OriginalPoint(Schema):
    crs: str = Field(..., description="the system the point was reported in")
    x: float = Field(..., description="longitude or easting as given")
    y: float = Field(..., description="latitude or northing as given")


class UnitRef(Schema):
    id: int
    code: str
    name: str


class CaseSummary(Schema):
    id: int
    number: str
    state: str
    state_label: str
    channel: str
    category: str | None
    description: str
    address: str
    lon: float
    lat: float
    original: OriginalPoint | None = Field(
        None, description="the point as reported, when it was not WGS84 (lon/lat are always WGS84)"
    )
    grid: str | None
    district: str | None
    street: str | None
    community: str | None
    command_level: str = Field(
        description="which centre commands the case (两级指挥): district, or city when routing or a referral "
        "sent it to the city command centre"
    )
    responsible_unit: UnitRef | None
    urgency: str
    current_step: str
    deadline_at: dt.datetime | None
    light: str
    reported_at: dt.datetime
    closed_at: dt.datetime | None
    version: int


def case_summary(case: Case) -> dict[str, Any]:
    unit = case.responsible_unit
    return {
        "id": case.pk,
        "number": case.number,
        "state": case.state,
        "state_label": STATES[case.state].label,
        "channel": case.channel.code,
        "category": f"{case.category.code} {case.category.name}" if case.category else None,
        "description": case.description,
        "address": case.address,
        "lon": case.lon,
        "lat": case.lat,
        "original": (
            {"crs": case.original_crs, "x": case.original_x, "y": case.original_y}
            if case.original_crs
            else None
        ),
        "grid": case.grid.code if case.grid else None,
        "district": case.district.name if case.district_id else None,
        "street": case.street.name if case.street else None,
        "community": case.community.name if case.community else None,
        "command_level": case.command_level,
        "responsible_unit": {"id": unit.pk, "code": unit.code, "name": unit.name} if unit else None,
        "urgency": case.urgency,
        "current_step": case.current_step,
        "deadline_at": case.deadline_at,
        "light": case.light,
        "reported_at": case.reported_at,
        "closed_at": case.closed_at,
        "version": case.version,
    }


class EventOut(Schema):
    seq: int
    transition: str
    from_state: str
    to_state: str
    actor: str
    actor_role: str
    actor_unit: str | None
    at: dt.datetime
    note: str
    data: dict[str, Any]
    attachments: list[int]


def event_out(event: CaseEvent) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "transition": event.transition,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "actor": str(event.actor),
        "actor_role": event.actor_role,
        "actor_unit": event.actor_unit.name if event.actor_unit else None,
        "at": event.at,
        "note": event.note,
        "data": event.data,
        "attachments": [a.pk for a in event.attachments.all()],
    }


class StepOut(Schema):
    step: str
    occurrence: int
    unit: str | None
    started_at: dt.datetime
    deadline_at: dt.datetime
    limit: str
    provisional: bool
    ended_at: dt.datetime | None
    on_time: bool | None
    elapsed: float | None


def step_out(step: CaseStep) -> dict[str, Any]:
    return {
        "step": step.step,
        "occurrence": step.occurrence,
        "unit": step.unit.name if step.unit else None,
        "started_at": step.started_at,
        "deadline_at": step.deadline_at,
        "limit": f"{step.limit_amount:g} {step.limit_unit}",
        "provisional": step.provisional,
        "ended_at": step.ended_at,
        "on_time": step.on_time,
        "elapsed": step.elapsed,
    }


class AttachmentOut(Schema):
    id: int
    purpose: str
    name: str
    content_type: str
    size: int
    url: str


class LikelyDuplicateOut(Schema):
    id: int
    number: str
    score: float = Field(description="0–1: how likely the two tell of one problem")
    distance_m: float


class CaseDetail(CaseSummary):
    tracking_code: str
    appeal_nature: int
    reporter_name: str
    reporter_phone: str
    component: str | None
    condition: str | None
    counters: dict[str, int]
    needs_return_visit: bool
    return_visit_waiver: str
    satisfaction: str
    citizen_rating: int | None = Field(None, description="the reporter's rating of the result, 1–5")
    citizen_comment: str = Field("", description="what the reporter wrote with the rating")
    duplicate_of: str | None
    likely_duplicates: list[LikelyDuplicateOut] = Field(
        default_factory=list,
        description="open cases you may see that probably tell of the same problem (same subclass, "
        "or related with words in common, within the category's distance and days), best first",
    )
    routing: dict[str, Any] | None = Field(
        None, description="the routing decision: suggested unit, rule, explanation, alternatives"
    )
    steps: list[StepOut]
    timeline: list[EventOut]
    attachments: list[AttachmentOut]


class ActionOut(Schema):
    name: str
    label: str
    label_en: str
    target: str | None
    requires: list[str]


class ActionIn(Schema):
    note: str = Field("", max_length=4000)
    reason: str = Field("", max_length=4000)
    version: int | None = Field(None, description="the case version you saw; a mismatch answers 409")
    category: str | None = None
    kind: str | None = None
    component: str | None = None
    condition: int | None = None
    unit: str | None = Field(None, description="unit id or code")
    suggested_unit: str | None = None
    amount: float | None = None
    time_unit: str | None = None
    feedback: str | None = Field(None, max_length=4000)
    found: bool | None = None
    satisfaction: str | None = None
    attachments: list[int] = Field(default_factory=list)


class TrackOut(Schema):
    tracking_code: str
    number: str
    merged_into: str | None = Field(
        None,
        description="the case this report was merged into (合并): state, dates and history are that case's",
    )
    state: str
    state_label: str
    category: str | None
    reported_at: dt.datetime
    registered_at: dt.datetime | None
    dispatched_at: dt.datetime | None
    closed_at: dt.datetime | None
    history: list[dict[str, Any]]
