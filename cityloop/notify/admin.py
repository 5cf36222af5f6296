"""Admin for webhook subscriptions (through the actions, audited, secrets kept out of the log) and
read-only views of the outbox, deliveries and inbox messages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db import models
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import User
from cityloop.core.permissions import restrict

from .actions import delete_webhook, rotate_webhook_secret, save_webhook
from .models import Delivery, InboxMessage, Outbox, WebhookSubscription


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("name", "url", "active", "district", "created_at")
    list_filter = ("active",)
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    # Secrets are generated and shown once, in a message; never in a form.
    exclude = ("secret", "previous_secret", "previous_secret_until")
    actions = ("rotate_secret",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return restrict(super().get_queryset(request), request.user, "view")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        assert isinstance(request.user, User)
        save_webhook(actor=request.user, subscription=obj)
        if not change:
            self._show_once(request, obj, obj.secret)

    @admin.action(description=_("Rotate the signing secret"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        assert isinstance(request.user, User)
        for obj in queryset:
            self._show_once(request, obj, rotate_webhook_secret(actor=request.user, subscription=obj))

    def _show_once(self, request: HttpRequest, obj: WebhookSubscription, secret: str) -> None:
        self.message_user(
            request,
            _("Signing secret of %(name)s, shown only this once: %(secret)s")
            % {"name": obj.name, "secret": secret},
            messages.WARNING,
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        assert isinstance(request.user, User)
        delete_webhook(actor=request.user, subscription=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


class ReadOnlyAdmin(admin.ModelAdmin):
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return restrict(super().get_queryset(request), request.user, "view")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(Outbox)
class OutboxAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "subject_type", "subject_id", "status", "created_at", "dispatched_at")
    list_filter = ("status", "kind")
    search_fields = ("dedupe_key", "subject_id")


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "outbox",
        "channel",
        "target",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
    )
    list_filter = ("status", "channel")


@admin.register(InboxMessage)
class InboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "user", "kind", "title", "created_at", "read_at")
    list_filter = ("kind",)
