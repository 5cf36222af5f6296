"""Admin for the catalog. Every save goes through an action: adding a local class or subclass,
renaming or retiring one, adding a condition or revising it (which starts a new version), setting
a step limit from a day. Nothing is deleted; history stays."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import User

from . import actions
from .models import Category, Condition, StepLimit, Urgency
from .versions import CONDITION_FIELDS


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _adopt(obj: Any, saved: Any) -> None:
    """Make the admin's unsaved instance the row an action wrote (for its redirect and log)."""
    obj.__dict__.update({k: v for k, v in saved.__dict__.items() if k != "_state"})
    obj._state.adding = False


class NoDelete:
    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ActiveFilter(admin.SimpleListFilter):
    title = _("in use")
    parameter_name = "in_use"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("in use today")), ("no", _("retired"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        active = Category.objects.active().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=active)
        if self.value() == "no":
            return queryset.exclude(pk__in=active)
        return queryset


@admin.register(Category)
class CategoryAdmin(NoDelete, admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "kind", "parent", "is_local", "valid_from", "retired_from")
    list_filter = ("kind", "is_local", ActiveFilter)
    search_fields = ("code", "name", "name_en")
    ordering = ("kind", "code")

    def get_fields(self, request: HttpRequest, obj: Category | None = None) -> Any:
        if obj is None:
            return ["kind", "code", "name", "name_en", "valid_from"]
        return [
            "kind",
            "code",
            "parent",
            "is_local",
            "name",
            "name_en",
            "valid_from",
            "retired_from",
            "duplicate_radius_m",
            "duplicate_days",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Category | None = None) -> list[str]:
        return ["kind", "code", "parent", "is_local", "valid_from"] if obj else []

    def save_model(self, request: HttpRequest, obj: Category, form: Any, change: bool) -> None:
        actor = _actor(request)
        if not change:
            saved = actions.add_local_category(
                actor=actor,
                kind=obj.kind,
                code=obj.code,
                name=obj.name,
                name_en=obj.name_en,
                valid_from=obj.valid_from,
            )
            _adopt(obj, saved)
            return
        original = Category.objects.get(pk=obj.pk)
        if (original.name, original.name_en) != (obj.name, obj.name_en):
            actions.rename_category(actor=actor, category=original, name=obj.name, name_en=obj.name_en)
        window = (obj.duplicate_radius_m, obj.duplicate_days)
        if (original.duplicate_radius_m, original.duplicate_days) != window:
            actions.set_duplicate_window(actor=actor, category=original, radius_m=window[0], days=window[1])
        if original.retired_from != obj.retired_from:
            if obj.retired_from is None:
                actions.reinstate_category(actor=actor, category=original)
            else:
                actions.retire_category(actor=actor, category=original, on=obj.retired_from)


@admin.register(Urgency)
class UrgencyAdmin(NoDelete, admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "counts_clock_time", "order")

    def save_model(self, request: HttpRequest, obj: Urgency, form: Any, change: bool) -> None:
        saved = actions.save_urgency(
            actor=_actor(request),
            code=obj.code,
            name=obj.name,
            name_en=obj.name_en,
            counts_clock_time=obj.counts_clock_time,
            order=obj.order,
        )
        _adopt(obj, saved)


class ConditionForm(forms.ModelForm):
    revise_from = forms.DateField(
        label=_("changes apply from"),
        required=False,
        initial=timezone.localdate,
        help_text=_("Saving a change starts a new version on this day; earlier cases keep the old one."),
    )

    class Meta:
        model = Condition
        fields = [
            "category",
            "number",
            "region",
            "description",
            "description_en",
            "closure",
            "closure_en",
            "urgency",
            "limit_amount",
            "limit_unit",
            "valid_from",
            "source_note",
        ]


@admin.register(Condition)
class ConditionAdmin(NoDelete, admin.ModelAdmin):
    form = ConditionForm
    list_display = (
        "category",
        "number",
        "region",
        "description",
        "urgency",
        "limit_amount",
        "limit_unit",
        "version",
        "valid_from",
        "valid_to",
    )
    list_filter = ("category__kind", "urgency", "limit_unit")
    search_fields = ("category__code", "category__name", "description", "description_en")
    list_select_related = ("category", "region", "urgency")
    autocomplete_fields = ("category",)
    raw_id_fields = ("region",)

    def get_readonly_fields(self, request: HttpRequest, obj: Condition | None = None) -> list[str]:
        return ["category", "number", "region", "valid_from", "version", "valid_to"] if obj else []

    def save_model(self, request: HttpRequest, obj: Condition, form: Any, change: bool) -> None:
        actor = _actor(request)
        if not change:
            saved = actions.add_condition(
                actor=actor,
                category=obj.category,
                number=obj.number,
                region=obj.region,
                description=obj.description,
                description_en=obj.description_en,
                closure=obj.closure,
                closure_en=obj.closure_en,
                urgency=obj.urgency,
                limit_amount=obj.limit_amount,
                limit_unit=obj.limit_unit,
                valid_from=obj.valid_from,
                source_note=obj.source_note,
            )
        else:
            original = Condition.objects.get(pk=obj.pk)
            changes = {
                f: getattr(obj, f) for f in CONDITION_FIELDS if getattr(obj, f) != getattr(original, f)
            }
            if not changes:
                return
            on: dt.date = form.cleaned_data.get("revise_from") or timezone.localdate()
            saved = actions.revise_condition(actor=actor, condition=original, on=on, **changes)
        _adopt(obj, saved)


@admin.register(StepLimit)
class StepLimitAdmin(NoDelete, admin.ModelAdmin):
    list_display = ("step", "urgency", "amount", "unit", "valid_from", "valid_to")
    list_filter = ("step", "urgency")

    def has_change_permission(self, request: HttpRequest, obj: StepLimit | None = None) -> bool:
        # A limit is changed by adding the new version from a day, never by editing one in force.
        return obj is None and super().has_change_permission(request, obj)

    def get_fields(self, request: HttpRequest, obj: StepLimit | None = None) -> Any:
        return ["step", "urgency", "amount", "unit", "valid_from"]

    def save_model(self, request: HttpRequest, obj: StepLimit, form: Any, change: bool) -> None:
        saved = actions.set_step_limit(
            actor=_actor(request),
            step=obj.step,
            urgency=obj.urgency,
            amount=obj.amount,
            unit=obj.unit,
            on=obj.valid_from,
        )
        _adopt(obj, saved)
