"""Writes people make to notifications: reading inbox messages, managing webhook subscriptions.

(The worker's bookkeeping of outbox and delivery rows is infrastructure, like the job queue, and is
not audited row by row; the change that caused a notice is.)
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import User

from .models import InboxMessage, WebhookSubscription
from .signing import new_secret


@domain_action
def mark_read(message: InboxMessage, *, actor: User, at: dt.datetime | None = None) -> InboxMessage:
    """Mark one of the actor's own inbox messages read (reading it again changes nothing)."""
    if message.user_id != actor.pk:
        raise PermissionDenied("you can only mark your own messages read")
    if message.read_at is None:
        message.read_at = at or timezone.now()
        message.save(update_fields=["read_at"])
        record(actor, "inbox.read", message, after={"read_at": message.read_at})
    return message


@domain_action
def mark_all_read(*, actor: User, at: dt.datetime | None = None) -> int:
    """Mark every unread message of the actor read; returns how many."""
    count = InboxMessage.objects.filter(user=actor, read_at__isnull=True).update(read_at=at or timezone.now())
    if count:
        record(actor, "inbox.read_all", actor, after={"count": count})
    return count


@domain_action
def save_webhook(*, actor: User, subscription: WebhookSubscription) -> WebhookSubscription:
    """Create or change a webhook subscription. A new one without a secret gets a generated one
    (``whsec_…``), to be shown to its owner once; secrets never reach the audit log."""
    before = (
        snapshot(WebhookSubscription.objects.get(pk=subscription.pk), _PUBLIC) if subscription.pk else None
    )
    if not subscription.secret:
        subscription.secret = new_secret()
    subscription.full_clean()
    subscription.save()
    record(actor, "webhook.save", subscription, before=before, after=snapshot(subscription, _PUBLIC))
    return subscription


@domain_action
def rotate_webhook_secret(
    *,
    actor: User,
    subscription: WebhookSubscription,
    grace: dt.timedelta | None = None,
    now: dt.datetime | None = None,
) -> str:
    """Give a subscription a new secret and return it (shown once). The old one keeps signing
    beside it for ``grace`` (``CITYLOOP_WEBHOOK_SECRET_GRACE_HOURS``), so the receiver can switch."""
    now = now or timezone.now()
    if grace is None:
        grace = dt.timedelta(hours=float(settings.CITYLOOP_WEBHOOK_SECRET_GRACE_HOURS))
    secret = new_secret()
    subscription.previous_secret = subscription.secret
    subscription.previous_secret_until = now + grace
    subscription.secret = secret
    subscription.save(update_fields=["secret", "previous_secret", "previous_secret_until"])
    record(
        actor,
        "webhook.save",
        subscription,
        after={"secret": "rotated", "previous_secret_until": subscription.previous_secret_until},
    )
    return secret


@domain_action
def delete_webhook(*, actor: User, subscription: WebhookSubscription) -> None:
    """Remove a webhook subscription; its pending deliveries give up at their next attempt."""
    record(actor, "webhook.delete", subscription, before=snapshot(subscription, _PUBLIC))
    subscription.delete()


_PUBLIC = ["id", "name", "url", "kinds", "district", "active"]
