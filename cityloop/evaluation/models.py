"""Scoring schemes (data, versioned), evaluation runs per period with their frozen scores, deduction
rows and the manual adjustments made to them (DOMAIN.md §7, ARCHITECTURE rule 3)."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import Unit


class Subject(models.TextChoices):
    SUPERVISOR = "supervisor", _("Supervisors")
    OPERATOR = "operator", _("Acceptance operators")
    SHIFT_LEADER = "shift_leader", _("Shift leaders")
    DISPATCHER = "dispatcher", _("Dispatchers")
    DEPARTMENT = "department", _("Departments")
    DISTRICT = "district", _("Districts")
    STREET = "street", _("Streets")
    COMMUNITY = "community", _("Communities")
    GRID = "grid", _("Unit grids")


SUBJECT_LABELS_ZH = {
    "supervisor": "监督员",
    "operator": "受理员",
    "shift_leader": "值班长",
    "dispatcher": "派遣员",
    "department": "处置部门",
    "district": "区",
    "street": "街道",
    "community": "社区",
    "grid": "单元网格",
}
PERSON_SUBJECTS = ("supervisor", "operator", "shift_leader", "dispatcher")
REGION_SUBJECTS = ("district", "street", "community", "grid")
# Ranked only where several of them are evaluated together: a city's evaluation ranks its districts
# against each other; a district's own evaluation has nothing to rank them against.
CITY_ONLY_SUBJECTS = ("district",)


class SchemeKind(models.TextChoices):
    INDEX = "index", _("Composite index (综合指标)")
    DEDUCTION = "deduction", _("Deduction scheme (扣分制)")


class Scheme(models.Model):
    """A scoring scheme for one subject: weights, ladders, grade bands, minimum volumes, groups and
    region classes (``config``). Never edited: a change is a new version from a date."""

    code = models.CharField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=12, choices=SchemeKind.choices, default=SchemeKind.INDEX)
    subject = models.CharField(_("subject"), max_length=16, choices=Subject.choices)
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=100)
    valid_from = models.DateField(_("in force from"), default=dt.date(2000, 1, 1))
    config = models.JSONField(_("configuration"))
    note = models.TextField(_("why this version"), blank=True)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("scoring scheme")
        verbose_name_plural = _("scoring schemes")
        ordering: ClassVar = ["kind", "subject", "code", "-version"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["code", "version"], name="evaluation_scheme_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def ref(self) -> dict[str, Any]:
        """How a score remembers the scheme that produced it."""
        return {"id": self.pk, "code": self.code, "version": self.version, "name": self.name}


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class EvaluationRun(models.Model):
    """The evaluation of one period over one area (a city or district): a draft until published,
    then a frozen snapshot that recomputation compares against but never changes."""

    period = models.CharField(_("period"), max_length=8, db_index=True)
    period_kind = models.CharField(max_length=8, verbose_name=_("period kind"))
    start = models.DateTimeField()
    end = models.DateTimeField()
    scope = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.DRAFT)
    as_of = models.DateTimeField(help_text="facts up to this moment were counted", verbose_name=_("as of"))
    schemes = models.JSONField(default=dict, help_text="subject → scheme reference used")
    computed_at = models.DateTimeField(verbose_name=_("computed at"))
    computed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True, verbose_name=_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering: ClassVar = ["-start", "scope__path"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["period", "scope"], name="evaluation_run_unique")
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.scope.name} ({self.status})"

    @property
    def published(self) -> bool:
        return self.status == RunStatus.PUBLISHED


class Score(models.Model):
    """One subject's result in a run: its composite index, grade, rank and every part with the counts
    behind it. Persons carry ``user``; units ``unit``; grids ``grid`` (and their community as ``unit``)."""

    run = models.ForeignKey(
        EvaluationRun, on_delete=models.CASCADE, related_name="scores", verbose_name=_("run")
    )
    subject = models.CharField(max_length=16, choices=Subject.choices, verbose_name=_("subject"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="the unit evaluated, or where the person or grid sits (for jurisdiction)",
    )
    grid = models.ForeignKey("geo.Grid", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    label = models.CharField(max_length=200, verbose_name=_("label"))
    code = models.CharField(max_length=64, blank=True)
    group = models.CharField(max_length=32, blank=True)
    group_label = models.CharField(max_length=64, blank=True)
    index = models.DecimalField(max_digits=6, decimal_places=2, null=True, verbose_name=_("index"))
    grade = models.CharField(max_length=2, blank=True, verbose_name=_("grade"))
    ranked = models.BooleanField(default=True, verbose_name=_("ranked"))
    rank = models.PositiveIntegerField(null=True, verbose_name=_("rank"))
    note = models.CharField(max_length=200, blank=True)
    parts = models.JSONField(default=list)
    measures = models.JSONField(default=dict)
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering: ClassVar = ["run", "subject", "group", "rank", "-index", "label"]
        indexes: ClassVar = [models.Index(fields=["run", "subject"], name="evaluation_score_run_idx")]

    def __str__(self) -> str:
        return f"{self.label} {self.index} {self.grade}"

    @property
    def subject_key(self) -> int | None:
        """The id the measures group by: the user, the grid or the unit."""
        return self.user_id or self.grid_id or self.unit_id


class Deduction(models.Model):
    """One unit's line of the month's deduction table (扣分制): points kept per part, bonus, manual
    adjustments, the final score and what it is worth in the reward fund."""

    run = models.ForeignKey(
        EvaluationRun, on_delete=models.CASCADE, related_name="deductions", verbose_name=_("run")
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    label = models.CharField(max_length=200, verbose_name=_("label"))
    group = models.CharField(max_length=32, blank=True)
    parts = models.JSONField(default=list)
    base_points = models.DecimalField(max_digits=7, decimal_places=2)
    bonus_points = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    adjustment_points = models.DecimalField(max_digits=7, decimal_places=2, default=0)
    final_points = models.DecimalField(max_digits=7, decimal_places=2, verbose_name=_("final points"))
    deducted_points = models.DecimalField(max_digits=7, decimal_places=2)
    reward_yuan = models.DecimalField(max_digits=14, decimal_places=2, verbose_name=_("reward yuan"))
    rank = models.PositiveIntegerField(null=True, verbose_name=_("rank"))
    scheme = models.ForeignKey(Scheme, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("deduction line")
        verbose_name_plural = _("deduction table")
        ordering: ClassVar = ["run", "rank", "label"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["run", "unit"], name="evaluation_deduction_unique")
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.final_points}"


class Adjustment(models.Model):
    """A manual change to a unit's deduction score, with the written reason it needs. Kept with the
    run (not the line) so recomputing a draft re-applies it."""

    run = models.ForeignKey(
        EvaluationRun, on_delete=models.CASCADE, related_name="adjustments", verbose_name=_("run")
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    part = models.CharField(
        max_length=32, blank=True, help_text="a bonus part, or empty", verbose_name=_("part")
    )
    points = models.DecimalField(max_digits=6, decimal_places=2, verbose_name=_("points"))
    reason = models.TextField(verbose_name=_("reason"))
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )

    class Meta:
        verbose_name = _("manual adjustment")
        verbose_name_plural = _("manual adjustments")
        ordering: ClassVar = ["run", "unit", "created_at"]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.points:+} {self.reason[:30]}"
