"""The admin: a city edits its frontage duties here (the three of 门前三包, or its own), through the
audited action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from cityloop.core.models import User

from .actions import save_duty
from .correction_actions import save_setting
from .credit_actions import save_scheme
from .models import CorrectionWindow, CreditScheme, Duty, DutyCategory


@admin.register(Duty)
class DutyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "description", "order")
    search_fields = ("code", "name")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # zones hold duties; a city renames or reorders them instead

    def save_model(self, request: HttpRequest, obj: Duty, form: Any, change: bool) -> None:
        if not isinstance(request.user, User):
            raise PermissionDenied
        saved = save_duty(
            actor=request.user, code=obj.code, name=obj.name, description=obj.description, order=obj.order
        )
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False


class _AuditedSetting(admin.ModelAdmin):
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not isinstance(request.user, User):
            raise PermissionDenied
        save_setting(actor=request.user, obj=obj)


@admin.register(DutyCategory)
class DutyCategoryAdmin(_AuditedSetting):
    list_display = ("kind", "code", "duty")
    list_filter = ("duty", "kind")


@admin.register(CorrectionWindow)
class CorrectionWindowAdmin(_AuditedSetting):
    list_display = ("unit", "amount", "time_unit", "valid_from", "valid_to")


@admin.register(CreditScheme)
class CreditSchemeAdmin(admin.ModelAdmin):
    """Schemes are versions: a new one is saved from the form; an old one is never edited."""

    list_display = ("code", "version", "name", "valid_from", "created_at")
    readonly_fields = ("version", "created_at", "created_by")
    fields = ("code", "name", "valid_from", "config", "note", "version", "created_at", "created_by")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: CreditScheme, form: Any, change: bool) -> None:
        if not isinstance(request.user, User):
            raise PermissionDenied
        saved = save_scheme(
            actor=request.user,
            name=obj.name,
            valid_from=obj.valid_from,
            config=obj.config,
            note=obj.note,
            code=obj.code,
        )
        obj.pk, obj.version = saved.pk, saved.version
        obj._state.adding = False
