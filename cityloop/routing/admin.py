"""Admin for routing rules (written through the actions, so every edit is audited and versioned),
and read-only views of approved returns and arbitrations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityloop.catalog.models import Kind
from cityloop.core.models import User
from cityloop.core.permissions import restrict

from . import actions
from .models import Arbitration, ReturnRecord, Rule
from .validation import check_rule

FIELDS = [
    "name",
    "purpose",
    "kind",
    "category_code",
    "condition_number",
    "area_unit",
    "area_grid",
    "level",
    "target",
    "target_unit",
    "priority",
    "auto_dispatch",
    "valid_from",
    "valid_to",
    "note",
]


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = FIELDS

    def clean(self) -> dict[str, Any]:
        """Run the rule's checks so problems show next to their fields."""
        data = super().clean() or {}
        if self.errors:
            return data
        probe = Rule(**{f: data.get(f) for f in FIELDS})
        probe.kind, probe.category_code, probe.note = (
            data.get("kind") or "",
            data.get("category_code") or "",
            "",
        )
        try:
            check_rule(probe)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field if field in self.fields else None, messages)
        return data


class InForceFilter(admin.SimpleListFilter):
    title = _("in force")
    parameter_name = "in_force"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("in force today")), ("no", _("ended or not yet in force"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        today = timezone.localdate()
        if self.value() == "yes":
            return queryset.filter(pk__in=Rule.objects.valid_at(today).values("pk"))
        if self.value() == "no":
            return queryset.exclude(pk__in=Rule.objects.valid_at(today).values("pk"))
        return queryset


@admin.register(Rule)
class RuleAdmin(admin.ModelAdmin):
    form = RuleForm
    list_display = (
        "id",
        "name",
        "purpose",
        "category",
        "area_unit",
        "area_grid",
        "target",
        "target_unit",
        "priority",
        "auto_dispatch",
        "valid_from",
        "valid_to",
        "source",
    )
    list_filter = (InForceFilter, "purpose", "kind", "target", "source", "auto_dispatch")
    search_fields = ("name", "category_code", "target_unit__name", "area_unit__name", "area_grid__code")
    raw_id_fields = ("area_unit", "area_grid", "target_unit")
    list_select_related = ("area_unit", "area_grid", "target_unit")
    readonly_fields = ("source", "revision", "created_at", "updated_at")

    @admin.display(description=_("class or subclass"))
    def category(self, obj: Rule) -> str:
        """The rule's category with its kind in the page's language (部件 01, 事件 0501-2, *)."""
        if not obj.kind:
            return "*"
        return f"{Kind(obj.kind).label} {obj.category_label.split(' ', 1)[1]}"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Rule]:
        return restrict(super().get_queryset(request), request.user, "view")

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is None:
            return super().has_change_permission(request)
        return restrict(Rule.objects.filter(pk=obj.pk), request.user, "manage").exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # rules are ended (valid until), never deleted: past decisions name them

    def save_model(self, request: HttpRequest, obj: Rule, form: Any, change: bool) -> None:
        values = {f: form.cleaned_data.get(f) for f in FIELDS}
        for text in ("kind", "category_code", "note"):
            values[text] = values[text] or ""
        if change:
            saved = actions.update_rule(actor=_actor(request), rule=Rule.objects.get(pk=obj.pk), **values)
        else:
            saved = actions.create_rule(actor=_actor(request), **values)
        obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
        obj._state.adding = False


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return restrict(super().get_queryset(request), request.user, "view")


@admin.register(ReturnRecord)
class ReturnRecordAdmin(ReadOnly):
    list_display = ("case_number", "returning_unit", "suggested_unit", "kind", "category_code", "approved_at")
    list_filter = ("kind", "category_code")
    search_fields = ("case_number", "returning_unit__name", "suggested_unit__name")
    list_select_related = ("returning_unit", "suggested_unit")


@admin.register(Arbitration)
class ArbitrationAdmin(ReadOnly):
    list_display = ("case_number", "state", "kind", "category_code", "opened_at", "ruled_unit", "rule")
    list_filter = ("state", "kind")
    search_fields = ("case_number",)
    list_select_related = ("ruled_unit", "rule")
