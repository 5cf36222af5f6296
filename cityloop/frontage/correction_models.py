"""The case loop's side of frontage: which categories fall under which duty, how long a party has to
put a report right itself, and each case handed to a party first (自行纠正) with its answer."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import Unit
from cityloop.timeclock.units import TimeUnit

from .models import Duty, Party, Zone


class DutyCategory(models.Model):
    """Which duty a case category falls under (暴露垃圾 → 市容卫生, 店外经营 → 秩序 …): a report of that
    category inside a zone holding the duty goes to the zone's party first. A class code (2 digits)
    covers its subclasses; a subclass row wins over its class."""

    duty = models.ForeignKey(
        Duty, on_delete=models.CASCADE, related_name="categories", verbose_name=_("duty")
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=[("event", _("event")), ("component", _("component"))]
    )
    code = models.CharField(_("category code"), max_length=4, help_text=_("class (2 digits) or subclass (4)"))

    class Meta:
        ordering: ClassVar = ["kind", "code"]
        verbose_name = _("frontage duty category")
        verbose_name_plural = _("frontage duty categories")
        constraints: ClassVar = [models.UniqueConstraint(fields=["kind", "code"], name="dutycategory_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.code} → {self.duty}"


class CorrectionWindow(models.Model):
    """How long a party has to put a report right itself (自行纠正时限), per city or district or
    street (the nearest unit above the party's street wins; no unit: everywhere), with dates."""

    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("unit")
    )
    amount = models.DecimalField(_("amount"), max_digits=6, decimal_places=2)
    time_unit = models.CharField(_("time unit"), max_length=16, choices=TimeUnit.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("first day no longer valid")
    )

    class Meta:
        ordering: ClassVar = ["unit_id", "-valid_from"]
        verbose_name = _("self-correction window")
        verbose_name_plural = _("self-correction windows")

    def __str__(self) -> str:
        return f"{self.amount} {self.get_time_unit_display()}"


class CorrectionState(models.TextChoices):
    WAITING = "waiting", _("waiting for the party")
    FIXED = "fixed", _("fixed by the party")
    DECLINED = "declined", _("declined by the party")
    EXPIRED = "expired", _("not fixed in time")
    # The party said fixed, the supervisor's check found it was not: no credit for a fix, and the
    # case is back with the street as rework.
    REFUSED = "refused", _("fix refused at the check")


class SelfCorrection(models.Model):
    """A case handed to a party first (自行纠正): its window, and what the party answered.

    The case lives in the case loop above this app, so it is referred to by id and number, and what
    the party may see of it (category, description, place: never the reporter) is copied here."""

    case_id = models.PositiveBigIntegerField(_("case id"), unique=True)
    case_number = models.CharField(_("case number"), max_length=32, db_index=True)
    party = models.ForeignKey(
        Party, on_delete=models.PROTECT, related_name="corrections", verbose_name=_("party")
    )
    zone = models.ForeignKey(
        Zone, on_delete=models.PROTECT, related_name="corrections", verbose_name=_("zone")
    )
    duty = models.ForeignKey(Duty, on_delete=models.PROTECT, related_name="+", verbose_name=_("duty"))
    street = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("street"))
    district = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    kind = models.CharField(_("kind"), max_length=10)
    category_code = models.CharField(_("category code"), max_length=4)
    category_name = models.CharField(_("category"), max_length=100)
    description = models.CharField(_("description"), max_length=500)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    state = models.CharField(
        _("state"), max_length=10, choices=CorrectionState.choices, default=CorrectionState.WAITING
    )
    opened_at = models.DateTimeField(_("opened"))
    deadline_at = models.DateTimeField(_("deadline"))
    window = models.CharField(_("window"), max_length=40, help_text=_("the limit taken, e.g. 2 working_hour"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answer = models.CharField(_("answer"), max_length=500, blank=True)
    photo = models.FileField(_("photo"), upload_to="frontage/corrections/%Y/%m/", blank=True)
    photo_type = models.CharField(max_length=64, blank=True)
    photo_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering: ClassVar = ["-opened_at", "-id"]
        verbose_name = _("self-correction")
        verbose_name_plural = _("self-corrections")
        indexes: ClassVar = [
            models.Index(fields=["party", "state"], name="correction_party_idx"),
            models.Index(fields=["state", "deadline_at"], name="correction_due_idx"),
            models.Index(fields=["street", "opened_at"], name="correction_street_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_number} → {self.party}"
