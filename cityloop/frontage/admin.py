"""The admin: a city edits its frontage duties here (the three of 门前三包, or its own)."""

from __future__ import annotations

from django.contrib import admin

from .models import Duty


@admin.register(Duty)
class DutyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "description", "order")
    search_fields = ("code", "name")
