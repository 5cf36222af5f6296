"""Admin for calendars, the holiday schedule, loaded years and escalation rules (edited through the
actions, so each change is audited and every process recompiles its calendars), and read-only views
of step timers and escalations. Lists warn when the holiday schedule runs out within 60 days."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import User
from cityloop.core.permissions import restrict

from . import calendars
from .calendar_actions import delete_calendar_object, import_calendar_days, save_calendar_object
from .importer import parse_csv
from .models import CalendarDay, CalendarYear, Escalation, EscalationRule, StepTimer, WorkCalendar


class AuditedAdmin(admin.ModelAdmin):
    """Saves and deletes go through the timeclock actions; lists pass through ``restrict``."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return restrict(super().get_queryset(request), request.user, "view")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        assert isinstance(request.user, User)
        save_calendar_object(actor=request.user, obj=obj)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        assert isinstance(request.user, User)
        delete_calendar_object(actor=request.user, obj=obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        status = calendars.calendar_status()
        if status.get("warning"):
            messages.warning(request, calendars.warning_text(status))
        return super().changelist_view(request, extra_context)


@admin.register(WorkCalendar)
class WorkCalendarAdmin(AuditedAdmin):
    list_display = ("name", "unit", "is_default", "all_day", "weekdays", "follow_holidays", "updated_at")
    list_select_related = ("unit",)
    search_fields = ("name", "unit__name", "unit__code")


class CsvImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"), help_text=_("date,kind,name per line; kind: holiday, workday")
    )
    calendar = forms.ModelChoiceField(
        WorkCalendar.objects.all(),
        required=False,
        label=_("calendar"),
        help_text=_("empty: national schedule"),
    )
    partial = forms.BooleanField(required=False, label=_("partial (do not mark the years as loaded)"))


@admin.register(CalendarDay)
class CalendarDayAdmin(AuditedAdmin):
    list_display = ("date", "kind", "name", "calendar", "source")
    list_filter = ("kind", "calendar")
    search_fields = ("name", "date")
    date_hierarchy = "date"
    change_list_template = "admin/timeclock/calendarday/change_list.html"

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(self.import_view)
        return [path("import/", view, name="timeclock_calendarday_import"), *super().get_urls()]

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_add_permission(request):
            raise PermissionDenied("not allowed to import calendar days")
        form = CsvImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            assert isinstance(request.user, User)
            try:
                parsed = parse_csv(form.cleaned_data["file"].read().decode("utf-8-sig"))
                counts = import_calendar_days(
                    actor=request.user,
                    days=parsed.days,
                    calendar=form.cleaned_data["calendar"],
                    mark_years=not form.cleaned_data["partial"],
                    source=f"csv:{form.cleaned_data['file'].name}",
                )
            except (ValidationError, UnicodeDecodeError) as exc:
                text = (
                    "; ".join(exc.messages) if isinstance(exc, ValidationError) else "the file is not UTF-8"
                )
                form.add_error("file", text)
            else:
                for warning in parsed.warnings:
                    messages.warning(request, warning)
                messages.success(
                    request,
                    f"{counts['created']} new, {counts['updated']} changed, {counts['unchanged']} unchanged; "
                    f"years loaded: {counts['years'] or 'none'}",
                )
                return HttpResponseRedirect(reverse("admin:timeclock_calendarday_changelist"))
        context = {**self.admin_site.each_context(request), "form": form, "opts": self.model._meta}
        return TemplateResponse(request, "admin/timeclock/calendarday/import.html", context)


@admin.register(CalendarYear)
class CalendarYearAdmin(AuditedAdmin):
    list_display = ("year", "source", "loaded_at", "note")


@admin.register(EscalationRule)
class EscalationRuleAdmin(AuditedAdmin):
    list_display = (
        "name",
        "step",
        "condition",
        "after_amount",
        "after_unit",
        "action",
        "acting_unit",
        "active",
    )
    list_filter = ("active", "condition", "action")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written by actions and the worker only."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return restrict(super().get_queryset(request), request.user, "view")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


@admin.register(StepTimer)
class StepTimerAdmin(ReadOnlyAdmin):
    list_display = ("subject_type", "subject_id", "step", "started_at", "deadline_at", "light", "on_time")
    list_filter = ("light", "step", "provisional", "on_time")
    search_fields = ("subject_id",)


@admin.register(Escalation)
class EscalationAdmin(ReadOnlyAdmin):
    list_display = ("timer", "rule", "action", "acting_unit", "due_at", "created_at")
    list_filter = ("action",)
