"""The triage app: text classifiers a city trains on its history, and the intake's suggestions."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TriageConfig(AppConfig):
    name = "cityloop.triage"
    label = "triage"
    verbose_name = _("Triage")
