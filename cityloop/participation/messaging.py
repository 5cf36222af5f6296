"""Messages to citizens, who have no account: a code, an alert batch. Each is a notice in the outbox
(queued in the transaction of the action that causes it) whose payload names the addresses it goes
to (``"sms:13812345678"``, ``"wechat:<openid>"``, ``"email:a@b.cn"``); the worker delivers it
through the per-user channel of that name (``CITYLOOP_NOTIFY_CHANNELS``) or Django's mail, with the
outbox's retries and backoff."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.mail import send_mail

from cityloop.notify.channels import ChannelMessage, DeliveryError, user_channels
from cityloop.notify.models import Delivery, Outbox
from cityloop.notify.outbox import enqueue

CHANNEL = "citizen"
KIND_PREFIX = "participation."


def offered_channels() -> list[str]:
    """The alert channels this deployment can send through: email, and SMS/WeChat when configured."""
    return ["email", *[name for name in ("wechat", "sms") if name in user_channels()]]


def send_to(address: str, *, kind: str, title: str, body: str, dedupe_key: str) -> Outbox | None:
    """Queue a message to one citizen's address (``<channel>:<address>``) in the caller's transaction."""
    return enqueue(
        KIND_PREFIX + kind,
        payload={"title": title, "body": body, "to": [address]},
        dedupe_key=dedupe_key,
    )


def targets(notice: Outbox) -> list[str]:
    """The addresses a participation notice goes to (none for other notices)."""
    if not notice.kind.startswith(KIND_PREFIX):
        return []
    return [str(t)[:64] for t in notice.payload.get("to", [])]


def deliver(delivery: Delivery, now: dt.datetime) -> None:
    """Send one message to its address, or raise DeliveryError (the worker retries)."""
    notice = delivery.outbox
    channel, _, address = delivery.target.partition(":")
    if channel == "email":
        try:
            send_mail(notice.title, notice.body, settings.DEFAULT_FROM_EMAIL, [address])
        except OSError as exc:
            raise DeliveryError(f"mail to {address} failed: {exc}") from None
        return
    sender = user_channels().get(channel)
    if sender is None:
        raise DeliveryError(f"channel {channel!r} is not configured", permanent=True)
    extra: dict[str, Any] = {k: v for k, v in notice.payload.items() if k != "to"}
    sender.send(
        ChannelMessage(
            delivery_id=delivery.pk,
            kind=notice.kind,
            title=notice.title,
            body=notice.body,
            subject_type=notice.subject_type,
            subject_id=notice.subject_id,
            user_id=0,
            username="",
            display_name="",
            phone=address if channel == "sms" else "",
            email="",
            payload={**extra, "openid": address} if channel == "wechat" else extra,
        )
    )
