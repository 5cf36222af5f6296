"""Trained classifiers, versioned: each training makes a new version of a named model, with its report.

The fitted classifier is kept in the row itself (joblib, compressed), so every server process and a
backup see the same artefact with no shared file system. At most one model of each labels kind is
active: the intake suggests categories with the active ``category`` model.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LabelsKind(models.TextChoices):
    CATEGORY = "category", _("catalog subclasses")
    UNIT = "unit", _("disposing units")
    OTHER = "other", _("other labels")


class TriageModel(models.Model):
    """One version of a named text classifier: how it was trained, how well it did, and the artefact."""

    name = models.CharField(_("name"), max_length=64)
    version = models.PositiveIntegerField(_("version"))
    labels_kind = models.CharField(_("labels"), max_length=16, choices=LabelsKind.choices)
    method = models.CharField(_("method"), max_length=32)
    source = models.CharField(_("trained from"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    active = models.BooleanField(_("active"), default=False)
    # When it was last made active: commands without --name use the model activated last.
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    report = models.JSONField(_("training report"), default=dict)
    accuracy = models.FloatField(_("accuracy"), default=0.0)
    macro_f1 = models.FloatField(_("macro-F1"), default=0.0)
    rows = models.PositiveIntegerField(_("training rows"), default=0)
    artefact = models.BinaryField(_("fitted classifier"))
    artefact_sha256 = models.CharField(max_length=64)
    library_versions = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("triage model")
        verbose_name_plural = _("triage models")
        ordering: ClassVar = ["name", "-version"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["name", "version"], name="triage_model_name_version"),
            models.UniqueConstraint(
                fields=["labels_kind"],
                condition=models.Q(active=True),
                name="triage_model_one_active_per_kind",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
