"""Hotline platforms (12345 and the like), their work orders (tickets) and the messages exchanged.

A ticket is the hotline's view of one case: its id at the hotline, the hotline's own deadline (kept
beside CityLoop's step limits, never instead of them), and the numbered messages each side sent.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityloop.cases.models import Case
from cityloop.core.models import Unit


class Platform(models.Model):
    """A hotline platform CityLoop exchanges work orders with: its code (in the inbound address), the
    secret both directions are signed with, the URL CityLoop posts its messages to, and the service
    account its messages act as (roles held in ``unit`` and the districts under it)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    secret = models.CharField(_("signing secret"), max_length=200)
    callback_url = models.URLField(_("callback URL"), max_length=500)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("area served"),
        help_text=_("usually the city: the platform's work orders may lie anywhere under it"),
    )
    actor = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="hotline_platform",
        verbose_name=_("service account"),
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("hotline platform")
        verbose_name_plural = _("hotline platforms")
        ordering: ClassVar = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class HotlineChannel(models.TextChoices):
    """The hotline numbers a work order may come from, and the CityLoop channel each becomes."""

    H12345 = "12345", _("12345 government hotline")
    H12319 = "12319", _("12319 urban-construction hotline")
    H110 = "110", _("110 police transfer")


CASE_CHANNEL = {"12345": "hotline_12345", "12319": "hotline_12319", "110": "police_110"}


class Ticket(models.Model):
    """A hotline work order and the case it became (one each way)."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="hotline_ticket")
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="tickets")
    ticket_id = models.CharField(_("ticket id"), max_length=64)
    channel = models.CharField(_("hotline"), max_length=8, choices=HotlineChannel.choices)
    hotline_deadline = models.DateTimeField(_("hotline deadline"), null=True, blank=True)
    attachment_urls = models.JSONField(_("attachment URLs"), default=list, blank=True)
    located_by = models.CharField(max_length=12, default="coordinates")  # or "address"
    # The last sequence number used for a message to the hotline (1, 2, 3 … per ticket).
    out_seq = models.PositiveIntegerField(default=0)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("hotline ticket")
        verbose_name_plural = _("hotline tickets")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["platform", "ticket_id"], name="hotline_ticket_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.platform_id}:{self.ticket_id}"


class Direction(models.TextChoices):
    IN = "in", _("from the hotline")
    OUT = "out", _("to the hotline")


class Message(models.Model):
    """One message of a ticket's exchange. Outbound ones carry their per-ticket ``seq`` and the
    outbox notice that delivers them; inbound ones the sender's message id (a replay is recognised
    by it and answered as the first time, without acting twice)."""

    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="messages")
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, null=True, related_name="messages")
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    type = models.CharField(_("type"), max_length=32)
    seq = models.PositiveIntegerField(null=True, blank=True)
    message_id = models.CharField(max_length=100)
    body = models.JSONField(default=dict)
    answer = models.JSONField(default=dict, blank=True)  # inbound: what CityLoop answered
    status = models.PositiveSmallIntegerField(default=200)  # inbound: the HTTP status answered
    outbox = models.OneToOneField(
        "notify.Outbox", on_delete=models.SET_NULL, null=True, blank=True, related_name="hotline_message"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("hotline message")
        verbose_name_plural = _("hotline messages")
        ordering: ClassVar = ["created_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["platform", "direction", "message_id"], name="hotline_message_once"
            ),
            models.UniqueConstraint(
                fields=["ticket", "seq"], condition=models.Q(direction="out"), name="hotline_out_seq_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.type} {self.message_id}"
