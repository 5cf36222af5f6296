"""The case's steps and timeline: each timed step's occurrence (CaseStep), each transition taken
(CaseEvent), and the photos and documents attached to a case or an event (Attachment)."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import Unit

from ..workflow import Step
from .case import Case


class CaseStep(models.Model):
    """One occurrence of a timed step, with the facts evaluation reads: frozen when the step ends."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    # District, unit and the two users lead the indexes in Meta or are never searched by: no index of
    # their own (each costs every transition).
    district = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", db_index=False)
    step = models.CharField(max_length=16, choices=[(s.value, s.value) for s in Step])
    occurrence = models.PositiveSmallIntegerField(default=1)
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="unit owning the step",
        db_index=False,
    )
    started_at = models.DateTimeField()
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    limit_amount = models.FloatField()
    limit_unit = models.CharField(max_length=16)
    limit_ref = models.JSONField(default=dict, help_text="which limit (and version) produced the deadline")
    deadline_at = models.DateTimeField()
    provisional = models.BooleanField(default=False)
    # Every step runs on its own clock (the deadline arithmetic, pauses and extensions live there).
    timer = models.OneToOneField("timeclock.StepTimer", on_delete=models.PROTECT, related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    ended_by_transition = models.CharField(max_length=32, blank=True)
    on_time = models.BooleanField(null=True)
    elapsed = models.FloatField(null=True, blank=True, help_text="in the limit's unit")

    class Meta:
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")
        ordering: ClassVar = ["case", "started_at", "id"]
        indexes: ClassVar = [
            models.Index(fields=["unit", "step", "ended_at"], name="casestep_unit_idx"),
            # Evaluation's counts, each answered from one index without reading the rows: steps ended
            # in a period by who ended them, the owning unit and on time or not …
            models.Index(
                fields=[
                    "district",
                    "step",
                    "ended_at",
                    "ended_by",
                    "unit",
                    "on_time",
                    "ended_by_transition",
                    "case",
                    "started_at",
                ],
                name="casestep_step_end_idx",
            ),
            # … and disposals started in a period or still running at its end (overdue pending).
            models.Index(
                fields=[
                    "district",
                    "step",
                    "started_at",
                    "unit",
                    "ended_at",
                    "ended_by_transition",
                    "case",
                    "occurrence",
                    "deadline_at",
                ],
                name="casestep_dispose_start_idx",
                condition=models.Q(step="dispose"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.step}#{self.occurrence}"


class CaseEvent(models.Model):
    """One line of the timeline: a transition taken, by whom, when, with what."""

    # (case, seq) is unique, so that index serves lookups by case: no index of its own.
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events", db_index=False)
    seq = models.PositiveIntegerField()
    transition = models.CharField(max_length=32)
    from_state = models.CharField(max_length=24)
    to_state = models.CharField(max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    actor_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    actor_role = models.CharField(max_length=20, blank=True)
    at = models.DateTimeField()
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict)
    audit = models.OneToOneField("core.AuditEntry", on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case timeline")
        ordering: ClassVar = ["case", "seq"]
        constraints: ClassVar = [models.UniqueConstraint(fields=["case", "seq"], name="caseevent_seq_unique")]
        # Evaluation's timeline facts (extensions, holds) in a period.
        indexes: ClassVar = [
            models.Index(fields=["transition", "at", "case"], name="caseevent_transition_idx")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.seq} {self.transition}"


class Attachment(models.Model):
    """A photo or document on a case: report photos, before/after, disposal feedback, check photos."""

    PURPOSES: ClassVar = [
        ("report", _("report")),
        ("before", _("before")),
        ("after", _("after")),
        ("disposal", _("disposal feedback")),
        ("check", _("check")),
        ("other", _("other")),
    ]
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    event = models.ForeignKey(
        CaseEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="attachments"
    )
    purpose = models.CharField(max_length=12, choices=PURPOSES, default="report")
    file = models.FileField(upload_to="cases/%Y/%m/")
    original_name = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name or self.file.name
