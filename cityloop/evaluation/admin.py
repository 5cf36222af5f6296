"""Admin: schemes are added as new versions (never edited), runs and scores are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from cityloop.core.models import User

from . import actions
from .models import Adjustment, Deduction, EvaluationRun, Scheme, Score


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "subject", "version", "valid_from", "created_at")
    list_filter = ("kind", "subject")
    search_fields = ("name", "code")
    fields = ("code", "kind", "subject", "name", "valid_from", "config", "note")

    def has_change_permission(self, request: HttpRequest, obj: Scheme | None = None) -> bool:
        # A scheme version is never changed: published periods point at it. Save a new one instead.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Scheme | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Scheme, form: Any, change: bool) -> None:
        assert isinstance(request.user, User)
        try:
            saved = actions.save_scheme(
                actor=request.user,
                subject=obj.subject,
                kind=obj.kind,
                config=obj.config,
                valid_from=obj.valid_from,
                name=obj.name,
                note=obj.note,
                code=obj.code or None,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
            raise
        obj.pk, obj.version = saved.pk, saved.version


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(EvaluationRun)
class RunAdmin(ReadOnly):
    list_display = ("period", "scope", "status", "as_of", "computed_at", "published_at")
    list_filter = ("status", "period_kind")


@admin.register(Score)
class ScoreAdmin(ReadOnly):
    list_display = ("label", "subject", "run", "index", "grade", "rank", "ranked")
    list_filter = ("subject", "grade", "ranked")
    search_fields = ("label", "code")


@admin.register(Deduction)
class DeductionAdmin(ReadOnly):
    list_display = ("label", "run", "final_points", "reward_yuan", "rank")


@admin.register(Adjustment)
class AdjustmentAdmin(ReadOnly):
    list_display = ("unit", "run", "points", "part", "reason", "created_by", "created_at")
