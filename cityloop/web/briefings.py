"""The briefings page (/analytics/briefings/): the weekly and monthly briefings (专报) of the areas the
user oversees, each with its key findings and its PDF to download, and a form that has one written
now (leaders and shift leaders)."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cityloop.analytics.briefings.service import areas_for, generate
from cityloop.analytics.models import Briefing, BriefingKind
from cityloop.core.permissions import visible_to_request

from .access import OVERSIGHT, current_user, roles_required

PAGE_ROWS = 60


def _form_error(request: HttpRequest, areas: dict[str, Any]) -> tuple[str, dt.date, Any] | str:
    """The kind, day and area of the form, or the message saying what to fix."""
    kind = request.POST.get("kind", "")
    if kind not in BriefingKind.values:
        return _("Choose weekly or monthly.")
    try:
        day = dt.date.fromisoformat(request.POST.get("day", "")[:10])
    except ValueError:
        return _("Give a day of the period as a date.")
    if day > timezone.localdate() or day.year < 2000:
        return _("Choose a day that is not in the future.")
    area = areas.get(request.POST.get("area", "")[:64])
    if area is None:
        return _("Choose an area from the list.")
    return kind, day, area


@roles_required(*OVERSIGHT)
def briefings_page(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    areas = {a.code: a for a in areas_for(user)}
    if request.method == "POST":
        if not areas:
            raise Http404
        got = _form_error(request, areas)
        if isinstance(got, str):
            messages.error(request, got)
        else:
            kind, day, area = got
            briefing = generate(kind, day, area, actor=user)
            messages.success(
                request,
                _("The briefing was written and sent to %(n)s leaders: %(title)s")
                % {"n": briefing.recipients, "title": briefing.title},
            )
        return redirect("web:briefings")
    rows = (
        visible_to_request(request, Briefing)
        .select_related("area", "generated_by")
        .defer("pdf", "figures")
        .order_by("-first_day", "kind", "area__path")[:PAGE_ROWS]
    )
    context = {
        "briefings": rows,
        "areas": list(areas.values()),
        "kinds": BriefingKind.choices,
        "today": timezone.localdate(),
    }
    return render(request, "web/analytics/briefings.html", context)


@roles_required(*OVERSIGHT)
def briefing_pdf(request: HttpRequest, briefing_id: int) -> HttpResponse:
    briefing = visible_to_request(request, Briefing).filter(pk=briefing_id).first()
    if briefing is None:
        raise Http404("no such briefing in your area")
    response = HttpResponse(bytes(briefing.pdf), content_type="application/pdf")
    name = f"briefing-{briefing.kind}-{briefing.first_day:%Y%m%d}-{briefing.pk}.pdf"
    response["Content-Disposition"] = (
        f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(briefing.title + '.pdf')}"
    )
    return response
