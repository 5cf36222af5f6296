"""IoT sensors on the street: the networks (vendor platforms) that post their readings, the devices
(manhole-cover tilt, underpass water level, bin fill, streetlight fault) with the component each
watches, the city's policy per kind, and every reading received with what it led to."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityloop.assets.models import Component
from cityloop.cases.models import Case
from cityloop.catalog.models import Category
from cityloop.core.models import Unit


class SensorKind(models.TextChoices):
    MANHOLE_TILT = "manhole_tilt", _("manhole-cover tilt")
    WATER_LEVEL = "water_level", _("underpass water level")
    BIN_FILL = "bin_fill", _("bin fill level")
    STREETLIGHT = "streetlight_fault", _("streetlight fault")


class Recovery(models.TextChoices):
    CLOSE = "close", _("close the case automatically")
    CHECK = "check", _("leave it for the supervisor's check")


class SensorNetwork(models.Model):
    """A platform that posts its devices' readings, signed with its secret, acting as its service
    account (acceptance operator and shift leader where its devices stand)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    secret = models.CharField(_("signing secret"), max_length=200)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("area served"))
    actor = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sensor_network"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("sensor network")
        verbose_name_plural = _("sensor networks")
        ordering: ClassVar = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class SensorPolicy(models.Model):
    """What the city does with one kind of sensor (data, editable): the category of its cases when
    the device watches no component, and whether a case closes itself when the device reports
    normal again within ``recovery_minutes`` of the alert, or waits for the supervisor's check."""

    kind = models.CharField(_("kind"), max_length=20, choices=SensorKind.choices, unique=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    recovery = models.CharField(_("on recovery"), max_length=8, choices=Recovery.choices, default="close")
    recovery_minutes = models.PositiveIntegerField(_("recovery window (minutes)"), default=240)

    class Meta:
        verbose_name = _("sensor policy")
        verbose_name_plural = _("sensor policies")

    def __str__(self) -> str:
        return f"{self.kind} → {self.category_id}"


class DeviceState(models.TextChoices):
    UNKNOWN = "unknown", _("no reading yet")
    NORMAL = "normal", _("normal")
    ALERT = "alert", _("alert")


class Device(models.Model):
    """One sensor, where it stands and what it watches; its last state and the open case it raised."""

    code = models.SlugField(_("device code"), max_length=40, unique=True)
    network = models.ForeignKey(SensorNetwork, on_delete=models.PROTECT, related_name="devices")
    kind = models.CharField(_("kind"), max_length=20, choices=SensorKind.choices)
    name = models.CharField(_("name"), max_length=100)
    component = models.ForeignKey(
        Component, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lon = models.FloatField()
    lat = models.FloatField()
    district = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", null=True, blank=True)
    state = models.CharField(_("state"), max_length=8, choices=DeviceState.choices, default="unknown")
    last_value = models.FloatField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)
    alert_since = models.DateTimeField(null=True, blank=True)
    open_case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("sensor device")
        verbose_name_plural = _("sensor devices")
        ordering: ClassVar = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Outcome(models.TextChoices):
    CASE = "case", _("case created")
    JOINED = "joined", _("joined the open case")
    CLOSED = "closed", _("case closed on recovery")
    LEFT = "left", _("recovery left for the check")
    NOTED = "noted", _("state noted")


class Reading(models.Model):
    """One reading as received: once per network message id."""

    network = models.ForeignKey(SensorNetwork, on_delete=models.PROTECT, related_name="+", db_index=False)
    message_id = models.CharField(max_length=100)
    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="readings")
    state = models.CharField(max_length=8, choices=DeviceState.choices)
    value = models.FloatField(null=True, blank=True)
    at = models.DateTimeField()
    received_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=8, choices=Outcome.choices)
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["network", "message_id"], name="sensors_reading_once")
        ]

    def __str__(self) -> str:
        return f"{self.device_id} {self.state} {self.at:%Y-%m-%d %H:%M}"
