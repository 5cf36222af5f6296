"""Admin: channels are data an administrator edits; cases are read here and changed only by actions."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from cityloop.core.audit import record, snapshot
from cityloop.core.models import User

from .models import Case, CaseEvent, CaseStep, Channel


@admin.register(Channel)
class ChannelAdmin(admin.ModelAdmin):
    list_display = (
        "code",
        "name",
        "name_en",
        "needs_verification",
        "needs_return_visit",
        "is_public",
        "accepts_anonymous",
        "active",
    )
    list_filter = ("active", "is_public")

    def save_model(self, request: HttpRequest, obj: Channel, form: Any, change: bool) -> None:
        # Channels are configuration data: audited like every other write.
        before = snapshot(Channel.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        assert isinstance(request.user, User)
        record(
            request.user,
            "channel.change" if change else "channel.create",
            obj,
            before=before,
            after=snapshot(obj),
        )


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class StepInline(ReadOnlyInline):
    model = CaseStep
    fields = ("step", "occurrence", "unit", "started_at", "deadline_at", "ended_at", "on_time", "elapsed")


class EventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ("seq", "transition", "from_state", "to_state", "actor", "actor_role", "at", "note")


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: a case moves only through its workflow actions (console or API)."""

    list_display = (
        "number",
        "state",
        "channel",
        "category",
        "street",
        "responsible_unit",
        "light",
        "deadline_at",
        "reported_at",
    )
    list_filter = ("state", "light", "channel", "district")
    search_fields = ("number", "tracking_code", "description", "address")
    inlines = (StepInline, EventInline)
    list_select_related = ("channel", "category", "street", "responsible_unit")
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
