"""Pages for citizens without an account: report a problem, get a tracking code, follow the case,
and rate the result once it is closed.

Citizens act as the public account (``public_actor()``); their phone number travels with the report
and is never shown on these pages. A case is found only by its tracking code, which is random and
carries no personal data; the tracking page shows states and times, not who handled what.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, NamedTuple
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cityloop.cases import receipts
from cityloop.cases.actions import rate_closed_case
from cityloop.cases.merging import joined
from cityloop.cases.models import Attachment, Case
from cityloop.cases.workflow import UNIT_STATES
from cityloop.core import ratelimits
from cityloop.core.audit import public_actor
from cityloop.core.files import file_response

from . import labels
from .reports import ReportForm, file_report, picker_layers
from .views import too_many

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

    photos_public = forms.BooleanField(
        label=gettext_lazy("Show my photos on the public map"),
        required=False,
        help_text=gettext_lazy("Without your consent your photos are seen by the centre only."),
    )

    field_order = ["description", "address", "photos", "photos_public", "reporter_phone", "reporter_name"]

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
        try:
            ratelimits.limit_anonymous_report(request, data["reporter_phone"])
        except ratelimits.RateLimited as exc:
            message = _("Too many reports from here just now; we have the ones you sent.")
            return too_many(request, message, exc.retry_after, back=reverse("web:public_report"))
        case = file_report(
            form,
            public_actor(),
            PUBLIC_CHANNEL,
            reporter_phone=data["reporter_phone"],
            reporter_name=data.get("reporter_name") or "",
            photos_public=bool(data.get("photos_public")),
        )
        if case is not None:
            request.session["cityloop_reported"] = case.tracking_code
            return redirect("web:public_receipt", case.tracking_code)
    status = 400 if form.is_bound else 200
    context = {"form": form, **picker_layers(public=True)}
    return render(request, "web/public/report.html", context, status=status)


def _by_code(request: HttpRequest, code: str) -> Case:
    case = (
        Case.objects.select_related("category", "duplicate_of__category")
        .filter(tracking_code=code.strip().upper())
        .first()
    )
    if case is None:
        ratelimits.count_tracking_miss(request)  # may answer 429 instead
        raise Http404("no case with this tracking code")
    return case


def receipt(request: HttpRequest, code: str) -> HttpResponse:
    """The receipt: the tracking code for anyone who has it, and, for the browser that just sent the
    report, its signed link (the reporter's proof, to rate the result later)."""
    case = _by_code(request, code)
    fresh = request.session.get("cityloop_reported") == case.tracking_code
    link = ""
    if fresh:
        path = reverse("web:public_track_case", args=[case.tracking_code])
        link = request.build_absolute_uri(f"{path}?{urlencode({'key': receipts.receipt_key(case)})}")
    return render(request, "web/public/receipt.html", {"case": case, "fresh": fresh, "link": link})


def track(request: HttpRequest) -> HttpResponse:
    """The form to type a tracking code; a known code leads to its page."""
    code = request.GET.get("code", "").strip().upper()
    error = ""
    if code:
        if Case.objects.filter(tracking_code=code).exists():
            return redirect("web:public_track_case", code)
        try:
            ratelimits.count_tracking_miss(request)
        except ratelimits.RateLimited as exc:
            return too_many(request, _("Too many unknown tracking codes from here."), exc.retry_after)
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
    phone_last4 = forms.CharField(
        label=gettext_lazy("Last four digits of the phone number you gave"),
        help_text=gettext_lazy("Only the person who reported the problem may rate it."),
        min_length=4,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "pattern": "[0-9]{4}"}),
    )
    key = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args: Any, with_key: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if with_key:  # the receipt link is the proof: no digits to type
            del self.fields["phone_last4"]


def history(case: Case) -> list[dict[str, Any]]:
    """The state changes of the case, for the public: when and which state, nothing about people."""
    return [
        {"at": e.at, "state": e.to_state, "label": labels.state_label(e.to_state)}
        for e in case.events.order_by("seq")
        if e.from_state != e.to_state
    ]


