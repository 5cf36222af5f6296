"""``/api/v1/hotline``: a hotline case's ticket, its two deadlines and its exchange, for staff who may
see the case; and the transfer back (退单) of a work order that is not the city's business."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from cityloop.cases.engine import TransitionError
from cityloop.core.models import User
from cityloop.hotline.actions import transfer_back
from cityloop.hotline.models import Ticket
from cityloop.hotline.outbound import exchange

from .cases import get_case
from .errors import ApiError

router = Router(tags=["hotline"])


class HotlineMessageOut(Schema):
    direction: str
    type: str
    seq: int | None
    message_id: str
    at: dt.datetime
    status: str = Field(..., description="in: answered; out: queued, retrying, delivered or failed")
    attempts: int | None = None
    delivered_at: dt.datetime | None = None
    next_attempt_at: dt.datetime | None = None
    last_error: str | None = None
    body: dict[str, Any]


class TicketOut(Schema):
    case_id: int
    case_number: str
    platform: str
    ticket_id: str
    channel: str
    received_at: dt.datetime
    hotline_deadline: dt.datetime | None = Field(..., description="the deadline the hotline set")
    step: str = Field(..., description="CityLoop's running step")
    step_deadline: dt.datetime | None = Field(..., description="CityLoop's own deadline of that step")
    attachment_urls: list[str]
    located_by: str
    satisfaction: str
    exchange: list[HotlineMessageOut]


class TransferBackIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500, description="why this is not the city's business")


def _ticket(request: HttpRequest, ref: str) -> Ticket:
    case = get_case(request, ref)
    ticket = Ticket.objects.select_related("platform").filter(case=case).first()
    if ticket is None:
        raise ApiError(404, f"case {case.number} did not come from a hotline platform")
    ticket.case = case
    return ticket


def ticket_out(ticket: Ticket) -> dict[str, Any]:
    case = ticket.case
    return {
        "case_id": case.pk,
        "case_number": case.number,
        "platform": ticket.platform.code,
        "ticket_id": ticket.ticket_id,
        "channel": ticket.channel,
        "received_at": ticket.received_at,
        "hotline_deadline": ticket.hotline_deadline,
        "step": case.current_step,
        "step_deadline": case.deadline_at,
        "attachment_urls": ticket.attachment_urls,
        "located_by": ticket.located_by,
        "satisfaction": case.satisfaction,
        "exchange": exchange(case.pk),
    }


@router.get("/cases/{ref}", response=TicketOut, summary="A hotline case's ticket, deadlines and exchange")
def get_ticket(request: HttpRequest, ref: str) -> dict[str, Any]:
    return ticket_out(_ticket(request, ref[:40]))


@router.post(
    "/cases/{ref}/transfer-back",
    response=TicketOut,
    summary="Transfer the work order back to the hotline (退单): not the city's business",
)
def post_transfer_back(request: HttpRequest, ref: str, body: TransferBackIn) -> dict[str, Any]:
    ticket = _ticket(request, ref[:40])
    user = request.user
    assert isinstance(user, User)
    try:
        ticket.case = transfer_back(ticket.case, actor=user, reason=body.reason)
    except TransitionError as exc:
        raise ApiError(exc.status, exc.message, **exc.details) from None
    return ticket_out(ticket)
