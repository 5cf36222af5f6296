"""Forms of the community pages: raising a problem, assigning, recording progress, solving,
escalating, checking in on an alley patrol."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from ..action_forms import PhotosField

PLACE_MISSING = _("Choose the place on the map, or use your location.")


class PlaceForm(forms.Form):
    """A WGS84 point from the map picker or the phone's location."""

    lon = forms.FloatField(widget=forms.HiddenInput, min_value=-180, max_value=180, required=False)
    lat = forms.FloatField(widget=forms.HiddenInput, min_value=-90, max_value=90, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("lon") is None or data.get("lat") is None) and "lon" not in self.errors:
            self.add_error("lon", PLACE_MISSING)
        return data

    def add_domain_errors(self, exc: ValidationError) -> None:
        """The action's refusal, shown beside the field it names (or above the form)."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for key, errors in exc.error_dict.items():
            name = {"photo": "photos"}.get(key, key)
            self.add_error(name if name in self.fields else None, [m for e in errors for m in e.messages])


class RaiseForm(PlaceForm):
    description = forms.CharField(
        label=_("What is the problem?"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )
    source = forms.ChoiceField(
        label=_("Who found it"),
        choices=[("resident", _("reported by a resident")), ("head", _("found by a head"))],
        initial="resident",
    )
    address = forms.CharField(label=_("Address or landmark"), max_length=200, required=False)
    reporter_name = forms.CharField(label=_("Resident's name"), max_length=50, required=False)
    reporter_phone = forms.CharField(label=_("Resident's phone"), max_length=32, required=False)
    photos = PhotosField(label=_("Photos"), required=False)


class AssignForm(forms.Form):
    assignee = forms.ChoiceField(label=_("Assign to"))
    hours = forms.IntegerField(
        label=_("Working hours to solve it"), min_value=1, max_value=240, required=False
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["assignee"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("What was tried"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos = PhotosField(label=_("Photos"), required=False)


class SolveForm(forms.Form):
    solution = forms.CharField(
        label=_("How it was solved"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos = PhotosField(label=_("Photo after the fix"), required=True)


class EscalateForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it cannot be solved in the community"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class TakeCaseForm(forms.Form):
    case_id = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CheckInForm(PlaceForm):
    findings = forms.CharField(
        label=_("What you found"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos = PhotosField(label=_("Photo"), required=False)


class InspectForm(forms.Form):
    """The district's finding on an alley segment (区查)."""

    segment = forms.ChoiceField(label=_("Alley"))
    finding = forms.CharField(
        label=_("What the inspection found"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
    points = forms.DecimalField(label=_("Points deducted"), min_value=0, max_value=100, decimal_places=1)
    fix_days = forms.IntegerField(
        label=_("Days to fix"), min_value=1, max_value=30, initial=3, required=False
    )

    def __init__(self, *args: Any, segments: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["segment"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = segments
        self.segments = segments


class FixForm(forms.Form):
    note = forms.CharField(label=_("How it was fixed"), max_length=300)


class RosterForm(forms.Form):
    """The community set-up sheet to import (三长一站)."""

    file = forms.FileField(label=_("Set-up sheet"))
    dry_run = forms.BooleanField(label=_("Only check, import nothing"), required=False)
