"""The catalog (GB/T 30428.2): component and event classes and subclasses, urgency levels,
registration conditions with their disposal time limits, and step time limits.

Everything here is data with effective dates. A subclass is retired from a day rather than deleted,
and a changed condition or step limit is a new row (a new version): a case keeps pointing at the
version that applied on its registration day, so its deadline can be reproduced later.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import Unit

EPOCH = dt.date(2000, 1, 1)


class Kind(models.TextChoices):
    COMPONENT = "component", _("Component")
    EVENT = "event", _("Event")


class TimeUnit(models.TextChoices):
    """Units of a time limit. Whether minutes and hours count working time or clock time depends on
    the urgency (urgent cases count calendar time); ``hour`` is always a clock hour."""

    MINUTE = "minute", _("minutes")
    WORKING_HOUR = "working_hour", _("working hours")
    HOUR = "hour", _("clock hours")
    WORKING_DAY = "working_day", _("working days")
    CALENDAR_DAY = "calendar_day", _("calendar days")


class Step(models.TextChoices):
    """The timed steps of the closed loop other than disposal (whose limit comes from the condition).

    ``accept`` (the operator answers a report: accept or send for verification) and ``send_check``
    (the operator sends a disposed case for check) time the acceptance operator's own work."""

    ACCEPT = "accept", _("Accept")
    VERIFY = "verify", _("Verify")
    REGISTER = "register", _("Register")
    DISPATCH = "dispatch", _("Dispatch")
    SEND_CHECK = "send_check", _("Send for check")
    CHECK = "check", _("Check")
    CLOSE = "close", _("Close")


_CODE = RegexValidator(r"^\d{2}(\d{2})?$", _("a class code has 2 digits, a subclass code 4"))


def is_local_code(code: str) -> bool:
    """Whether a class or subclass code is a local extension: classes 07 and up, subclasses 90–98.

    Subclass 99 means "other" in the standard's own numbering, so it is not a local extension.
    """
    if int(code[:2]) >= 7:
        return True
    return len(code) == 4 and code[2] == "9" and code[3] != "9"


class CategoryQuerySet(models.QuerySet["Category"]):
    def active(self, on: dt.date | None = None) -> CategoryQuerySet:
        """Classes and subclasses in use on day ``on`` (today by default)."""
        on = on or timezone.localdate()
        return self.filter(valid_from__lte=on).filter(
            models.Q(retired_from__isnull=True) | models.Q(retired_from__gt=on)
        )

    def classes(self) -> CategoryQuerySet:
        return self.filter(parent__isnull=True)

    def subclasses(self) -> CategoryQuerySet:
        return self.filter(parent__isnull=False)


