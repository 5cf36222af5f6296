"""The admin's view of the stored classifiers: read-only (models are made by ``cityloop triage train``
and activated by ``cityloop triage activate``, both audited); the artefact itself is never shown."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import TriageModel


@admin.register(TriageModel)
class TriageModelAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "version",
        "labels_kind",
        "method",
        "rows",
        "accuracy",
        "macro_f1",
        "active",
        "created_at",
    )
    list_filter = ("labels_kind", "active", "method")
    search_fields = ("name", "source")
    exclude = ("artefact",)

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).defer("artefact")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
