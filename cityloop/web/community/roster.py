"""The street's or district's page for setting up its communities from a sheet (三长一站): upload it,
read what was created or every bad row, download the template to fill in."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from cityloop.community.roster import (
    HEADERS,
    MAX_BYTES,
    import_roster,
    kind_label,
    managed_communities,
    template_xlsx,
)

from ..access import current_user
from ..org.common import import_upload
from .forms import RosterForm

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def manager_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in, and managing some community (a street's or district's unit manager or
    administrator); 403 otherwise."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not managed_communities(current_user(request)).exists():
            raise PermissionDenied("this page is for the managers of communities")
        return view(request, *args, **kwargs)

    return login_required(wrapper)


@never_cache
@manager_required
def roster(request: HttpRequest) -> HttpResponse:
    """Upload and report: how many stations, heads and professionals were created, changed or
    left as they were, or every bad row by row and column (and then nothing was written)."""
    form = RosterForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        report = import_upload(form, request, import_roster, MAX_BYTES)
    counts = [
        {"label": kind_label(kind), **numbers}
        for kind, numbers in (report.counts.items() if report is not None else ())
    ]
    context = {"form": form, "report": report, "counts": counts, "columns": list(HEADERS.values())}
    status = 400 if request.method == "POST" and (report is None or not report.ok) else 200
    return render(request, "web/community/roster.html", context, status=status)


@manager_required
def template(request: HttpRequest) -> HttpResponse:
    """The sheet to fill in: every column, and one example row per kind."""
    response = HttpResponse(template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="community-roster.xlsx"'
    return response