class Category(models.Model):
    """A class (2-digit code, no parent) or subclass (4-digit code under its class) of components or
    events. Event and component codes overlap (event 0101 is not component 0101), so ``kind`` is
    part of the key."""

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=4, validators=[_CODE])
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subclasses",
        verbose_name=_("class"),
    )
    is_local = models.BooleanField(
        _("local extension"), default=False, help_text=_("Classes 07 and up and subclasses 90–98.")
    )
    valid_from = models.DateField(_("in use from"), default=EPOCH)
    retired_from = models.DateField(_("retired from"), null=True, blank=True)
    # Where and when two reports probably tell of the same problem (cases.duplicates): a fixed
    # object is reported at itself (a manhole cover: 30 m), a smell or noise from anywhere around it.
    duplicate_radius_m = models.PositiveSmallIntegerField(
        _("duplicate radius (m)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(5), MaxValueValidator(1000)],
        help_text=_(
            "Open cases this close are offered as likely duplicates; empty: the class's, "
            "else 300 m (30 m for components)."
        ),
    )
    duplicate_days = models.PositiveSmallIntegerField(
        _("duplicate window (days)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
        help_text=_("Reports this many days apart or less; empty: the class's, else 7 days."),
    )

    objects = CategoryQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["kind", "code"]
        verbose_name = _("class or subclass")
        verbose_name_plural = _("classes and subclasses")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["kind", "code"], name="catalog_category_kind_code"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def is_class(self) -> bool:
        return len(self.code) == 2

    def is_active(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.valid_from <= on and (self.retired_from is None or on < self.retired_from)


class Urgency(models.Model):
    """An urgency level (urgent, normal …). Urgent cases count calendar time, others working time."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    counts_clock_time = models.BooleanField(
        _("counts clock time"),
        default=False,
        help_text=_("Count calendar time (nights, weekends, holidays) instead of working time."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering: ClassVar = ["order", "code"]
        verbose_name = _("urgency level")
        verbose_name_plural = _("urgency levels")

    def __str__(self) -> str:
        return self.name


class VersionedQuerySet(models.QuerySet):
    def valid_at(self, on: dt.date | None = None) -> models.QuerySet:
        """Versions in force on day ``on`` (today by default)."""
        on = on or timezone.localdate()
        return self.filter(valid_from__lte=on).filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=on)
        )


class Condition(models.Model):
    """A registration condition (立案条件) of a subclass: when a problem may be registered, how long the
    responsible unit has to dispose of it, and when the case may be closed.

    Numbered per subclass. A condition with a ``region`` (a district or street) replaces the general
    condition with the same number inside that region. Each row is one version, in force from
    ``valid_from`` until ``valid_to`` (exclusive); the row's id is the version a case records.
    """

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="conditions", verbose_name=_("subclass")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    region = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
        help_text=_("A district or street where this condition replaces the general one."),
    )
    description = models.CharField(_("registration condition"), max_length=300)
    description_en = models.CharField(_("registration condition (English)"), max_length=300, blank=True)
    closure = models.CharField(_("closure condition"), max_length=300, blank=True)
    closure_en = models.CharField(_("closure condition (English)"), max_length=300, blank=True)
    urgency = models.ForeignKey(
        Urgency, on_delete=models.PROTECT, related_name="+", verbose_name=_("urgency")
    )
    limit_amount = models.PositiveIntegerField(_("disposal time limit"))
    limit_unit = models.CharField(_("time limit unit"), max_length=16, choices=TimeUnit.choices)
    version = models.PositiveSmallIntegerField(_("version"), default=1)
    valid_from = models.DateField(_("valid from"), default=EPOCH)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    source_note = models.CharField(_("source"), max_length=200, blank=True)

    objects = VersionedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["category__kind", "category__code", "number", "region_id", "valid_from"]
        verbose_name = _("registration condition")
        verbose_name_plural = _("registration conditions")
        indexes: ClassVar = [models.Index(fields=["category", "number", "valid_from"])]

    def __str__(self) -> str:
        where = f" @{self.region.code}" if self.region_id and self.region else ""
        return f"{self.category.code}-{self.number}{where} v{self.version}: {self.description}"

    @property
    def version_ref(self) -> int:
        """What a case stores to remember which version set its limit (the row id)."""
        return self.pk


class StepLimit(models.Model):
    """The time limit of one step (verify, register, dispatch, check, close) for one urgency, as a
    version in force from ``valid_from`` until ``valid_to`` (exclusive)."""

    step = models.CharField(_("step"), max_length=16, choices=Step.choices)
    urgency = models.ForeignKey(
        Urgency, on_delete=models.PROTECT, related_name="+", verbose_name=_("urgency")
    )
    amount = models.PositiveIntegerField(_("time limit"))
    unit = models.CharField(_("time limit unit"), max_length=16, choices=TimeUnit.choices)
    valid_from = models.DateField(_("valid from"), default=EPOCH)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)

    objects = VersionedQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["step", "urgency__order", "valid_from"]
        verbose_name = _("step time limit")
        verbose_name_plural = _("step time limits")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["step", "urgency", "valid_from"], name="catalog_steplimit_version"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} · {self.urgency} · {self.amount} {self.get_unit_display()}"
