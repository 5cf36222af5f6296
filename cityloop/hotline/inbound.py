"""What a hotline platform sends: verified, checked, and turned into case actions.

``receive(code, headers, body)`` is the whole of it: the platform must be configured and active, the
request signed with its secret (Standard Webhooks: HMAC-SHA256 over ``id.timestamp.body``, compared in
constant time) within five minutes of CityLoop's clock, and a message id seen before is answered as
the first time without acting again, so a replay inside the window changes nothing. Work orders become
cases through the normal intake (``submit_report``); the rest are transitions taken through the engine
as the platform's service account.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cityloop.cases.actions import submit_report
from cityloop.cases.engine import TransitionError, perform
from cityloop.cases.merging import joined
from cityloop.cases.models import Case
from cityloop.core.audit import action_transaction, record
from cityloop.notify.signing import WebhookVerificationError, verify

from . import outbound, protocol
from .geocode import locate_address
from .models import CASE_CHANNEL, Direction, Message, Platform, Ticket
from .platforms import active_platform, ensure_roles
from .protocol import ProtocolError

Answer = tuple[int, dict[str, Any]]


def receive(code: str, headers: Mapping[str, str], body: bytes, *, now: dt.datetime | None = None) -> Answer:
    """Handle one signed message from platform ``code``: the HTTP status and JSON to answer."""
    try:
        return _receive(code, headers, body, now or timezone.now())
    except ProtocolError as exc:
        return exc.status, exc.as_json()


def _receive(code: str, headers: Mapping[str, str], body: bytes, now: dt.datetime) -> Answer:
    platform = active_platform(code)
    if platform is None:
        raise ProtocolError(404, f"no active hotline platform {code!r}")
    try:
        verify(platform.secret, headers, body, now=now)
    except WebhookVerificationError as exc:
        raise ProtocolError(401, f"signature refused: {exc}", "webhook-signature") from None
    message_id = {k.lower(): v for k, v in headers.items()}["webhook-id"][:100]
    data = protocol.parse_body(body)
    # A message seen before is answered as the first time. A work order is not looked up first: its
    # replay is the same ticket, which the intake finds, and the message's unique id then refuses the
    # second insert (IntegrityError, below): one query fewer on every new order, one more on a replay.
    seen = None if data["type"] == "work_order" else _seen(platform, message_id)
    if seen is not None:
        return seen
    try:
        if data["type"] == "work_order":
            return _work_order(platform, message_id, data, now)
        return _act(platform, message_id, data, now)
    except IntegrityError:
        # The same message raced us in another request: answer what that one answered.
        seen = _seen(platform, message_id)
        if seen is None:
            raise
        return seen
    except ValidationError as exc:
        field, text = _first_error(exc)
        raise ProtocolError(422, text, field) from None
    except TransitionError as exc:
        raise ProtocolError(409 if exc.status == 403 else exc.status, exc.message, "type") from None


def _seen(platform: Platform, message_id: str) -> Answer | None:
    """What CityLoop answered a message with this id from this platform, if it came before."""
    found = (
        Message.objects.filter(platform=platform, direction=Direction.IN, message_id=message_id)
        .values_list("status", "answer")
        .first()
    )
    return (int(found[0]), found[1]) if found is not None else None


def _first_error(exc: ValidationError) -> tuple[str, str]:
    if hasattr(exc, "error_dict"):
        name, errors = next(iter(exc.error_dict.items()))
        return ("location" if name == "__all__" else name), "; ".join(e.messages[0] for e in errors)
    return "body", "; ".join(exc.messages)


def _act(platform: Platform, message_id: str, data: dict[str, Any], now: dt.datetime) -> Answer:
    with action_transaction():
        ticket = _ticket(platform, data["ticket_id"])
        status, answer = HANDLERS[data["type"]](platform, ticket, data, now)
        message = Message.objects.create(
            platform=platform,
            ticket=ticket,
            direction=Direction.IN,
            type=data["type"],
            message_id=message_id,
            body=_private(data),
            answer=answer,
            status=status,
            created_at=now,
        )
        record(
            platform.actor,
            "hotline.message.receive",
            message,
            after={"type": data["type"], "ticket_id": data["ticket_id"], "status": status},
        )
    return status, answer


def _private(data: dict[str, Any]) -> dict[str, Any]:
    """The message as kept in the exchange: the caller's name and phone stay on the case only
    (private, as with any reporter), not in a log every exchange reader sees."""
    kept = dict(data)
    if isinstance(kept.get("caller"), dict):
        kept["caller"] = {"name": "***", "phone": "***"}
    return kept


def _ticket(platform: Platform, ticket_id: str) -> Ticket:
    ticket = Ticket.objects.select_related("case").filter(platform=platform, ticket_id=ticket_id).first()
    if ticket is None:
        raise ProtocolError(404, f"no work order {ticket_id!r} from this platform", "ticket_id")
    # Merged into an earlier case of the same problem (合并): the hotline's visits, urges and
    # answers are about that case now.
    ticket.case = joined(ticket.case)
    ensure_roles(platform, ticket.case.district)
    return ticket


def _case_answer(ticket: Ticket, case: Case, **extra: Any) -> dict[str, Any]:
    return {
        "ticket_id": ticket.ticket_id,
        "case_number": case.number,
        "state": case.state,
        **extra,
    }


@dataclass
class _Arrival:
    """A work order on its way in: what the report's transaction writes beside the case."""

    platform: Platform
    order: protocol.WorkOrder
    message_id: str
    body: dict[str, Any]
    located_by: str
    now: dt.datetime
    ticket: Ticket | None = None
    answer: dict[str, Any] = field(default_factory=dict)


