"""Deliver the outbox: fan each notice out to inboxes and delivery rows, then send what is due.

Both steps claim rows in short transactions (``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL;
SQLite serialises writers anyway), so several workers share the work without doing anything twice.
Fan-out is all in the database and happens exactly once per notice. An external send is claimed
with a lease first, so two live workers never send the same delivery; a worker that dies between
claiming and recording lets the lease lapse and the next one retries (receivers dedupe on the
``webhook-id`` header, the same on every retry).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction

from cityloop.core.models import Membership, User

from .channels import ChannelMessage, DeliveryDeferred, DeliveryError, post_webhook, user_channels
from .models import Delivery, DeliveryStatus, InboxMessage, Outbox, OutboxStatus, WebhookSubscription
from .signing import sign_headers

logger = logging.getLogger("cityloop.notify")

WEBHOOK = "webhook"
BATCH = 50
# Retry spreading only: nothing secret hangs on it.
_jitter = random.Random()


@dataclass(frozen=True)
class ExternalChannel:
    """An outside system that apps above notify deliver notices to, each message to its own address
    and in its own format (the hotline platforms are one): ``targets(notice)`` names the targets a
    notice goes to when it is fanned out (none for the notices it does not want), ``send(delivery,
    now)`` sends one delivery or raises :class:`DeliveryError` (retried with the same backoff as
    webhooks) or :class:`DeliveryDeferred` (not sent yet, waiting on something, e.g. an earlier
    message of the same conversation: tried again at its time, not counted as an attempt).
    ``max_attempts`` None takes ``CITYLOOP_WEBHOOK_MAX_ATTEMPTS``."""

    name: str
    targets: Callable[[Outbox], list[str]]
    send: Callable[[Delivery, dt.datetime], None]
    max_attempts: Callable[[], int] | None = None


_EXTERNAL: dict[str, ExternalChannel] = {}


def register_external(channel: ExternalChannel) -> None:
    """Deliver notices to ``channel`` too (call in ``AppConfig.ready``)."""
    if channel.name == WEBHOOK or channel.name in user_channels():
        raise ValueError(f"channel name {channel.name!r} is taken")
    _EXTERNAL[channel.name] = channel


def max_attempts(delivery: Delivery) -> int:
    """How many attempts a delivery gets before it is marked failed."""
    external = _EXTERNAL.get(delivery.channel)
    if external is not None and external.max_attempts is not None:
        return external.max_attempts()
    return int(settings.CITYLOOP_WEBHOOK_MAX_ATTEMPTS)


def claimable(queryset: models.QuerySet[Any]) -> models.QuerySet[Any]:
    """Claim rows: on PostgreSQL skip rows another worker holds; SQLite has one writer at a time."""
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset


def recipients_of(notice: Outbox, on: dt.date) -> list[User]:
    """The active users a notice goes to: those named, and the active members of the units named."""
    ids = set(notice.recipient_users)
    if notice.recipient_units:
        ids |= set(
            Membership.objects.active(on)
            .filter(unit_id__in=notice.recipient_units)
            .values_list("user_id", flat=True)
        )
    return list(User.objects.filter(pk__in=ids, is_active=True).order_by("pk"))


def fan_out(notice: Outbox, now: dt.datetime) -> None:
    """Write the notice into each recipient's inbox and create its external deliveries."""
    users = recipients_of(notice, now.date())
    InboxMessage.objects.bulk_create(
        [
            InboxMessage(
                outbox=notice,
                user=user,
                kind=notice.kind,
                title=notice.title[:200],
                body=notice.body,
                subject_type=notice.subject_type,
                subject_id=notice.subject_id,
                created_at=now,
            )
            for user in users
        ],
        ignore_conflicts=True,
    )
    deliveries = [
        Delivery(outbox=notice, channel=name, target=str(user.pk), next_attempt_at=now)
        for name in user_channels()
        for user in users
    ]
    deliveries += [
        Delivery(outbox=notice, channel=WEBHOOK, target=str(sub.pk), next_attempt_at=now)
        for sub in WebhookSubscription.objects.filter(active=True)
        if sub.wants(notice)
    ]
    deliveries += [
        Delivery(outbox=notice, channel=external.name, target=target, next_attempt_at=now)
        for external in _EXTERNAL.values()
        for target in external.targets(notice)
    ]
    Delivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    notice.status = OutboxStatus.DISPATCHED
    notice.dispatched_at = now
    notice.save(update_fields=["status", "dispatched_at"])


def dispatch_pending(now: dt.datetime) -> int:
    """Fan out every pending notice; returns how many this worker handled."""
    handled, broken = 0, set[int]()
    # Where rows can be locked one by one (PostgreSQL), a batch is claimed together and other workers
    # skip it. SQLite has one writer at a time: a batch's transaction would hold every intake off for
    # all its fan-outs (50 of them: a tenth of a second, the hotline bench's p99 doubled), so there
    # each notice is fanned out in a transaction of its own and the writers take turns between them.
    size = BATCH if connection.features.has_select_for_update_skip_locked else 1
    while True:
        pending = Outbox.objects.filter(status=OutboxStatus.PENDING).exclude(pk__in=broken).order_by("id")
        with transaction.atomic():
            batch = list(claimable(pending)[:size])
            for notice in batch:
                try:
                    with transaction.atomic():
                        fan_out(notice, now)
                except Exception:  # one broken notice must not hold up the others; it stays pending
                    logger.exception("could not fan out notice %s", notice.pk)
                    broken.add(notice.pk)
        handled += len(batch)
        if len(batch) < size:
            return handled


