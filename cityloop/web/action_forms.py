"""One small form per workflow transition, built from what the transition needs (its ``requires``).

The forms check what they can (required fields, numbers, choices) so that people get their errors
in their own language next to the field; the engine checks the rest and its per-field
``ValidationError`` is put next to the same fields.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cityloop.cases import clocks, duplicates
from cityloop.cases.effects import SATISFACTION
from cityloop.cases.models import Case
from cityloop.cases.workflow import Step, Transition
from cityloop.catalog import lookup
from cityloop.core.models import Unit, UnitKind, User
from cityloop.core.permissions import restrict
from cityloop.core.units import district_of
from cityloop.routing.models import Level
from cityloop.video.casework import frame_available

from . import labels

DISPATCHABLE = [UnitKind.DEPARTMENT, UnitKind.COMPANY, UnitKind.STREET, UnitKind.COMMUNITY, UnitKind.STATION]
MAX_PHOTOS = 6
# Transitions whose form offers photos, and whether at least one is needed.
PHOTO_TRANSITIONS = {
    "dispose": True,
    "check_pass": False,
    "check_fail": False,
    "verify": False,
    "video_check_pass": False,
    "video_check_fail": False,
}
# A check through a camera (视频核查) takes the camera's frame now, unless the operator uploads one.
VIDEO_CHECKS = ("video_check_pass", "video_check_fail")
# Fields a transition takes besides the ones it requires (the dispatcher may override the routing
# suggestion, and says why; a returning unit may name the right one).
OPTIONAL_FIELDS: dict[str, tuple[str, ...]] = {"dispatch": ("unit", "reason")}
REASON_LABELS: dict[str, Any] = {"dispatch": _("Reason, if you choose another unit than suggested")}
FIELD_ORDER = [
    "into",
    "found",
    "category",
    "kind",
    "component",
    "condition",
    "unit",
    "suggested_unit",
    "amount",
    "time_unit",
    "satisfaction",
    "feedback",
    "grab_frame",
    "photos",
    "reason",
    "note",
]
# Engine error keys → the form field that shows them.
FIELD_ALIASES = {
    "frame": "grab_frame",
    "attachments": "photos",
    "file": "photos",
    "code": "category",
    "kind": "category",
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos in one input (the phone's camera or gallery)."""

    widget = MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.error_messages["required"] = _("Add at least one photo.")

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        if self.required and not files:
            raise ValidationError(self.error_messages["required"], code="required")
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("At most %(n)d photos at a time.") % {"n": MAX_PHOTOS})
        return [super(PhotosField, self).clean(f, initial) for f in files]


def _textarea(required: bool = True, rows: int = 2) -> forms.CharField:
    return forms.CharField(required=required, max_length=2000, widget=forms.Textarea(attrs={"rows": rows}))


def _routing_units(case: Case) -> list[tuple[int, str]]:
    """(unit id, explanation) of the routing decision stored on the case: its choice, then alternatives."""
    decision = getattr(case, "routing", None) or {}
    if not isinstance(decision, dict):
        return []
    english = not labels.chinese()

    def text(entry: dict[str, Any]) -> str:
        return str((entry.get("explanation_en") if english else None) or entry.get("explanation") or "")

    out: list[tuple[int, str]] = []
    for entry in [decision, *(decision.get("alternatives") or [])]:
        unit = entry.get("unit") if isinstance(entry, dict) else None
        if isinstance(unit, dict) and unit.get("id"):
            out.append((int(unit["id"]), text(entry)))
    return out


def dispatch_suggestions(case: Case) -> list[tuple[Unit, str]]:
    """Units to dispatch to, with why: the routing decision (and its alternatives) when the case has
    one; otherwise the loop's principles: a component goes to its owner (then its maintainer), an
    event to the unit responsible for the grid, and the street is the territorial fallback."""
    found: list[tuple[Unit, str]] = []
    routed = _routing_units(case)
    if routed:
        units = Unit.objects.in_bulk([pk for pk, _ in routed])
        found = [(units[pk], why) for pk, why in routed if pk in units]
    else:
        component = case.component
        if component is not None:
            if component.owner is not None:
                found.append((component.owner, str(_("owner of the component"))))
            if component.maintainer is not None:
                found.append((component.maintainer, str(_("maintainer of the component"))))
        grid = case.grid
        if grid is not None and grid.responsible_unit is not None:
            found.append((grid.responsible_unit, str(_("responsible for the grid"))))
        if case.street is not None:
            found.append((case.street, str(_("street of the grid (territorial fallback)"))))
    seen: set[int] = set()
    unique = []
    for unit, why in found:
        if unit.pk not in seen and unit.is_active():
            seen.add(unit.pk)
            unique.append((unit, why))
    return unique


