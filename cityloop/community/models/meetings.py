"""Coordination meetings (议事会): the weekly community meeting and the monthly street meeting, with
their agenda (the open and escalated problems), decisions and followed-up action items."""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import Unit

from .loop import Task


class MeetingKind(models.TextChoices):
    COMMUNITY_WEEKLY = "community_weekly", _("weekly community meeting")
    STREET_MONTHLY = "street_monthly", _("monthly street meeting")


class Meeting(models.Model):
    """A meeting held by a community (weekly) or a street (monthly)."""

    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("held by"))
    held_on = models.DateField(_("held on"))
    place = models.CharField(_("place"), max_length=100, blank=True)
    attendees = models.CharField(_("attendees"), max_length=500, blank=True)
    decisions = models.TextField(_("decisions"), max_length=4000, blank=True)
    agenda = models.ManyToManyField(Task, related_name="meetings", blank=True, verbose_name=_("agenda"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering: ClassVar = ["-held_on", "-id"]
        verbose_name = _("coordination meeting")
        verbose_name_plural = _("coordination meetings")

    def __str__(self) -> str:
        return f"{self.unit.name} {self.held_on} {self.get_kind_display()}"


class ActionItem(models.Model):
    """Who does what by when, decided at a meeting, and whether it was done."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="items")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    task = models.ForeignKey(Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    what = models.CharField(_("what"), max_length=200)
    who = models.CharField(_("who"), max_length=50)
    due = models.DateField(_("by when"))
    done_at = models.DateTimeField(_("done"), null=True, blank=True)
    done_note = models.CharField(_("how it was done"), max_length=300, blank=True)

    class Meta:
        ordering: ClassVar = ["due", "id"]
        indexes: ClassVar = [models.Index(fields=["unit", "done_at", "due"], name="community_item_due_idx")]

    def __str__(self) -> str:
        return self.what
