"""Report forms: the hotline operator's, the supervisor's on a phone, and (in ``public``) the citizen's.

Each stores its photos through ``upload_attachment`` and turns the report into a case through
``submit_report``, in one transaction, so a refused report leaves no stray photos behind.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cityloop.cases.actions import submit_report
from cityloop.cases.attachments import upload_attachment
from cityloop.cases.engine import TransitionError
from cityloop.cases.models import AppealNature, Case, Channel
from cityloop.core.models import Role, User

from . import labels
from .access import current_user, holds, roles_required
from .action_forms import PhotosField
from .queue import choices

PLACE_MISSING = gettext_lazy(
    "Choose the place: tap the map, use your location, or search a road or community."
)
# Engine error keys → the report form's fields.
REPORT_FIELDS = {
    "location": "lon",
    "crs": "crs",
    "attachments": "photos",
    "file": "photos",
    "code": "category",
    "kind": "category",
    "channel": "channel",
}


# What a map app's "copy coordinates" gives: WGS84 from GPS apps, GCJ-02 from AMap, Tencent and
# WeChat, BD-09 from Baidu.
PASTED_SYSTEMS = [
    ("wgs84", gettext_lazy("WGS84 (GPS)")),
    ("gcj02", gettext_lazy("GCJ-02 (AMap, Tencent, WeChat)")),
    ("bd09", gettext_lazy("BD-09 (Baidu)")),
]
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def parse_pasted(text: str) -> tuple[float, float]:
    """``(lon, lat)`` from text copied out of a map app: two numbers, any separator. Some apps
    (Tencent's picker) copy latitude first; in China a latitude is below 60 and a longitude above 70,
    so such a pair is turned round."""
    numbers = _NUMBER.findall(text)
    if len(numbers) != 2:
        raise ValidationError(_("Paste two numbers: longitude and latitude, e.g. 116.404,39.915."))
    first, second = float(numbers[0]), float(numbers[1])
    if abs(first) <= 60 and 70 <= abs(second) <= 180:
        first, second = second, first
    return first, second


class ReportForm(forms.Form):
    """What every report needs: what, where, photos; the key makes a double submission one case."""

    description = forms.CharField(
        label=gettext_lazy("What is the problem?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    address = forms.CharField(label=gettext_lazy("Address or landmark"), max_length=200, required=False)
    # The map and the browser's geolocation give WGS84; coordinates pasted from a map app come with
    # the app's system and win over the map's point.
    lon = forms.FloatField(widget=forms.HiddenInput, min_value=-180, max_value=180, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, min_value=-90, max_value=90, required=False)
    pasted = forms.CharField(
        label=gettext_lazy("Coordinates from a map app"),
        max_length=80,
        required=False,
        help_text=gettext_lazy("Longitude, latitude as the app shows them, e.g. 116.404,39.915"),
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    crs = forms.ChoiceField(
        label=gettext_lazy("Map app"),
        choices=PASTED_SYSTEMS,
        initial="gcj02",
        required=False,
    )
    photos = PhotosField(label=gettext_lazy("Photos"), required=False)
    key = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["key"].initial = uuid.uuid4().hex

    def clean_pasted(self) -> tuple[float, float] | None:
        text = (self.cleaned_data.get("pasted") or "").strip()
        return parse_pasted(text) if text else None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        pasted = data.get("pasted")
        if pasted:
            data["lon"], data["lat"] = pasted
            data["crs"] = data.get("crs") or "gcj02"
        elif "pasted" not in self.errors:
            data["crs"] = "wgs84"
            if (data.get("lon") is None or data.get("lat") is None) and "lon" not in self.errors:
                self.add_error("lon", PLACE_MISSING)
        return data

    def add_engine_errors(self, exc: ValidationError) -> None:
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for key, errors in exc.error_dict.items():
            name = REPORT_FIELDS.get(key, key)
            messages_ = [m for e in errors for m in e.messages]
            self.add_error(name if name in self.fields else None, messages_)


class CategoryMixin(forms.Form):
    category = forms.CharField(
        label=gettext_lazy("Category (subclass code)"),
        max_length=4,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "data-category-code": "1"}),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=[("event", gettext_lazy("Event")), ("component", gettext_lazy("Component"))],
        initial="event",
        required=False,
    )
    component = forms.CharField(label=gettext_lazy("Component ID"), max_length=16, required=False)

    def clean_category(self) -> str:
        code = (self.cleaned_data.get("category") or "").strip()
        if code and not (code.isdigit() and len(code) == 4):
            raise ValidationError(_("Pick a subclass from the search, or type its 4-digit code."))
        return code


class HotlineForm(CategoryMixin, ReportForm):
    channel = forms.ChoiceField(label=gettext_lazy("Hotline"))
    external_id = forms.CharField(label=gettext_lazy("Ticket number"), max_length=64, required=False)
    appeal_nature = forms.TypedChoiceField(
        label=gettext_lazy("Appeal nature"),
        coerce=int,
        choices=AppealNature.choices,
        initial=AppealNature.REQUEST,
    )
    reporter_name = forms.CharField(label=gettext_lazy("Caller's name"), max_length=50, required=False)
    reporter_phone = forms.CharField(label=gettext_lazy("Caller's phone"), max_length=32, required=False)

    field_order = [
        "channel",
        "external_id",
        "appeal_nature",
        "reporter_name",
        "reporter_phone",
        "description",
        "category",
        "kind",
        "component",
        "address",
    ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Channels an operator types in: everything but the field and the citizens' own channels.
        channels = Channel.objects.filter(active=True, accepts_anonymous=False).exclude(code="supervisor")
        choices(self, "channel").choices = [(c.code, labels.named(c)) for c in channels]
        self.fields["channel"].initial = "hotline_12345"


class FieldReportForm(CategoryMixin, ReportForm):
    """A supervisor's (or community head's) report from the street, with the phone's location."""

    self_handled = forms.BooleanField(
        label=gettext_lazy("I fixed it on the spot (needs a before and an after photo)"), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["photos"].required = True
        self.fields["photos"].error_messages["required"] = gettext_lazy(
            "Take at least one photo of the problem."
        )

    field_order = ["description", "category", "kind", "component", "address", "photos", "self_handled"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("category"):
            self.add_error("category", _("Pick the category: search for it, e.g. 井盖 or 垃圾."))
        if data.get("self_handled") and len(data.get("photos") or []) < 2:
            self.add_error("photos", _("A problem fixed on the spot needs a before and an after photo."))
        return data


def file_report(form: ReportForm, actor: User, channel: str, **extra: Any) -> Case | None:
    """Upload the form's photos and submit the report; on refusal the form carries the errors."""
    data = form.cleaned_data
    try:
        with transaction.atomic():
            ids = [
                upload_attachment(actor=actor, name=p.name, content=p.read(), purpose="report").pk
                for p in data.get("photos") or []
            ]
            case, _created = submit_report(
                actor=actor,
                channel=channel,
                description=data["description"],
                lon=data["lon"],
                lat=data["lat"],
                crs=data.get("crs") or "wgs84",
                address=data.get("address") or "",
                attachments=ids,
                idempotency_key=data.get("key") or None,
                **extra,
            )
    except ValidationError as exc:
        form.add_engine_errors(exc)
        return None
    except TransitionError as exc:
        form.add_error("lon" if exc.status == 403 else None, exc.message)
        return None
    return case


def picker_layers(public: bool = False) -> dict[str, str]:
    """The layers under the report map: the user's grids (street outlines for the public), and roads."""
    grids = reverse("web:public_layer", args=["boundaries"]) if public else reverse("web:map_grids")
    return {"picker_grids": grids, "picker_roads": reverse("web:public_layer", args=["roads"])}


def _category(data: dict[str, Any]) -> dict[str, Any]:
    if not data.get("category"):
        return {}
    return {
        "category": data["category"],
        "kind": data.get("kind") or "event",
        "component": data.get("component") or None,
    }


@roles_required(Role.OPERATOR)
def hotline_report(request: HttpRequest) -> HttpResponse:
    """The operator enters a call: who called, what, where (map or address), which category."""
    form = HotlineForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        case = file_report(
            form,
            current_user(request),
            data["channel"],
            external_id=data.get("external_id") or "",
            appeal_nature=data["appeal_nature"],
            reporter_name=data.get("reporter_name") or "",
            reporter_phone=data.get("reporter_phone") or "",
            **_category(data),
        )
        if case is not None:
            messages.success(
                request, _("Case %(number)s registered from the call.") % {"number": case.number}
            )
            return redirect("web:case", case.pk)
    status = 400 if form.is_bound else 200
    return render(request, "web/report/hotline.html", {"form": form, **picker_layers()}, status=status)


@roles_required(Role.SUPERVISOR, Role.COMMUNITY_HEAD)
def field_report(request: HttpRequest) -> HttpResponse:
    """A supervisor on patrol: location from the phone, a photo from its camera, the category."""
    form = FieldReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        channel = "supervisor" if holds(request, {Role.SUPERVISOR}) else "community_head"
        case = file_report(
            form,
            current_user(request),
            channel,
            self_handled=bool(data.get("self_handled")),
            **_category(data),
        )
        if case is not None:
            messages.success(request, _("Reported: case %(number)s.") % {"number": case.number})
            return redirect("web:mobile_home")
    status = 400 if form.is_bound else 200
    return render(request, "web/mobile/report.html", {"form": form, **picker_layers()}, status=status)