_arriving: contextvars.ContextVar[_Arrival | None] = contextvars.ContextVar("hotline_arriving", default=None)


def _work_order(platform: Platform, message_id: str, data: dict[str, Any], now: dt.datetime) -> Answer:
    """A work order becomes a case through the normal intake, in the report's own transaction: its
    ticket, the message as received and the receipt (签收) queued for the hotline are written there
    by :func:`on_case_reported`, so they exist exactly when the case does. The intake checks the
    report (where it lies, who may report it) before that transaction opens, and takes a case number
    outside it on PostgreSQL: the write lock (SQLite's, the day's number row on PostgreSQL) is held
    for the writes alone, as for any report. (In one transaction around the whole order, as at
    first, every check ran under the lock: 0.5 times the report intake's rate, 1.8 times its CPU.)"""
    order = protocol.work_order(data)
    lon, lat, crs, located_by = order.lon, order.lat, order.crs, "coordinates"
    if lon is None or lat is None:
        found = locate_address(order.address)
        if found is None:
            raise ProtocolError(
                422,
                "no coordinates, and the address could not be placed with confidence (a door "
                "number, a crossing or a named place of the city): send location {lon, lat, crs}",
                "location",
            )
        lon, lat, crs, located_by = found[0], found[1], None, "address"
    arrival = _Arrival(platform, order, message_id, _private(data), located_by, now)
    token = _arriving.set(arrival)
    try:
        case, created = submit_report(
            actor=platform.actor,
            channel=CASE_CHANNEL[order.channel],
            description=order.text,
            lon=lon,
            lat=lat,
            crs=crs,
            address=order.address,
            appeal_nature=order.appeal_nature,
            reporter_name=order.caller_name,
            reporter_phone=order.caller_phone,
            category=order.category,
            kind=order.category_kind if order.category else None,
            external_id=order.ticket_id,
            at=now,
        )
    except TransitionError as exc:
        # The ticket came before under another hotline number (the case's ticket id is unique per
        # channel, the ticket per platform): still one ticket, one case.
        sent_before = Ticket.objects.filter(platform=platform, ticket_id=order.ticket_id).exists()
        if exc.status != 409 or not sent_before:
            raise
        return _again(arrival)
    finally:
        _arriving.reset(token)
    if not created or arrival.ticket is None:
        return _again(arrival)
    ensure_roles(platform, case.district)  # for its later messages (remembered per process)
    return 201, arrival.answer


