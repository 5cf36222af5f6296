"""The admin's view of hotline platforms: every save goes through the audited actions; the secret is
generated and shown once, and rotated by an admin action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import platforms
from .models import Message, Platform, Ticket


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "callback_url", "unit", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("code", "name")
    actions = ("rotate_secret",)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["code", "name", "callback_url", "unit", "active"]
        return ["code", "name", "callback_url", "unit", "actor", "active", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Platform | None = None) -> list[str]:
        return ["code", "unit", "actor", "created_at"] if obj else []

    def save_model(self, request: HttpRequest, obj: Platform, form: Any, change: bool) -> None:
        actor = request.user
        if change:
            changed = {
                name: getattr(obj, name)
                for name in form.changed_data
                if name in ("name", "callback_url", "active")
            }
            fresh = Platform.objects.get(pk=obj.pk)
            platforms.change_platform(actor=actor, platform=fresh, **changed)  # type: ignore[arg-type]
            return
        made = platforms.create_platform(
            actor=actor,  # type: ignore[arg-type]
            code=obj.code,
            name=obj.name,
            callback_url=obj.callback_url,
            unit=obj.unit,
            active=obj.active,
        )
        obj.pk, obj.actor, obj.secret = made.pk, made.actor, made.secret
        messages.warning(
            request,
            _("Signing secret of %(code)s, shown once: %(secret)s")
            % {"code": made.code, "secret": made.secret},
        )

    def has_delete_permission(self, request: HttpRequest, obj: Platform | None = None) -> bool:
        return False  # deactivate instead: its tickets and exchange stay

    @admin.action(description=_("Rotate the signing secret"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Platform]) -> None:
        for platform in queryset:
            secret = platforms.rotate_secret(actor=request.user, platform=platform)  # type: ignore[arg-type]
            messages.warning(
                request,
                _("New signing secret of %(code)s, shown once: %(secret)s")
                % {"code": platform.code, "secret": secret},
            )


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ("ticket_id", "platform", "channel", "case", "hotline_deadline", "out_seq", "received_at")
    list_filter = ("platform", "channel")
    search_fields = ("ticket_id",)
    readonly_fields = [f.name for f in Ticket._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(TicketAdmin):
    list_display = ("created_at", "platform", "ticket", "direction", "type", "seq", "status")
    list_filter = ("platform", "direction", "type")  # type: ignore[assignment]
    search_fields = ("message_id",)
    readonly_fields = [f.name for f in Message._meta.fields]
