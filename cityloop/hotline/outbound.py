"""What CityLoop tells the hotline: a numbered message per ticket, queued in the transaction of the
change that causes it and delivered by the worker through the notification outbox.

The case loop is not edited for this: every transition writes one ``CaseEvent`` in its transaction,
and :func:`on_case_event` (connected to that model's ``post_save`` in ``apps.py``) maps the events of
hotline cases to messages. Each message gets the ticket's next sequence number under the ticket's
row lock, so numbers are 1, 2, 3 … with no gap. The worker sends a ticket's messages in that order:
one whose predecessor is still undelivered waits (``DeliveryDeferred``), so a hotline that was down
receives them in sequence once it is back; it can still detect loss, duplicates and reordering from
``seq`` (a delivery retried after a lost answer arrives twice with the same ``seq``).
"""

from __future__ import annotations

import contextvars
import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings

from cityloop.cases.channels import channel_by_id
from cityloop.cases.models import Attachment, CaseEvent
from cityloop.notify.channels import DeliveryDeferred, DeliveryError, post_webhook
from cityloop.notify.delivery import ExternalChannel
from cityloop.notify.models import Delivery, DeliveryStatus, Outbox
from cityloop.notify.outbox import enqueue
from cityloop.notify.signing import sign_headers

from . import protocol
from .models import Direction, Message, Platform, Ticket
from .photos import photo_url

KIND = "hotline.message"
CHANNEL = "hotline"
HOTLINE_CHANNELS = frozenset({"hotline_12345", "hotline_12319", "police_110"})

# Set while a staff member transfers a ticket back (退单): the refusal that follows is sent as such.
_transfer_back: contextvars.ContextVar[bool] = contextvars.ContextVar("hotline_transfer_back", default=False)


@contextmanager
def transferring_back() -> Iterator[None]:
    token = _transfer_back.set(True)
    try:
        yield
    finally:
        _transfer_back.reset(token)


def send(ticket: Ticket, kind: str, data: dict[str, Any], *, at: dt.datetime) -> Message:
    """Queue message ``kind`` for the ticket's hotline with the ticket's next sequence number (call
    inside the transaction of the change it reports)."""
    locked = Ticket.objects.select_for_update().only("out_seq").get(pk=ticket.pk)
    seq = locked.out_seq + 1
    Ticket.objects.filter(pk=ticket.pk).update(out_seq=seq)
    ticket.out_seq = seq
    return queue(ticket, seq, kind, data, at=at)


def queue(
    ticket: Ticket, seq: int, kind: str, data: dict[str, Any], *, at: dt.datetime, new_ticket: bool = False
) -> Message:
    """Write message number ``seq`` of the ticket and the outbox notice that delivers it (the
    caller took the number under the ticket's row lock, or made the ticket in this transaction:
    ``new_ticket``, when the message is returned unsaved for the caller to insert with its own)."""
    assert kind in protocol.OUTBOUND_TYPES, kind
    notice = enqueue(
        KIND,
        subject_type="hotline.ticket",
        subject_id=ticket.pk,
        payload={"title": f"{kind} #{seq} → {ticket.ticket_id}", "platform": ticket.platform_id},
        dedupe_key=f"hotline:{ticket.pk}:{seq}",
        district=ticket.case.district_id,
        fresh=new_ticket,
    )
    message = Message(
        platform_id=ticket.platform_id,
        ticket=ticket,
        direction=Direction.OUT,
        type=kind,
        seq=seq,
        message_id=f"out_{ticket.pk}_{seq}",
        body={
            "protocol": protocol.PROTOCOL,
            "type": kind,
            "ticket_id": ticket.ticket_id,
            "seq": seq,
            "at": at.isoformat(),
            "data": data,
        },
        outbox=notice,
        created_at=at,
    )
    if not new_ticket:
        message.save(force_insert=True)
    return message


