"""The citizen representative's phone page for supervision visits (市民代表监督走访): record a visit
with what was found on the map; each finding becomes a report whose tracking code the page keeps."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityloop.cases.citizen_visits import report_visit
from cityloop.participation.models import Volunteer
from cityloop.participation.models.volunteering import ApprovalStatus, VolunteerKind

from ..community.forms import PLACE_MISSING, PlaceForm
from ..reports import picker_layers
from .citizen import error_messages, limit_writes, need_citizen


class VisitForm(PlaceForm):
    """Where the representative went, what they saw, and the one problem found (placed on the map)."""

    place = forms.CharField(label=_("Where you went"), max_length=200)
    summary = forms.CharField(
        label=_("What you saw"), max_length=1000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    finding = forms.CharField(
        label=_("A problem to report"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("It becomes a report with a tracking code; leave it empty if all was in order."),
    )

    def clean(self) -> dict[str, Any]:
        data = forms.Form.clean(self) or {}
        # A place on the map is needed only for a problem to report.
        placed = data.get("lon") is not None and data.get("lat") is not None
        if data.get("finding") and not placed and "lon" not in self.errors:
            self.add_error("lon", PLACE_MISSING)
        return data


def _representative(citizen: Any) -> Volunteer | None:
    return (
        Volunteer.objects.select_related("citizen", "street")
        .filter(citizen=citizen, kind=VolunteerKind.REPRESENTATIVE, status=ApprovalStatus.APPROVED)
        .first()
    )


def visits(request: HttpRequest) -> HttpResponse:
    """Record a visit (with a finding, if any) and see one's past visits and their reports."""
    citizen = need_citizen(request)
    if isinstance(citizen, HttpResponse):
        return citizen
    representative = _representative(citizen)
    if representative is None:
        refused = [_("Only an approved citizen representative records supervision visits.")]
        return render(request, "web/participation/refused.html", {"errors": refused}, status=403)
    form = VisitForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        limit_writes(request)
        data = form.cleaned_data
        findings = (
            [{"description": data["finding"], "lon": data["lon"], "lat": data["lat"]}]
            if data["finding"]
            else []
        )
        try:
            report_visit(
                representative=representative,
                place=data["place"],
                at=timezone.now(),
                summary=data["summary"],
                findings=findings,
            )
            return redirect(f"{reverse('web:citizen_visits')}?recorded=1")
        except ValidationError as exc:
            errors = error_messages(exc)
    context = {
        "form": form,
        "representative": representative,
        "visits": representative.visits.prefetch_related("findings").order_by("-at")[:30],
        "errors": errors,
        **picker_layers(public=True),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "web/participation/visits.html", context, status=status)
