"""Monthly satisfaction surveys (满意度调查): a questionnaire per area with its questions as data,
answered once per verified phone, scored 0–100 from its rating questions."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import Unit


class SurveyStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")


class Survey(models.Model):
    """A month's questionnaire for an area (a district or a street and everything under it)."""

    title = models.CharField(_("title"), max_length=100)
    month = models.DateField(_("month"), help_text=_("the first day of the month"))
    area = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("area"))
    status = models.CharField(_("status"), max_length=8, choices=SurveyStatus.choices, default="draft")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        ordering: ClassVar = ["-month", "title"]
        indexes: ClassVar = [models.Index(fields=["month", "status"], name="survey_month_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def month_end(self) -> dt.date:
        return (self.month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


class QuestionKind(models.TextChoices):
    RATING = "rating", _("rating 1–5")
    CHOICE = "choice", _("one of several")
    TEXT = "text", _("free text")


class Question(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(_("question"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=QuestionKind.choices)
    choices = models.JSONField(default=list, blank=True)
    required = models.BooleanField(default=True)

    class Meta:
        ordering: ClassVar = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class SurveyResponse(models.Model):
    """One phone's answers to one survey, placed in the community (and its street) it lives in."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    phone = models.CharField(max_length=32)
    street = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    community = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    answers = models.JSONField(default=dict)
    score = models.FloatField(null=True, help_text="mean of the rating answers, on 0–100")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["survey", "phone"], name="survey_once_per_phone")
        ]
        indexes: ClassVar = [models.Index(fields=["survey", "street", "community"], name="response_area_idx")]

    def __str__(self) -> str:
        return f"{self.survey_id}: {self.score}"