class PublicResult(NamedTuple):
    """What the public tracking page shows of the work: the reporter's own photos, and the unit's
    latest result (its feedback text and photos). Nothing about people."""

    own_photos: list[Attachment]
    result_text: str
    result_photos: list[Attachment]
    result_at: dt.datetime | None


def public_result(case: Case) -> PublicResult:
    """The reporter's own photos, and the result of the case they follow: their own, or the one
    their report was merged into (合并), whose unit's feedback is theirs to see."""
    followed = joined(case)
    report = case.events.filter(seq=1).first()
    disposed = followed.events.filter(transition="dispose").order_by("-seq").first()
    own = case.attachments.filter(content_type__startswith="image/", event__seq=1) if report else None
    done = (
        followed.attachments.filter(content_type__startswith="image/", event=disposed)
        if disposed is not None
        else None
    )
    return PublicResult(
        own_photos=list(own.order_by("id")) if own is not None else [],
        result_text=disposed.note if disposed else "",
        result_photos=list(done.order_by("id")) if done is not None else [],
        result_at=disposed.at if disposed else None,
    )


def track_photo(request: HttpRequest, code: str, pk: int) -> HttpResponseBase:
    """One photo the tracking page shows (the reporter's own, or the unit's result), by its case's
    tracking code; any other photo of the case is not found."""
    case = _by_code(request, code)
    shown = public_result(case)
    photo = next((a for a in [*shown.own_photos, *shown.result_photos] if a.pk == pk), None)
    if photo is None:
        raise Http404("no such photo")
    return file_response(photo.file, photo.content_type)


def track_case(request: HttpRequest, code: str, form: RatingForm | None = None) -> HttpResponse:
    case = _by_code(request, code)
    followed = joined(case)  # a report merged into another follows that case (合并)
    rows = history(followed)
    reached = {r["state"] for r in rows}
    milestones = [(s, labels.state_label(s), s in reached) for s in MILESTONES]
    key = request.GET.get("key", "")
    with_key = bool(key) and receipts.receipt_key_matches(case, key)
    if form is None and case.state == "closed" and case.citizen_rating is None:
        form = RatingForm(with_key=with_key, initial={"key": key if with_key else ""})
    context = {
        "case": case,
        "followed": followed,
        "history": rows,
        "milestones": milestones,
        "closed": followed.state == "closed",
        "refused": followed.state in ("not_accepted", "not_registered", "voided"),
        "result": public_result(case),
        # While the unit works on it, its disposal deadline is when the citizen may expect it done.
        "expected": followed.deadline_at
        if followed.state in UNIT_STATES and followed.current_step == "dispose"
        else None,
        "rating_form": form,
        "fresh": request.session.get("cityloop_reported") == case.tracking_code,
    }
    status = 400 if form is not None and form.is_bound else 200
    return render(request, "web/public/track_case.html", context, status=status)


@require_POST
def rate(request: HttpRequest, code: str) -> HttpResponse:
    """The reporter's rating, with their proof; wrong proofs are counted per case and per address."""
    case = _by_code(request, code)
    key = request.POST.get("key", "")
    form = RatingForm(request.POST, with_key=bool(key) and receipts.receipt_key_matches(case, key))
    proofs = [
        ("wrong proofs for one case", case.tracking_code),
        ("wrong proofs from one address", ratelimits.client_address(request)),
    ]
    limit = settings.CITYLOOP_RATELIMIT_PROOF_FAILURES
    try:
        for what, value in proofs:
            ratelimits.ensure_below(request, what, value, limit)
    except ratelimits.RateLimited as exc:
        back = reverse("web:public_track_case", args=[case.tracking_code])
        return too_many(request, _("Too many wrong answers for this case."), exc.retry_after, back=back)
    if form.is_valid():
        try:
            rate_closed_case(
                case,
                actor=public_actor(),
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
                phone_last4=form.cleaned_data.get("phone_last4") or "",
                receipt_key=form.cleaned_data.get("key") or "",
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, messages)
            if "phone_last4" in exc.message_dict:
                for what, value in proofs:
                    ratelimits.hit(request, what, value, limit)
        else:
            return redirect("web:public_track_case", case.tracking_code)
    return track_case(request, code, form)
