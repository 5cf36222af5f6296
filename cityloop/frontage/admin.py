"""The admin: a city edits its frontage duties here (the three of 门前三包, or its own), through the
audited action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest

from cityloop.core.models import User

from .actions import save_duty
from .models import Duty


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
