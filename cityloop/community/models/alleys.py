"""背街小巷: alley segments with a fixed point, post, person and duties (定点定岗定人定责), the
daily patrol check-ins, and the district's inspections that the street fixes (区查街改)."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import shapely
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import Unit


class WorkloadBasis(models.TextChoices):
    KM = "km", _("per kilometre of alley")
    SEGMENT = "segment", _("per alley segment")


class AlleySegment(models.Model):
    """A stretch of back alley (a line) that one person answers for."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    street = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("street"))
    community = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("community")
    )
    geom_wkb = models.BinaryField(_("line (WKB)"))
    length_m = models.FloatField(_("length (m)"))
    # A representative point and box for lists and map windows without parsing WKB.
    lon = models.FloatField()
    lat = models.FloatField()
    fixed_point = models.CharField(_("fixed point"), max_length=100, blank=True)
    post = models.CharField(_("post"), max_length=50)
    duties = models.CharField(_("duties"), max_length=300)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="alley_segments"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering: ClassVar = ["street_id", "code"]
        verbose_name = _("alley segment")
        verbose_name_plural = _("alley segments")

    def __str__(self) -> str:
        return self.name

    @property
    def geometry(self) -> shapely.Geometry:
        return shapely.from_wkb(bytes(self.geom_wkb))


class AlleyCheckIn(models.Model):
    """A daily patrol check-in on a phone: where the person stood, what they found, a photo."""

    segment = models.ForeignKey(AlleySegment, on_delete=models.CASCADE, related_name="checkins")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    day = models.DateField(db_index=True)
    lon = models.FloatField()
    lat = models.FloatField()
    distance_m = models.FloatField(_("distance from the alley (m)"))
    findings = models.CharField(_("findings"), max_length=300, blank=True)
    photo = models.FileField(upload_to="alleys/%Y/%m/", blank=True)

    class Meta:
        ordering: ClassVar = ["-at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["segment", "user", "day"], name="alley_checkin_once_a_day")
        ]

    def __str__(self) -> str:
        return f"{self.segment_id} {self.day}"


class AlleyInspection(models.Model):
    """A finding of the district's inspection on a segment (区查), and the street's fix (街改)."""

    segment = models.ForeignKey(AlleySegment, on_delete=models.PROTECT, related_name="inspections")
    street = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    inspected_on = models.DateField(_("inspected on"), db_index=True)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    finding = models.CharField(_("finding"), max_length=300)
    points = models.DecimalField(_("deduction points"), max_digits=5, decimal_places=1)
    fix_by = models.DateField(_("fix by"))
    fixed_at = models.DateTimeField(_("fixed"), null=True, blank=True)
    fix_note = models.CharField(_("fix"), max_length=300, blank=True)
    fixed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["-inspected_on", "-id"]
        indexes: ClassVar = [models.Index(fields=["street", "inspected_on"], name="alley_insp_street_idx")]

    def __str__(self) -> str:
        return self.finding


class AlleyWeighting(models.Model):
    """How a street's findings are weighed by its workload (地域差异化), from a day on: per km of
    alley or per segment, and how many points are forgiven for findings fixed in time."""

    valid_from = models.DateField(_("valid from"), unique=True)
    basis = models.CharField(_("workload basis"), max_length=16, choices=WorkloadBasis.choices)
    fixed_in_time_factor = models.DecimalField(
        _("share of points kept when fixed in time"), max_digits=3, decimal_places=2, default=0.5
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering: ClassVar = ["-valid_from"]
        verbose_name = _("alley workload weighting")
        verbose_name_plural = _("alley workload weightings")

    def __str__(self) -> str:
        return f"{self.valid_from} {self.basis}"

    @classmethod
    def on(cls, day: dt.date) -> AlleyWeighting:
        """The weighting in force on ``day`` (per km, half points for fixed findings, if none)."""
        found = cls.objects.filter(valid_from__lte=day).order_by("-valid_from").first()
        return found or cls(valid_from=dt.date(2000, 1, 1), basis=WorkloadBasis.KM)
