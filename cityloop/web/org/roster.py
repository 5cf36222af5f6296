"""The staff roster page: upload a sheet (checked whole, imported all or nothing) and read the
report; download the area's roster as .xlsx or .csv."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from cityloop.core.roster import (
    COLUMNS,
    HEADERS,
    MAX_BYTES,
    SheetError,
    export_rows,
    import_roster,
    to_csv,
    to_xlsx,
)

from .common import actor, admin_required, import_upload
from .forms import RosterForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@never_cache
@admin_required
def roster(request: HttpRequest) -> HttpResponse:
    """Upload and report: every bad row named, or the new accounts with their one-time passwords."""
    form = RosterForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        result = import_upload(form, request, import_roster, MAX_BYTES)
    context = {
        "form": form,
        "result": result,
        "columns": [HEADERS[c] for c in COLUMNS],
        "tab": "roster",
    }
    status = 400 if request.method == "POST" and (result is None or not result.ok) else 200
    return render(request, "web/org/roster.html", context, status=status)


@admin_required
def roster_export(request: HttpRequest) -> HttpResponse:
    """The area's roster: one row per role of each active user (``?format=csv`` for CSV)."""
    rows = export_rows(actor(request))
    if request.GET.get("format") == "csv":
        response = HttpResponse(to_csv(rows), content_type="text/csv; charset=utf-8")
        name = "roster.csv"
    else:
        response = HttpResponse(to_xlsx(rows), content_type=XLSX)
        name = "roster.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


__all__ = ["SheetError", "roster", "roster_export"]