def on_case_reported(sender: Any, instance: Case, created: bool, **kwargs: Any) -> None:
    """The case of an arriving work order was inserted: its ticket, the message in and the receipt
    out, in the report's transaction (connected to ``Case``'s ``post_save``).

    The engine inserts a new case among the parts of the report's audit entry (where the step clocks
    it starts are recorded), so the ticket is recorded as a part of that entry: one audit entry per
    work order, the case's own, naming its ticket, the hotline's deadline and its attachments. (Were
    the insert ever moved out of the parts, the ticket would get an entry of its own, as before.)"""
    arrival = _arriving.get()
    if arrival is None or not created or instance.external_id != arrival.order.ticket_id:
        return
    case, order, now = instance, arrival.order, arrival.now
    ticket = Ticket.objects.create(
        case=case,
        platform=arrival.platform,
        ticket_id=order.ticket_id,
        channel=order.channel,
        hotline_deadline=order.deadline,
        attachment_urls=order.attachments,
        located_by=arrival.located_by,
        out_seq=1,  # the receipt below: a new ticket's row is this transaction's, no lock to take
        received_at=now,
    )
    record(
        arrival.platform.actor,
        "hotline.ticket.create",
        ticket,
        after={
            "ticket_id": order.ticket_id,
            "deadline": order.deadline,
            "attachments": len(order.attachments),
            "located_by": arrival.located_by,
        },
    )
    arrival.answer = _case_answer(ticket, case, created=True)
    receipt = outbound.queue(
        ticket,
        1,
        "receipt",
        {"case_number": case.number, "tracking_code": case.tracking_code},
        at=now,
        new_ticket=True,
    )
    # The order as received and its receipt in one statement: the intake's write lock is held for
    # its writes, and every statement inside it counts against the rate.
    Message.objects.bulk_create([_message_in(arrival, ticket, 201, save=False), receipt])
    arrival.ticket = ticket


def _message_in(arrival: _Arrival, ticket: Ticket, status: int, *, save: bool = True) -> Message:
    message = Message(
        platform=arrival.platform,
        ticket=ticket,
        direction=Direction.IN,
        type="work_order",
        message_id=arrival.message_id,
        body=arrival.body,
        answer=arrival.answer,
        status=status,
        created_at=arrival.now,
    )
    if save:
        message.save(force_insert=True)
    return message


def _again(arrival: _Arrival) -> Answer:
    """The same ticket sent again under a new message id: the first case, nothing done twice."""
    ticket = (
        Ticket.objects.select_related("case")
        .filter(platform=arrival.platform, ticket_id=arrival.order.ticket_id)
        .first()
    )
    if ticket is None:  # cannot happen: the intake found the case by this ticket id
        raise ProtocolError(409, f"ticket {arrival.order.ticket_id!r} is another platform's", "ticket_id")
    arrival.answer = _case_answer(ticket, ticket.case, created=False)
    with transaction.atomic():
        _message_in(arrival, ticket, 200)
    return 200, arrival.answer


def _return_visit(platform: Platform, ticket: Ticket, data: dict[str, Any], now: dt.datetime) -> Answer:
    value, text = protocol.satisfaction(data)
    payload = {"satisfaction": value, "note": text or f"12345回访：{value}"}
    case = perform(ticket.case, "return_visit", actor=platform.actor, payload=payload, at=now)
    if value == "unsatisfied":
        # The workflow's path for an unsatisfied visit: re-assigned to the unit (不满意重办).
        reason = f"热线回访不满意：{text}" if text else "热线回访不满意"
        case = perform(case, "reopen", actor=platform.actor, payload={"reason": reason}, at=now)
    return 200, _case_answer(ticket, case, satisfaction=value)


def _supervision(platform: Platform, ticket: Ticket, data: dict[str, Any], now: dt.datetime) -> Answer:
    kind, text = protocol.supervision(data)
    label = "催办" if kind == "urge" else "督办"
    case = perform(
        ticket.case, "urge", actor=platform.actor, payload={"reason": f"热线{label}：{text}"}, at=now
    )
    return 200, _case_answer(ticket, case, urges=case.urges_count)


def _answer(transitions: tuple[str, str]) -> Any:
    def handle(platform: Platform, ticket: Ticket, data: dict[str, Any], now: dt.datetime) -> Answer:
        approved, reason, new_deadline = protocol.answer(data)
        name = transitions[0] if approved else transitions[1]
        payload = {"reason": reason, "note": reason}
        case = perform(ticket.case, name, actor=platform.actor, payload=payload, at=now)
        if new_deadline is not None and approved:
            before = ticket.hotline_deadline
            ticket.hotline_deadline = new_deadline
            ticket.save(update_fields=["hotline_deadline"])
            record(
                platform.actor,
                "hotline.ticket.deadline",
                ticket,
                before={"hotline_deadline": before},
                after={"hotline_deadline": new_deadline},
            )
        return 200, _case_answer(ticket, case, approved=approved)

    return handle


HANDLERS = {
    "return_visit": _return_visit,
    "supervision": _supervision,
    "extension_answer": _answer(("approve_extension", "reject_extension")),
    # 缓办 (deferral) is the workflow's hold (挂账): approving it pauses the disposal clock.
    "deferral_answer": _answer(("approve_hold", "reject_hold")),
}