def usable_suggestions(case: Case) -> list[tuple[Unit, str]]:
    """The suggestions the case's centre may dispatch to: a district centre does not dispatch to the
    city's own units (it refers the case up instead)."""
    found = dispatch_suggestions(case)
    if case.command_level == Level.CITY:
        return found
    return [(u, why) for u, why in found if district_of(u) is not None]


def dispatch_area(case: Case) -> Q:
    """The units a case may be dispatched to: its district's, and for a city-level case also the
    city's own departments and companies (those under the city but in no district)."""
    area = Q(path__startswith=case.district.path)
    city = case.district.parent
    if case.command_level != Level.CITY or city is None:
        return area
    above = Q(path__startswith=city.path)
    for path in Unit.objects.filter(kind=UnitKind.DISTRICT, path__startswith=city.path).values_list(
        "path", flat=True
    ):
        above &= ~Q(path__startswith=path)
    return area | above


def dispatch_choices(case: Case, user: User) -> list[tuple[str, Any]]:
    """Suggested units first, then every active unit the case may go to that the user may see."""
    suggestions = usable_suggestions(case)
    units = (
        restrict(Unit.objects.filter(kind__in=DISPATCHABLE), user, "view")
        .filter(dispatch_area(case))
        .exclude(pk__in=[u.pk for u, _ in suggestions])
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=case.reported_at.date()))
        .order_by("kind", "code")
    )
    choices: list[tuple[str, Any]] = [("", _("— choose the unit —"))]
    if suggestions:
        choices.append(
            (str(_("Suggested")), [(str(u.pk), f"{labels.named(u)} · {why}") for u, why in suggestions])
        )
    by_kind: dict[str, list[tuple[str, str]]] = {}
    for unit in units:
        by_kind.setdefault(str(UnitKind(unit.kind).label), []).append((str(unit.pk), labels.named(unit)))
    choices += list(by_kind.items())
    return choices


def condition_choices(case: Case) -> list[tuple[str, str]]:
    if case.category is None:
        return []
    regions = [u for u in (case.street, case.district) if u is not None]
    rows = lookup.conditions_for(case.category, region_units=regions)
    english = not labels.chinese()
    out = []
    for c in rows:
        text = c.description_en if english and c.description_en else c.description
        limit = f"{c.limit_amount} {labels.time_unit_label(c.limit_unit)}"
        out.append((str(c.number), f"{c.number}. {text} ({labels.named(c.urgency)}, {limit})"))
    return out


