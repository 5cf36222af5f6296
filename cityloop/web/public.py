"""Pages for citizens without an account: report a problem, get a tracking code, follow the case,
and rate the result once it is closed.

Citizens act as the public account (``public_actor()``); their phone number travels with the report
and is never shown on these pages. A case is found only by its tracking code, which is random and
carries no personal data; the tracking page shows states and times, not who handled what.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cityloop.cases.actions import rate_closed_case
from cityloop.cases.models import Case
from cityloop.core.audit import public_actor

from . import labels
from .reports import ReportForm, file_report, picker_layers

PHONE = re.compile(r"^\+?[0-9][0-9 -]{5,18}[0-9]$")
PUBLIC_CHANNEL = "citizen_web"
MAX_PUBLIC_PHOTOS = 3
# Where the public tracking page's steps come from: the states a citizen understands.
MILESTONES = ["reported", "accepted", "registered", "dispatched", "disposed", "closed"]


class PublicReportForm(ReportForm):
    reporter_phone = forms.CharField(
        label=gettext_lazy("Your phone number"),
        max_length=32,
        help_text=gettext_lazy("The centre may call you about this report. It is never shown publicly."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    reporter_name = forms.CharField(
        label=gettext_lazy("Your name"),
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )

    field_order = ["description", "address", "photos", "reporter_phone", "reporter_name"]

    def clean_reporter_phone(self) -> str:
        phone = self.cleaned_data["reporter_phone"].strip()
        if not PHONE.match(phone):
            raise ValidationError(_("Enter a phone number of digits, e.g. 13800138000."))
        return phone

    def clean_photos(self) -> list[Any]:
        photos = self.cleaned_data.get("photos") or []
        if len(photos) > MAX_PUBLIC_PHOTOS:
            raise ValidationError(_("At most %(n)d photos.") % {"n": MAX_PUBLIC_PHOTOS})
        return photos


def report(request: HttpRequest) -> HttpResponse:
    form = PublicReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = file_report(
            form,
            public_actor(),
            PUBLIC_CHANNEL,
            reporter_phone=data["reporter_phone"],
            reporter_name=data.get("reporter_name") or "",
        )
        if case is not None:
            request.session["cityloop_reported"] = case.tracking_code
            return redirect("web:public_receipt", case.tracking_code)
    status = 400 if form.is_bound else 200
    context = {"form": form, **picker_layers(public=True)}
    return render(request, "web/public/report.html", context, status=status)


def _by_code(code: str) -> Case:
    case = Case.objects.select_related("category").filter(tracking_code=code.strip().upper()).first()
    if case is None:
        raise Http404("no case with this tracking code")
    return case


def receipt(request: HttpRequest, code: str) -> HttpResponse:
    case = _by_code(code)
    fresh = request.session.get("cityloop_reported") == case.tracking_code
    return render(request, "web/public/receipt.html", {"case": case, "fresh": fresh})


def track(request: HttpRequest) -> HttpResponse:
    """The form to type a tracking code; a known code leads to its page."""
    code = request.GET.get("code", "").strip().upper()
    error = ""
    if code:
        if Case.objects.filter(tracking_code=code).exists():
            return redirect("web:public_track_case", code)
        error = _("No case has this tracking code. Check the code on your receipt.")
    return render(
        request, "web/public/track.html", {"code": code, "error": error}, status=404 if error else 200
    )


class RatingForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=gettext_lazy("How satisfied are you with the result?"),
        coerce=int,
        choices=[
            (5, gettext_lazy("5 – very satisfied")),
            (4, gettext_lazy("4 – satisfied")),
            (3, gettext_lazy("3 – so-so")),
            (2, gettext_lazy("2 – unsatisfied")),
            (1, gettext_lazy("1 – very unsatisfied")),
        ],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=gettext_lazy("Anything to add?"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def history(case: Case) -> list[dict[str, Any]]:
    """The state changes of the case, for the public: when and which state, nothing about people."""
    return [
        {"at": e.at, "state": e.to_state, "label": labels.state_label(e.to_state)}
        for e in case.events.order_by("seq")
        if e.from_state != e.to_state
    ]


def track_case(request: HttpRequest, code: str, form: RatingForm | None = None) -> HttpResponse:
    case = _by_code(code)
    rows = history(case)
    reached = {r["state"] for r in rows}
    milestones = [(s, labels.state_label(s), s in reached) for s in MILESTONES]
    context = {
        "case": case,
        "history": rows,
        "milestones": milestones,
        "closed": case.state == "closed",
        "refused": case.state in ("not_accepted", "not_registered", "voided"),
        "rating_form": form
        or (RatingForm() if case.state == "closed" and case.citizen_rating is None else None),
        "fresh": request.session.get("cityloop_reported") == case.tracking_code,
    }
    return render(request, "web/public/track_case.html", context, status=400 if form else 200)


@require_POST
def rate(request: HttpRequest, code: str) -> HttpResponse:
    case = _by_code(code)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            rate_closed_case(
                case,
                actor=public_actor(),
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            form.add_error("rating", exc.message_dict.get("rating", exc.messages))
        else:
            return redirect("web:public_track_case", case.tracking_code)
    return track_case(request, code, form)
