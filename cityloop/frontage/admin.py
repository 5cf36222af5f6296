"""The admin: a city edits its frontage duties here (the three of 门前三包, or its own)."""

from __future__ import annotations

from typing import ClassVar

from django.contrib import admin

from .models import Duty


@admin.register(Duty)
class DutyAdmin(admin.ModelAdmin):
    list_display: ClassVar = ("code", "name", "description", "order")
    search_fields: ClassVar = ("code", "name")
