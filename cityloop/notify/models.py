"""The notification outbox and what the channels made of it: inbox messages and external deliveries.

A notice is written to the outbox in the same transaction as the change that caused it, with a
unique dedupe key, so it exists exactly when the change does and can never be queued twice. The
worker then fans each notice out: an in-app message per recipient user (in the database, so exactly
once) and one delivery row per external target (webhook subscription, SMS, WeChat), retried with
backoff until sent or given up.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import Unit


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DISPATCHED = "dispatched", _("dispatched to channels")


class Outbox(models.Model):
    """One notice to deliver: what happened, to whom (users and/or units), and its dedupe key."""

    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    subject_type = models.CharField(max_length=64, blank=True, verbose_name=_("subject type"))
    subject_id = models.CharField(max_length=64, blank=True, verbose_name=_("subject id"))
    district = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    payload = models.JSONField(default=dict, blank=True)
    recipient_users = models.JSONField(default=list, blank=True)
    recipient_units = models.JSONField(default=list, blank=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, unique=True)
    status = models.CharField(
        max_length=12, choices=OutboxStatus.choices, default=OutboxStatus.PENDING, verbose_name=_("status")
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    dispatched_at = models.DateTimeField(null=True, blank=True, verbose_name=_("dispatched at"))

    class Meta:
        verbose_name = _("outbox notice")
        verbose_name_plural = _("outbox")
        ordering: ClassVar = ["id"]
        indexes: ClassVar = [models.Index(fields=["status", "id"], name="outbox_status_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.dedupe_key}"

    @property
    def title(self) -> str:
        return str(self.payload.get("title") or self.kind)

    @property
    def body(self) -> str:
        return str(self.payload.get("body") or "")


class InboxMessage(models.Model):
    """A notice in one user's in-app inbox (站内信), read or unread."""

    outbox = models.ForeignKey(Outbox, on_delete=models.CASCADE, related_name="inbox_messages")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inbox", verbose_name=_("user")
    )
    kind = models.CharField(max_length=64, verbose_name=_("kind"))
    title = models.CharField(max_length=200, verbose_name=_("title"))
    body = models.TextField(blank=True)
    subject_type = models.CharField(max_length=64, blank=True)
    subject_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    read_at = models.DateTimeField(null=True, blank=True, verbose_name=_("read at"))

    class Meta:
        verbose_name = _("inbox message")
        verbose_name_plural = _("inbox messages")
        ordering: ClassVar = ["-created_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["outbox", "user"], name="inbox_once_per_user"),
        ]
        indexes: ClassVar = [models.Index(fields=["user", "read_at", "created_at"], name="inbox_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.title}"


class WebhookSubscription(models.Model):
    """An outside system that receives notices as JSON POSTs signed by the Standard Webhooks scheme.

    The secret is generated and shown once when the subscription is made; after a rotation the
    previous secret keeps signing beside the new one until ``previous_secret_until``.
    """

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("signing secret"), max_length=200)
    previous_secret = models.CharField(_("previous signing secret"), max_length=200, blank=True)
    previous_secret_until = models.DateTimeField(_("previous secret signs until"), null=True, blank=True)
    kinds = models.JSONField(
        _("notice kinds"), default=list, blank=True, help_text=_("empty: every kind; else a list of kinds")
    )
    district = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("empty: all"),
        verbose_name=_("district"),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return f"{self.name} → {self.url}"

    def live_secrets(self, now: dt.datetime) -> list[str]:
        """The secrets a delivery at ``now`` is signed with: the current one, and the previous one
        during its grace period."""
        live = [self.secret]
        if self.previous_secret and self.previous_secret_until and now < self.previous_secret_until:
            live.append(self.previous_secret)
        return live

    def wants(self, notice: Outbox) -> bool:
        if self.kinds and notice.kind not in self.kinds:
            return False
        return self.district_id is None or self.district_id == notice.district_id


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed (given up)")


class Delivery(models.Model):
    """One notice to one external target (a webhook subscription, or a user's SMS or WeChat).

    A worker takes a lease on the row before sending, so two workers never send it at once; a
    worker that dies mid-send lets the lease expire and the next one retries.
    """

    outbox = models.ForeignKey(
        Outbox, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("outbox")
    )
    channel = models.CharField(max_length=32, verbose_name=_("channel"))
    target = models.CharField(
        max_length=64, help_text=_("subscription id or user id"), verbose_name=_("target")
    )
    status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, verbose_name=_("status")
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    next_attempt_at = models.DateTimeField(default=timezone.now, verbose_name=_("next attempt at"))
    lease_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        ordering: ClassVar = ["id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["outbox", "channel", "target"], name="delivery_once_per_target"),
        ]
        indexes: ClassVar = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.channel}:{self.target} {self.status}"
