"""What a hotline platform sends: verified, checked, and turned into case actions.

``receive(code, headers, body)`` is the whole of it: the platform must be configured and active, the
request signed with its secret (Standard Webhooks: HMAC-SHA256 over ``id.timestamp.body``, compared in
constant time) within five minutes of CityLoop's clock, and a message id seen before is answered as
the first time without acting again, so a replay inside the window changes nothing. Work orders become
cases through the normal intake (``submit_report``); the rest are transitions taken through the engine
as the platform's service account.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from cityloop.cases.actions import submit_report
from cityloop.cases.engine import TransitionError, perform
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
    seen = Message.objects.filter(platform=platform, direction=Direction.IN, message_id=message_id).first()
    if seen is not None:
        return seen.status, seen.answer
    data = protocol.parse_body(body)
    try:
        return _act(platform, message_id, data, now)
    except IntegrityError:
        # The same message raced us in another request: answer what that one answered.
        seen = Message.objects.filter(
            platform=platform, direction=Direction.IN, message_id=message_id
        ).first()
        if seen is None:
            raise
        return seen.status, seen.answer
    except ValidationError as exc:
        field, text = _first_error(exc)
        raise ProtocolError(422, text, field) from None
    except TransitionError as exc:
        raise ProtocolError(409 if exc.status == 403 else exc.status, exc.message, "type") from None


def _first_error(exc: ValidationError) -> tuple[str, str]:
    if hasattr(exc, "error_dict"):
        name, errors = next(iter(exc.error_dict.items()))
        return ("location" if name == "__all__" else name), "; ".join(e.messages[0] for e in errors)
    return "body", "; ".join(exc.messages)


def _act(platform: Platform, message_id: str, data: dict[str, Any], now: dt.datetime) -> Answer:
    with action_transaction():
        if data["type"] == "work_order":
            status, answer, ticket = _work_order(platform, data, now)
        else:
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
        if data["type"] != "work_order":  # a work order's entry is its ticket's (one per order)
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
    ensure_roles(platform, ticket.case.district)
    return ticket


def _case_answer(ticket: Ticket, case: Case, **extra: Any) -> dict[str, Any]:
    return {
        "ticket_id": ticket.ticket_id,
        "case_number": case.number,
        "state": case.state,
        **extra,
    }


def _work_order(
    platform: Platform, data: dict[str, Any], now: dt.datetime
) -> tuple[int, dict[str, Any], Ticket]:
    order = protocol.work_order(data)
    existing = (
        Ticket.objects.select_related("case").filter(platform=platform, ticket_id=order.ticket_id).first()
    )
    if existing is not None:
        return 200, _case_answer(existing, existing.case, created=False), existing
    lon, lat, crs, located_by = order.lon, order.lat, order.crs, "coordinates"
    if lon is None or lat is None:
        found = locate_address(order.address)
        if found is None:
            raise ProtocolError(
                422,
                "no coordinates, and the address names no road or community CityLoop knows: "
                "send location {lon, lat, crs}",
                "location",
            )
        lon, lat, crs, located_by = found[0], found[1], None, "address"
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
    ticket = Ticket.objects.create(
        case=case,
        platform=platform,
        ticket_id=order.ticket_id,
        channel=order.channel,
        hotline_deadline=order.deadline,
        attachment_urls=order.attachments,
        located_by=located_by,
        received_at=now,
    )
    record(
        platform.actor,
        "hotline.ticket.create",
        ticket,
        after={"case": case.number, "deadline": order.deadline, "attachments": len(order.attachments)},
    )
    ensure_roles(platform, case.district)
    outbound.send(
        ticket, "receipt", {"case_number": case.number, "tracking_code": case.tracking_code}, at=now
    )
    return (201 if created else 200), _case_answer(ticket, case, created=created), ticket


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