def _result(event: CaseEvent, platform: Platform) -> dict[str, Any]:
    """办结: the unit's feedback and its photos (links the hotline may fetch for 30 days)."""
    case = event.case
    disposal = case.events.filter(transition="dispose").order_by("-seq").first()
    photos = Attachment.objects.filter(case=case, purpose__in=("disposal", "after")).order_by("id")
    return {
        "text": (disposal.data.get("feedback") if disposal else "") or event.note,
        "unit": case.responsible_unit.name if case.responsible_unit else "",
        "disposed_at": disposal.at.isoformat() if disposal else None,
        "photos": [photo_url(platform, p.pk) for p in photos],
    }


def _message_for(event: CaseEvent, platform: Platform) -> tuple[str, dict[str, Any]] | None:
    """The message a transition of a hotline case sends to its platform, if any."""
    name, note = event.transition, event.note
    platform_acted = hasattr(event.actor, "hotline_platform")
    if name == "accept":
        category = event.case.category
        return "accepted", {"category": category.code if category else "", "note": note}
    if name == "merge":
        # Taken up as part of an earlier case of the same problem: its result is this ticket's.
        into = str((event.data.get("into") or {}).get("number", ""))
        category = event.case.duplicate_of.category if event.case.duplicate_of else None
        return "accepted", {
            "category": category.code if category else "",
            "note": note or f"与案件{into}合并办理",
            "merged_into": into,
        }
    if name in ("not_accept", "not_register", "void"):
        kind = "transferred_back" if _transfer_back.get() else "refused"
        return kind, {"reason": note, "step": name}
    if name == "request_extension":
        return "extension_request", {
            "reason": note,
            "amount": event.data.get("amount"),
            "time_unit": event.data.get("time_unit"),
        }
    if name in ("approve_extension", "reject_extension") and not platform_acted:
        return "extension_answer", {"approved": name == "approve_extension", "reason": note, "by": "city"}
    if name == "request_hold":
        return "deferral_request", {"reason": note}
    if name in ("approve_hold", "reject_hold") and not platform_acted:
        return "deferral_answer", {"approved": name == "approve_hold", "reason": note, "by": "city"}
    if name == "resume":
        return "deferral_lifted", {"note": note}
    if name in ("check_pass", "video_check_pass"):
        return "result", _result(event, platform)
    if name == "reopen":
        return "reopened", {"reason": note}
    if name == "close":
        return "closed", {"satisfaction": event.case.satisfaction}
    if name == "urge" and platform_acted:
        return "supervision_ack", {
            "note": note,
            "state": event.case.state,
            "unit": event.case.responsible_unit.name if event.case.responsible_unit else "",
        }
    return None


MAPPED = frozenset(
    {
        "accept",
        "merge",
        "not_accept",
        "not_register",
        "void",
        "request_extension",
        "approve_extension",
        "reject_extension",
        "request_hold",
        "approve_hold",
        "reject_hold",
        "resume",
        "check_pass",
        "video_check_pass",
        "reopen",
        "close",
        "urge",
    }
)


# What the tickets of reports merged into a case (合并) hear of it: its result, a re-assignment after
# an unsatisfied visit, and its closing.
FOLLOWED = frozenset({"check_pass", "video_check_pass", "reopen", "close"})


def on_case_event(sender: Any, instance: CaseEvent, created: bool, **kwargs: Any) -> None:
    """A transition was recorded: tell the hotline, in the same transaction, if the case is theirs
    or a ticket's case was merged into it."""
    if not created or instance.transition not in MAPPED:
        return
    case = instance.case
    tickets: list[Ticket] = []
    if channel_by_id(case.channel_id).code in HOTLINE_CHANNELS:
        tickets += Ticket.objects.filter(case_id=case.pk).select_related("platform")
        for ticket in tickets:
            ticket.case = case
    if instance.transition in FOLLOWED:
        tickets += Ticket.objects.filter(case__duplicate_of_id=case.pk, case__state="merged").select_related(
            "platform", "case"
        )
    for ticket in tickets:
        found = _message_for(instance, ticket.platform)
        if found is not None:
            send(ticket, found[0], found[1], at=instance.at)


