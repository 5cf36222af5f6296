"""Volunteers and citizen representatives (志愿者, 市民代表), the monthly themed activities they join,
their cleanup records, representatives' supervision visits, and suggestions from anyone."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import Unit

from .citizens import Citizen


class VolunteerKind(models.TextChoices):
    VOLUNTEER = "volunteer", _("volunteer")
    REPRESENTATIVE = "representative", _("citizen representative")


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("awaiting approval")
    APPROVED = "approved", _("approved")
    REJECTED = "rejected", _("rejected")


class Volunteer(models.Model):
    """A citizen registered as a volunteer or representative of a street, approved by its staff."""

    citizen = models.OneToOneField(Citizen, on_delete=models.CASCADE, related_name="volunteer")
    kind = models.CharField(_("kind"), max_length=16, choices=VolunteerKind.choices)
    name = models.CharField(_("name"), max_length=50)
    street = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("street"))
    community = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("community")
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["street", "status"], name="volunteer_street_idx")]

    def __str__(self) -> str:
        return self.name


class ActivityStatus(models.TextChoices):
    OPEN = "open", _("open for sign-up")
    CLOSED = "closed", _("finished")
    CANCELLED = "cancelled", _("cancelled")


class Activity(models.Model):
    """A themed activity of a month (e.g. 清洁家园 cleanup) run by a street, with a capacity."""

    title = models.CharField(_("title"), max_length=100)
    theme = models.CharField(_("theme of the month"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    street = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("street"))
    community = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("community")
    )
    place = models.CharField(_("meeting place"), max_length=200)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"))
    status = models.CharField(max_length=12, choices=ActivityStatus.choices, default=ActivityStatus.OPEN)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering: ClassVar = ["-starts_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["street", "starts_at"], name="activity_street_idx")]

    def __str__(self) -> str:
        return self.title


class Signup(models.Model):
    """A volunteer's place in an activity; attendance and hours are recorded by staff afterwards."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="signups")
    created_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    attended = models.BooleanField(null=True)
    hours = models.DecimalField(max_digits=5, decimal_places=1, default=0)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["activity", "volunteer"], name="signup_once")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} @ {self.activity}"


class CleanupRecord(models.Model):
    """What a cleanup achieved: refuse collected (kg) and spots cleaned, with photos."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="cleanups")
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.PROTECT, null=True, blank=True, related_name="cleanups"
    )
    refuse_kg = models.DecimalField(_("refuse collected (kg)"), max_digits=8, decimal_places=1)
    spots_cleaned = models.PositiveIntegerField(_("spots cleaned"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.refuse_kg} kg, {self.spots_cleaned} spots"


class CleanupPhoto(models.Model):
    record = models.ForeignKey(CleanupRecord, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(upload_to="participation/%Y/%m/")
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()

    def __str__(self) -> str:
        return self.file.name


class SupervisionVisit(models.Model):
    """A representative's supervision visit (市民代表监督): where, when, and what was found."""

    representative = models.ForeignKey(Volunteer, on_delete=models.PROTECT, related_name="visits")
    place = models.CharField(_("place"), max_length=200)
    at = models.DateTimeField(_("visited at"))
    summary = models.CharField(_("summary"), max_length=1000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering: ClassVar = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.representative} {self.place}"


class Finding(models.Model):
    """One problem found on a visit; it becomes a report through the normal intake, whose case
    number is written back here."""

    visit = models.ForeignKey(SupervisionVisit, on_delete=models.CASCADE, related_name="findings")
    description = models.CharField(max_length=1000)
    lon = models.FloatField()
    lat = models.FloatField()
    case_id = models.BigIntegerField(null=True, blank=True)
    case_number = models.CharField(max_length=32, blank=True)
    tracking_code = models.CharField(max_length=12, blank=True)

    def __str__(self) -> str:
        return self.description[:40]


class Suggestion(models.Model):
    """A suggestion from a citizen to a street (or the city), answered by staff; the citizen reads
    the answer with their verified phone."""

    citizen = models.ForeignKey(Citizen, on_delete=models.CASCADE, related_name="suggestions")
    street = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("street")
    )
    title = models.CharField(_("title"), max_length=100)
    text = models.TextField(_("suggestion"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(_("answer"), blank=True, max_length=2000)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("suggestion")
        verbose_name_plural = _("suggestions")
        ordering: ClassVar = ["-created_at", "-id"]
        indexes: ClassVar = [models.Index(fields=["street", "answered_at"], name="suggestion_street_idx")]

    def __str__(self) -> str:
        return self.title
