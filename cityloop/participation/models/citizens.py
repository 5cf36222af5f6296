"""Citizens known by a verified phone number, the codes that verify them, their points (随手拍), the
city's switches, and alerts for an area drawn on the public map."""

from __future__ import annotations

from typing import ClassVar

import shapely
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Verification(models.Model):
    """A one-time code sent to a phone (or an alert's address) to prove the sender holds it.

    Only the code's hash is kept; it expires, and it is spent after ``MAX_ATTEMPTS`` wrong tries."""

    MAX_ATTEMPTS = 5

    purpose = models.CharField(_("purpose"), max_length=16)  # "phone" or "alert"
    target = models.CharField(_("target"), max_length=200)  # the phone, or "<channel>:<address>"
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("verification code")
        verbose_name_plural = _("verification codes")
        indexes: ClassVar = [
            models.Index(fields=["purpose", "target", "created_at"], name="verif_target_idx")
        ]

    def __str__(self) -> str:
        return f"{self.purpose} {self.target}"


class Citizen(models.Model):
    """A person who proved a mobile number: earns points, volunteers, answers surveys, suggests."""

    phone = models.CharField(_("phone"), max_length=32, unique=True)
    nickname = models.CharField(_("nickname"), max_length=30, blank=True)
    points = models.IntegerField(_("points"), default=0)
    verified_at = models.DateTimeField(_("verified at"), default=timezone.now)

    class Meta:
        verbose_name = _("citizen")
        verbose_name_plural = _("citizens")
        indexes: ClassVar = [models.Index(fields=["-points", "id"], name="citizen_points_idx")]

    def __str__(self) -> str:
        return self.masked_phone

    @property
    def masked_phone(self) -> str:
        """138****5678: what a leaderboard or a staff list of the public may show."""
        digits = self.phone
        return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 8 else "****"

    @property
    def masked_name(self) -> str:
        """The nickname with all but its first character hidden, else the masked phone."""
        name = self.nickname.strip()
        return f"{name[0]}{'*' * max(1, len(name) - 1)}" if name else self.masked_phone


class CitySetting(models.Model):
    """The city's switches for public participation: one row (pk 1), edited by staff."""

    leaderboard_enabled = models.BooleanField(_("show the points leaderboard"), default=False)
    staff_photos_public = models.BooleanField(
        _("photos of staff-reported cases are public"),
        default=False,
        help_text=_("Citizens' photos are public only where the reporter agreed."),
    )
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("participation setting")
        verbose_name_plural = _("participation settings")

    def __str__(self) -> str:
        return "participation settings"

    @classmethod
    def current(cls) -> CitySetting:
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class PointRule(models.Model):
    """Points for an event (``report_registered``: a report registered as a valid case): data, so the
    city changes the amounts or switches a rule off; each award remembers its rule and amount."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50)
    points = models.PositiveSmallIntegerField(_("points"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("points rule")
        verbose_name_plural = _("points rules")
        ordering: ClassVar = ["code"]

    def __str__(self) -> str:
        return self.name


class PointAward(models.Model):
    """Points one citizen earned for one case (at most once per rule and case)."""

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="awards")
    rule = models.ForeignKey(PointRule, on_delete=models.PROTECT, related_name="+")
    points = models.SmallIntegerField()
    # The case, by id and number: cases live above this registry.
    case_id = models.BigIntegerField()
    case_number = models.CharField(max_length=32)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("points award")
        verbose_name_plural = _("points awards")
        ordering: ClassVar = ["-at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["rule", "case_id"], name="award_once_per_case")
        ]

    def __str__(self) -> str:
        return f"{self.citizen} +{self.points}"


class AlertChannel(models.TextChoices):
    EMAIL = "email", _("email")
    WECHAT = "wechat", _("WeChat")
    SMS = "sms", _("SMS")


class AlertSubscription(models.Model):
    """A citizen's area (polygon, or circle kept as its polygon) and where to send what happens in it.

    Nothing is sent before the address is confirmed with the code sent to it; the token in every
    message's unsubscribe link ends it."""

    channel = models.CharField(_("channel"), max_length=8, choices=AlertChannel.choices)
    address = models.CharField(_("address"), max_length=200)
    geom_wkb = models.BinaryField()
    radius_m = models.PositiveIntegerField(null=True, blank=True)
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    area_km2 = models.FloatField()
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("area alert")
        verbose_name_plural = _("area alerts")
        indexes: ClassVar = [
            models.Index(fields=["min_lon", "max_lon", "min_lat", "max_lat"], name="alert_bbox_idx")
        ]

    def __str__(self) -> str:
        return f"{self.channel} alert {self.pk}"

    @property
    def geometry(self) -> shapely.Geometry:
        return shapely.from_wkb(bytes(self.geom_wkb))

    @property
    def live(self) -> bool:
        return self.confirmed_at is not None and self.cancelled_at is None


class AlertEvent(models.Model):
    """Something that happened in a subscribed area, waiting for the next batch to send it."""

    subscription = models.ForeignKey(AlertSubscription, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=8)  # "new" or "closed"
    case_id = models.BigIntegerField()
    case_number = models.CharField(max_length=32)
    category = models.CharField(max_length=100, blank=True)
    at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["subscription", "case_id", "kind"], name="alert_event_once")
        ]
        indexes: ClassVar = [models.Index(fields=["sent_at", "subscription"], name="alert_event_due_idx")]

    def __str__(self) -> str:
        return f"{self.kind} {self.case_number}"