def backoff_ceiling(attempts: int) -> dt.timedelta:
    """The longest wait after ``attempts`` failed tries: doubling from the base, capped."""
    base = float(settings.CITYLOOP_WEBHOOK_BACKOFF_SECONDS)
    cap = float(settings.CITYLOOP_WEBHOOK_BACKOFF_MAX_SECONDS)
    return dt.timedelta(seconds=min(cap, base * 2 ** max(attempts - 1, 0)))


def backoff(attempts: int, rng: random.Random | None = None) -> dt.timedelta:
    """Wait before the next try after ``attempts`` failed ones: anywhere up to the ceiling ("full
    jitter"), so the deliveries that failed together, when a receiver was down, do not all come
    back at the same moment; at least a second."""
    ceiling = backoff_ceiling(attempts).total_seconds()
    return dt.timedelta(seconds=max(1.0, (rng or _jitter).uniform(0, ceiling)))


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=2 * float(settings.CITYLOOP_WEBHOOK_TIMEOUT_SECONDS) + 30)


def _claim(now: dt.datetime) -> list[Delivery]:
    with transaction.atomic():
        due = (
            Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
            .filter(models.Q(lease_until__isnull=True) | models.Q(lease_until__lt=now))
            .order_by("next_attempt_at", "id")
        )
        batch = list(claimable(due)[:BATCH])
        for delivery in batch:
            delivery.attempts += 1
            delivery.lease_until = now + _lease()
            delivery.save(update_fields=["attempts", "lease_until"])
    return batch


def webhook_body(notice: Outbox) -> bytes:
    """The JSON a webhook receives, byte for byte what is signed."""
    data = {
        "id": notice.pk,
        "kind": notice.kind,
        "dedupe_key": notice.dedupe_key,
        "subject_type": notice.subject_type,
        "subject_id": notice.subject_id,
        "district_id": notice.district_id,
        "created_at": notice.created_at.isoformat(),
        "payload": notice.payload,
    }
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def webhook_message_id(delivery: Delivery) -> str:
    """The ``webhook-id`` of a delivery: the same on every retry, for receivers to dedupe on."""
    return f"msg_{delivery.pk}"


def _send(delivery: Delivery, now: dt.datetime) -> None:
    notice = delivery.outbox
    if delivery.channel == WEBHOOK:
        sub = WebhookSubscription.objects.filter(pk=int(delivery.target)).first()
        if sub is None or not sub.active:
            raise DeliveryError("the webhook subscription was removed or deactivated", permanent=True)
        body = webhook_body(notice)
        # Signed at this attempt's time: a retry an hour later is still within the receiver's window.
        signed = sign_headers(sub.live_secrets(now), webhook_message_id(delivery), now, body)
        post_webhook(sub.url, body, event=notice.kind, signed=signed)
        return
    external = _EXTERNAL.get(delivery.channel)
    if external is not None:
        external.send(delivery, now)
        return
    channel = user_channels().get(delivery.channel)
    user = User.objects.filter(pk=int(delivery.target)).first()
    if channel is None or user is None:
        raise DeliveryError(f"channel {delivery.channel!r} or its user is gone", permanent=True)
    channel.send(
        ChannelMessage(
            delivery_id=delivery.pk,
            kind=notice.kind,
            title=notice.title,
            body=notice.body,
            subject_type=notice.subject_type,
            subject_id=notice.subject_id,
            user_id=user.pk,
            username=user.username,
            display_name=user.display_name,
            phone=user.phone,
            email=user.email,
            payload=notice.payload,
        )
    )


def _record(delivery: Delivery, now: dt.datetime, error: DeliveryError | None) -> None:
    update: dict[str, Any] = {"lease_until": None}
    if error is None:
        update |= {"status": DeliveryStatus.SENT, "sent_at": now, "last_error": ""}
    elif isinstance(error, DeliveryDeferred):
        # Waiting is not failing: the attempt the claim counted is given back.
        update |= {
            "next_attempt_at": max(error.until, now + dt.timedelta(milliseconds=200)),
            "attempts": max(delivery.attempts - 1, 0),
            "last_error": str(error),
        }
    elif error.permanent or delivery.attempts >= max_attempts(delivery):
        update |= {"status": DeliveryStatus.FAILED, "failed_at": now, "last_error": str(error)}
        logger.warning("gave up delivery %s after %s attempts: %s", delivery, delivery.attempts, error)
    else:
        update |= {"next_attempt_at": now + backoff(delivery.attempts), "last_error": str(error)}
    Delivery.objects.filter(pk=delivery.pk).update(**update)


def send_due(now: dt.datetime) -> dict[str, int]:
    """Send every delivery due at ``now``; counts of sent, retried later and failed."""
    counts = {"sent": 0, "retry": 0, "failed": 0, "deferred": 0}
    while True:
        batch = _claim(now)
        for delivery in batch:
            try:
                _send(delivery, now)
                error = None
            except DeliveryError as exc:
                error = exc
            except Exception as exc:  # a broken channel must not stop the others
                logger.exception("channel %s raised", delivery.channel)
                error = DeliveryError(f"{type(exc).__name__}: {exc}")
            _record(delivery, now, error)
            if error is None:
                counts["sent"] += 1
            elif isinstance(error, DeliveryDeferred):
                counts["deferred"] += 1
            elif error.permanent or delivery.attempts >= max_attempts(delivery):
                counts["failed"] += 1
            else:
                counts["retry"] += 1
        if len(batch) < BATCH:
            if not counts["deferred"]:  # only channels that keep an order defer: say so when they did
                del counts["deferred"]
            return counts


def deliver(now: dt.datetime) -> dict[str, int]:
    """Fan out pending notices and send what is due: one delivery pass of the worker."""
    dispatched = dispatch_pending(now)
    return {"dispatched": dispatched, **send_due(now)}
