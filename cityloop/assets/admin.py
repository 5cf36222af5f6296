"""Admin for the component inventory: search by ID, filter unowned / subclass / state. Records and
edits go through the actions (the grid follows the location); an administrator sees only the
components ``restrict`` lets them see."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import User
from cityloop.core.permissions import restrict

from . import actions
from .importing import Resolver, locate_batch
from .models import Component, ComponentState


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class UnownedFilter(admin.SimpleListFilter):
    title = _("ownership")
    parameter_name = "unowned"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("unowned (无主)")), ("no", _("owned"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() in ("yes", "no"):
            return queryset.filter(owner__isnull=self.value() == "yes")
        return queryset


class ComponentForm(forms.ModelForm):
    class Meta:
        model = Component
        fields = ["code", "owner", "maintainer", "authority", "state", "lon", "lat", "source", "note"]

    def clean(self) -> dict[str, Any]:
        """Run the import's checks (ID, units, location inside a grid) so problems show on the form."""
        data = super().clean() or {}
        if self.errors:
            return data
        today = timezone.localdate()
        instance: Component = self.instance
        row = {
            "id": instance.code if instance.pk else data.get("code", ""),
            **{f: data[f].code if data.get(f) else "" for f in ("owner", "maintainer", "authority")},
            "state": data["state"].code if data.get("state") else "",
            "lon": data.get("lon"),
            "lat": data.get("lat"),
        }
        resolver = Resolver(today, ids_on=instance.first_recorded if instance.pk else None)
        parsed, errors = resolver.parse(row, "form")
        if parsed is not None:
            errors += locate_batch([parsed], today)
        if not instance.pk and Component.objects.filter(code=row["id"]).exists():
            self.add_error("code", f"component {row['id']} already exists")
        for error in errors:
            field = {"id": "code", "lon/lat": "lon"}.get(error.field, error.field)
            self.add_error(field if field in self.fields else None, error.reason)
        return data


@admin.register(Component)
class ComponentAdmin(admin.ModelAdmin):
    form = ComponentForm
    list_display = ("code", "subclass", "owner", "maintainer", "grid", "state", "unowned", "changed")
    list_filter = (UnownedFilter, "subclass", "state")
    search_fields = ("=code", "^code")
    list_select_related = ("subclass", "owner", "maintainer", "grid", "state")
    raw_id_fields = ("owner", "maintainer", "authority")
    readonly_fields = (
        "subclass",
        "grid",
        "community",
        "street",
        "district",
        "h3",
        "first_recorded",
        "changed",
    )
    show_full_result_count = False  # counting a million rows on every page is not worth it
    list_per_page = 50

    @admin.display(boolean=True, description=_("unowned"))
    def unowned(self, obj: Component) -> bool:
        return obj.is_unowned

    def get_queryset(self, request: HttpRequest) -> QuerySet[Component]:
        return restrict(super().get_queryset(request), request.user, "view")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Component | None = None) -> tuple[str, ...]:
        return ("code", *self.readonly_fields) if obj else self.readonly_fields

    def save_model(self, request: HttpRequest, obj: Component, form: Any, change: bool) -> None:
        data = form.cleaned_data
        units = {f: (data[f].code if data.get(f) else "") for f in ("owner", "maintainer", "authority")}
        if change:
            original = Component.objects.get(pk=obj.pk)
            changes: dict[str, Any] = {
                f: units[f]
                for f in units
                if getattr(original, f"{f}_id") != (data[f].pk if data.get(f) else None)
            }
            if data["state"] != original.state:
                changes["state"] = data["state"].code
            for f in ("source", "note"):
                if data[f] != getattr(original, f):
                    changes[f] = data[f]
            if (data["lon"], data["lat"]) != (original.lon, original.lat):
                changes.update(lon=data["lon"], lat=data["lat"])
            saved = actions.update_component(actor=_actor(request), component=original, **changes)
        else:
            fields: dict[str, Any] = {
                "id": data["code"],
                "state": data["state"].code,
                "lon": data["lon"],
                "lat": data["lat"],
                "source": data["source"],
                "note": data["note"],
                **units,
            }
            saved = actions.record_component(actor=_actor(request), **fields)
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False


@admin.register(ComponentState)
class ComponentStateAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "order")

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ComponentState, form: Any, change: bool) -> None:
        saved = actions.save_component_state(
            actor=_actor(request), code=obj.code, name=obj.name, name_en=obj.name_en, order=obj.order
        )
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False
