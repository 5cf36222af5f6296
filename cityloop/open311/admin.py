"""Admin: client applications are issued their ``api_key`` here (shown once, on saving) and revoked
by the list's action; service requests are read here (their cases change only through actions)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityloop.core.models import User

from .actions import create_client, revoke_client
from .models import ClientApplication, ServiceRequest


@admin.register(ClientApplication)
class ClientApplicationAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "rate_limit", "created_at", "revoked_at")
    fields = ("name", "rate_limit", "prefix", "created_at", "revoked_at")
    actions = ("revoke",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # Issued once: a changed name or limit would be a write without its action.
        if obj is not None:
            return self.fields
        return ("prefix", "created_at", "revoked_at")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ClientApplication, form: Any, change: bool) -> None:
        if change:
            return
        assert isinstance(request.user, User)
        try:
            client, raw = create_client(actor=request.user, name=obj.name, rate_limit=obj.rate_limit)
        except ValidationError as exc:
            messages.error(request, "; ".join(exc.messages))
            return
        obj.__dict__.update({f.attname: getattr(client, f.attname) for f in client._meta.concrete_fields})
        obj._state.adding = False
        messages.warning(
            request,
            _("The api_key of %(name)s, shown this once: %(key)s") % {"name": client.name, "key": raw},
        )

    @admin.action(description=gettext_lazy("Revoke the api_key of the selected applications"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ClientApplication]) -> None:
        assert isinstance(request.user, User)
        for client in queryset.filter(revoked_at__isnull=True):
            revoke_client(actor=request.user, client=client)


@admin.register(ServiceRequest)
class ServiceRequestAdmin(admin.ModelAdmin):
    list_display = ("case", "client", "media_url")
    list_filter = ("client",)
    list_select_related = ("case", "client")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