# --- delivery ---------------------------------------------------------------------------------------


def targets(notice: Outbox) -> list[str]:
    """A hotline message goes to its platform; other notices are not the hotline's."""
    if notice.kind != KIND:
        return []
    return [str(notice.payload["platform"])]


def _predecessor_waits(message: Message, now: dt.datetime) -> dt.datetime | None:
    """When the ticket's previous message is still undelivered, the time to look again."""
    if not message.seq or message.seq == 1 or message.ticket_id is None:
        return None
    previous = (
        Message.objects.filter(ticket_id=message.ticket_id, direction=Direction.OUT, seq=message.seq - 1)
        .values_list("outbox_id", flat=True)
        .first()
    )
    if previous is None:
        return None
    delivery = Delivery.objects.filter(outbox_id=previous, channel=CHANNEL).first()
    if delivery is None:  # not fanned out yet
        return now + dt.timedelta(seconds=1)
    if delivery.status == DeliveryStatus.PENDING:
        return max(delivery.next_attempt_at, now + dt.timedelta(seconds=1))
    return None  # sent, or given up: the hotline sees the gap in seq


def deliver(delivery: Delivery, now: dt.datetime) -> None:
    """Send one hotline message, signed with the platform's secret, after its predecessor."""
    message = Message.objects.filter(outbox_id=delivery.outbox_id).first()
    platform = Platform.objects.filter(pk=int(delivery.target)).first()
    if message is None or platform is None:
        raise DeliveryError("the hotline message or its platform is gone", permanent=True)
    if not platform.active:
        raise DeliveryError("the hotline platform was deactivated; will retry", permanent=False)
    wait = _predecessor_waits(message, now)
    if wait is not None:
        raise DeliveryDeferred(f"waiting for message {(message.seq or 1) - 1} of the ticket", until=wait)
    body = protocol.encode(message.body)
    signed = sign_headers([platform.secret], message.message_id, now, body)
    post_webhook(platform.callback_url, body, event=f"hotline.{message.type}", signed=signed)


def max_attempts() -> int:
    return int(settings.CITYLOOP_HOTLINE_MAX_ATTEMPTS)


HOTLINE_DELIVERY = ExternalChannel(CHANNEL, targets=targets, send=deliver, max_attempts=max_attempts)


def exchange(case_id: int) -> list[dict[str, Any]]:
    """A hotline case's exchange, oldest first: each message in and out, when, and for outbound ones
    whether it was delivered, is retrying (attempts, next try, last error) or was given up. For the
    console's case page (and the API)."""
    messages = list(
        Message.objects.filter(ticket__case_id=case_id).select_related("outbox").order_by("created_at", "id")
    )
    deliveries = {
        d.outbox_id: d
        for d in Delivery.objects.filter(
            outbox_id__in=[m.outbox_id for m in messages if m.outbox_id], channel=CHANNEL
        )
    }
    out: list[dict[str, Any]] = []
    for m in messages:
        item: dict[str, Any] = {
            "direction": m.direction,
            "type": m.type,
            "seq": m.seq,
            "message_id": m.message_id,
            "at": m.created_at,
            "body": m.body,
        }
        if m.direction == Direction.IN:
            item["status"] = "answered"
            item["answer_status"] = m.status
        else:
            d = deliveries.get(m.outbox_id or 0)
            if d is None:
                item["status"] = "queued"
            elif d.status == DeliveryStatus.PENDING:
                item["status"] = "retrying" if d.attempts else "queued"
            else:
                item["status"] = "delivered" if d.status == DeliveryStatus.SENT else "failed"
            item.update(
                attempts=d.attempts if d else 0,
                delivered_at=d.sent_at if d else None,
                next_attempt_at=d.next_attempt_at if d and d.status == DeliveryStatus.PENDING else None,
                last_error=d.last_error if d else "",
            )
        out.append(item)
    return out
