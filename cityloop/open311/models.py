"""Client applications that post service requests, and what a case reported through Open311 keeps
beside it (which client sent it, the media URL, the attributes given)."""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ClientApplication(models.Model):
    """An application (a city's app, FixMyStreet, a 311 portal) allowed to post service requests with
    its ``api_key``. Only a digest of the key is stored; the key itself is shown once, when issued."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    prefix = models.CharField(_("key prefix"), max_length=12, help_text=_("the key's first characters"))
    key_hash = models.CharField(max_length=64, unique=True)
    rate_limit = models.CharField(
        _("rate limit"),
        max_length=16,
        blank=True,
        help_text=_(
            "e.g. 600/m; empty: the server's default (CITYLOOP_RATELIMIT_OPEN311_KEY); none: no limit"
        ),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("Open311 client application")
        verbose_name_plural = _("Open311 client applications")
        ordering: ClassVar = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceRequest(models.Model):
    """A case that came in through Open311: the client that posted it and what GeoReport carries that
    a case has no column for. The case itself is an ordinary case of channel ``open311``."""

    case = models.OneToOneField(
        "cases.Case",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="open311_request",
        verbose_name=_("case"),
    )
    client = models.ForeignKey(
        ClientApplication, on_delete=models.PROTECT, related_name="requests", verbose_name=_("client")
    )
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    account_id = models.CharField(_("account id at the client"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("Open311 service request")
        verbose_name_plural = _("Open311 service requests")

    def __str__(self) -> str:
        return f"{self.client} → {self.case_id}"