class ActionForm(forms.Form):
    """The fields one transition needs, plus an optional note; ``payload()`` shapes them for the engine."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, case: Case, transition: Transition, user: User, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.case, self.transition, self.user = case, transition, user
        self.fields["version"].initial = case.version
        needs = set(transition.requires)
        wanted = needs | set(OPTIONAL_FIELDS.get(transition.name, ()))
        if "reason" in wanted:
            self.fields["reason"] = _textarea(required="reason" in needs)
            self.fields["reason"].label = REASON_LABELS.get(transition.name, _("Reason"))
        if "into" in needs:
            # The likely duplicate the case page offers first, or any case number the operator knows.
            offered = duplicates.of_case(case, restrict(Case.objects.all(), user, "view"))
            self.fields["into"] = forms.CharField(
                label=_("Merge into case (number)"),
                max_length=40,
                initial=offered[0].number if offered else "",
                help_text=_("The open case of the same problem; this report's reporter will follow it."),
            )
        if "found" in needs:
            self.fields["found"] = forms.ChoiceField(
                label=_("Found on site?"),
                choices=[("true", _("Yes, the problem is there")), ("false", _("No, nothing found"))],
                widget=forms.RadioSelect,
            )
        if "category" in needs:
            self._category_fields()
        if "condition" in needs:
            self.fields["condition"] = forms.ChoiceField(
                label=_("Registration condition"), choices=[("", "—"), *condition_choices(case)]
            )
        if "unit" in wanted:
            suggested = usable_suggestions(case)
            self.fields["unit"] = forms.ChoiceField(
                label=_("Responsible unit"),
                choices=dispatch_choices(case, user),
                required="unit" in needs or not suggested,
                initial=str(suggested[0][0].pk) if suggested else "",
            )
        if transition.name == "request_return":
            self.fields["suggested_unit"] = forms.ChoiceField(
                label=_("Which unit should handle it"),
                choices=dispatch_choices(case, user),
                required=False,
            )
        if "amount" in needs:
            self._extension_fields()
        if "feedback" in needs:
            self.fields["feedback"] = _textarea(rows=3)
            self.fields["feedback"].label = _("What was done")
        if "satisfaction" in needs:
            self.fields["satisfaction"] = forms.ChoiceField(
                label=_("Reporter's satisfaction"),
                choices=[(s, labels.SATISFACTION[s]) for s in SATISFACTION],
                widget=forms.RadioSelect,
            )
        if "note" in needs:
            self.fields["note"] = _textarea()
            self.fields["note"].label = _("Note")
        elif not wanted & {"reason", "feedback"}:
            self.fields["note"] = _textarea(required=False)
            self.fields["note"].label = _("Note")
        if transition.name in PHOTO_TRANSITIONS:
            self.fields["photos"] = PhotosField(
                label=_("Photos"), required=PHOTO_TRANSITIONS[transition.name]
            )
        if transition.name in VIDEO_CHECKS and frame_available(case):
            self.fields["grab_frame"] = forms.BooleanField(
                label=_("Take the camera's frame now"),
                required=False,
                initial=True,
                help_text=_("Or untick and upload a screenshot of the camera's picture."),
            )
        elif transition.name in VIDEO_CHECKS:  # a camera without a snapshot address: a screenshot
            self.fields["photos"].required = True
            self.fields["photos"].label = _("Screenshot of the camera's picture")
            self.fields["photos"].help_text = _(
                "This camera gives no frame by itself: upload a screenshot from the video platform."
            )
        self.order_fields(FIELD_ORDER)

    def _category_fields(self) -> None:
        case = self.case
        self.fields["category"] = forms.CharField(
            label=_("Category (subclass code)"),
            max_length=4,
            initial=case.category.code if case.category else "",
            widget=forms.TextInput(attrs={"inputmode": "numeric", "data-category-code": "1"}),
        )
        self.fields["kind"] = forms.ChoiceField(
            label=_("Kind"),
            choices=[("event", _("Event")), ("component", _("Component"))],
            initial=case.category.kind if case.category else "event",
        )
        self.fields["component"] = forms.CharField(
            label=_("Component ID"),
            max_length=16,
            required=False,
            initial=case.component.code if case.component else "",
        )

    def _extension_fields(self) -> None:
        running = clocks.running(self.case, Step.DISPOSE)
        unit = running.limit_unit if running else "working_hour"
        self.fields["amount"] = forms.FloatField(label=_("Extra time"), min_value=0.5, max_value=1000)
        self.fields["time_unit"] = forms.ChoiceField(
            label=_("Unit"), choices=[(unit, labels.time_unit_label(unit))], initial=unit
        )

    @property
    def has_files(self) -> bool:
        return "photos" in self.fields

    def payload(self) -> dict[str, Any]:
        """What ``perform`` takes: the cleaned values without the form's own bookkeeping."""
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("version", "photos", "grab_frame")}
        if "found" in data:
            data["found"] = data["found"] == "true"
        if "condition" in data:
            data["condition"] = int(data["condition"])
        return {k: v for k, v in data.items() if v not in (None, "")}

    def add_engine_errors(self, exc: ValidationError) -> None:
        """Put the engine's per-field messages next to the matching fields."""
        if not hasattr(exc, "error_dict"):
            self.add_error(None, exc)
            return
        for key, errors in exc.error_dict.items():
            field = FIELD_ALIASES.get(key, key)
            messages = [m for e in errors for m in e.messages]
            self.add_error(field if field in self.fields else None, messages)
