"""Inspections (巡查) of frontage zones and the rectification notices (整改通知书) they give.

A street plans rounds (which parties, which day, who inspects). An inspection of one party ticks
each checklist item of the duties its zones hold; its score is the share of the items' weights that
passed. Each duty with a failed item gets a notice with a deadline in working days; a re-inspection
at or after the deadline closes the notice (rectified) or escalates it to a case in the case loop.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import Unit

from .models import Duty, Party


class ChecklistItem(models.Model):
    """One thing an inspector checks for a duty (data: a city edits, adds or retires items)."""

    duty = models.ForeignKey(Duty, on_delete=models.CASCADE, related_name="items", verbose_name=_("duty"))
    code = models.CharField(_("code"), max_length=32, unique=True)
    text = models.CharField(_("item"), max_length=200)
    weight = models.PositiveSmallIntegerField(_("weight"), default=10)
    # The case category (catalog event class code) a failure escalates to; empty: the duty's own.
    category = models.CharField(_("case category"), max_length=32, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering: ClassVar = ["duty__order", "order", "code"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self) -> str:
        return self.text


class RoundStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


class InspectionRound(models.Model):
    """A planned round of inspections in a street: its parties, its day and its inspector."""

    street = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("street"))
    title = models.CharField(_("title"), max_length=100)
    planned_on = models.DateField(_("day"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("inspector")
    )
    parties = models.ManyToManyField(Party, related_name="rounds", verbose_name=_("parties"))
    status = models.CharField(
        _("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.PLANNED
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering: ClassVar = ["-planned_on", "-id"]
        verbose_name = _("inspection round")
        verbose_name_plural = _("inspection rounds")
        indexes: ClassVar = [models.Index(fields=["street", "planned_on"], name="round_street_day_idx")]

    def __str__(self) -> str:
        return self.title


class InspectionKind(models.TextChoices):
    ROUTINE = "routine", _("routine inspection")
    RECHECK = "recheck", _("re-inspection")


class Inspection(models.Model):
    """One party inspected once: the ticks (``results``), photos, the score and who did it."""

    round = models.ForeignKey(
        InspectionRound, on_delete=models.SET_NULL, null=True, blank=True, related_name="inspections"
    )
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="inspections")
    street = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("street"))
    kind = models.CharField(
        _("kind"), max_length=8, choices=InspectionKind.choices, default=InspectionKind.ROUTINE
    )
    # For a re-inspection: the notice it re-inspects.
    notice = models.ForeignKey(
        "Notice", on_delete=models.SET_NULL, null=True, blank=True, related_name="rechecks"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("inspector")
    )
    inspected_at = models.DateTimeField(_("inspected"))
    score = models.PositiveSmallIntegerField(_("score"))
    passed = models.BooleanField(_("passed"))
    # Ids of photos uploaded through the cases' attachment machinery (cityloop.cases.attachments).
    photos = models.JSONField(_("photos"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    lon = models.FloatField(null=True, blank=True)
    lat = models.FloatField(null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["-inspected_at", "-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        indexes: ClassVar = [
            models.Index(fields=["party", "inspected_at"], name="inspection_party_idx"),
            models.Index(fields=["street", "inspected_at"], name="inspection_street_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.party_id}@{self.inspected_at:%Y-%m-%d}"


class InspectionResult(models.Model):
    """One checklist item of an inspection: passed or failed (with what was seen)."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="results")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    duty = models.ForeignKey(Duty, on_delete=models.PROTECT, related_name="+")
    ok = models.BooleanField(_("passed"))
    weight = models.PositiveSmallIntegerField(_("weight"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering: ClassVar = ["inspection_id", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["inspection", "item"], name="result_inspection_item_uniq")
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {'ok' if self.ok else 'failed'}"


class NoticeStatus(models.TextChoices):
    OPEN = "open", _("open")
    ANSWERED = "answered", _("answered as rectified")
    RECTIFIED = "rectified", _("rectified")
    ESCALATED = "escalated", _("escalated to a case")
    CANCELLED = "cancelled", _("cancelled")


OPEN_NOTICE_STATES = (NoticeStatus.OPEN, NoticeStatus.ANSWERED)


class Notice(models.Model):
    """A rectification notice (整改通知书): one duty's failed items of an inspection, to be put right
    by a deadline counted in working days."""

    number = models.CharField(_("number"), max_length=40, unique=True)
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="notices")
    street = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("street"))
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="notices")
    duty = models.ForeignKey(Duty, on_delete=models.PROTECT, related_name="+", verbose_name=_("duty"))
    items = models.ManyToManyField(ChecklistItem, related_name="+", verbose_name=_("failed items"))
    status = models.CharField(
        _("status"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.OPEN
    )
    issued_at = models.DateTimeField(_("issued"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    working_days = models.PositiveSmallIntegerField(_("working days"))
    deadline = models.DateTimeField(_("deadline"))
    # Which calendar gave the deadline (cityloop.timeclock), so it can be reproduced.
    calendar_id = models.PositiveIntegerField(null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answer_note = models.CharField(_("answer"), max_length=500, blank=True)
    answer_photos = models.JSONField(_("answer photos"), default=list, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The case it was escalated to (cases sit above frontage: referenced by id and number).
    case_id = models.PositiveBigIntegerField(null=True, blank=True)
    case_number = models.CharField(_("case number"), max_length=40, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="frontage/notices/%Y/", blank=True)

    class Meta:
        ordering: ClassVar = ["-issued_at", "-id"]
        verbose_name = _("rectification notice")
        verbose_name_plural = _("rectification notices")
        indexes: ClassVar = [
            models.Index(fields=["street", "status", "deadline"], name="notice_street_status_idx"),
            models.Index(fields=["party", "issued_at"], name="notice_party_idx"),
        ]

    def __str__(self) -> str:
        return self.number
