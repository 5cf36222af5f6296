"""The coordination meetings' page (例会): the station head records the community's weekly meeting on
the phone, the street's managers the monthly street meeting; the agenda is the area's open and
escalated problems, and each action item (who does what by when) is marked done here when it is."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from cityloop.community import meetings as meeting_actions
from cityloop.community.access import active_posts
from cityloop.community.models import ActionItem, Meeting, MeetingKind, PostKind
from cityloop.community.scopes import MANAGE
from cityloop.core.models import Membership, Unit, UnitKind, User
from cityloop.core.permissions import restrict

from ..access import current_user, roles_required
from .views import ROLES

ITEM_ROWS = 3
UNITS_LIMIT = 300


class MeetingForm(forms.Form):
    held_on = forms.DateField(
        label=_l("Held on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    place = forms.CharField(label=_l("Meeting venue"), max_length=100, required=False)
    attendees = forms.CharField(label=_l("Attendees"), max_length=500, required=False)
    decisions = forms.CharField(
        label=_l("Decisions"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, agenda: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for n in range(1, ITEM_ROWS + 1):
            self.fields[f"what{n}"] = forms.CharField(
                label=_l("Action to take"), max_length=200, required=False
            )
            self.fields[f"who{n}"] = forms.CharField(label=_l("Who"), max_length=50, required=False)
            self.fields[f"due{n}"] = forms.DateField(
                label=_l("By when"),
                required=False,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            )
            self.fields[f"task{n}"] = forms.ChoiceField(
                label=_l("Problem on the agenda"), choices=[("", "—"), *agenda], required=False
            )

    def items(self) -> list[dict[str, object]]:
        """The filled item rows; a row with only some of what, who and when is an error on it."""
        found = []
        for n in range(1, ITEM_ROWS + 1):
            what, who, due = (self.cleaned_data.get(f"{k}{n}") for k in ("what", "who", "due"))
            task = self.cleaned_data.get(f"task{n}") or ""
            if not (what or who or due):
                continue
            for key, value in (("what", what), ("who", who), ("due", due)):
                if not value:
                    self.add_error(f"{key}{n}", _("Say what, who and by when."))
            found.append(
                {"what": what, "who": who, "due": due, "task": int(task) if task.isdigit() else None}
            )
        return found

    def fields_of(self, n: int) -> list[forms.BoundField]:
        return [self[f"{k}{n}"] for k in ("what", "who", "due", "task")]

    def rows(self) -> list[list[forms.BoundField]]:
        return [self.fields_of(n) for n in range(1, ITEM_ROWS + 1)]


def meeting_units(user: User) -> list[Unit]:
    """The communities whose station the user heads, and the communities and streets they manage."""
    heads = [p.station.community for p in active_posts(user) if p.kind == PostKind.STATION_HEAD]
    paths = list(
        Membership.objects.active().filter(user=user, role__in=MANAGE).values_list("unit__path", flat=True)
    )
    managed: QuerySet[Unit] = Unit.objects.none()
    if user.is_superuser or paths:
        under = Q()
        for path in paths:
            under |= Q(path__startswith=path)
        kinds = Unit.objects.filter(kind__in=(UnitKind.COMMUNITY, UnitKind.STREET))
        managed = kinds if user.is_superuser else kinds.filter(under)
    units = {u.pk: u for u in heads}
    for unit in managed.order_by("path")[:UNITS_LIMIT]:
        units.setdefault(unit.pk, unit)
    return sorted(units.values(), key=lambda u: (u.kind != UnitKind.STREET, u.path))


@roles_required(*ROLES)
def meetings(request: HttpRequest) -> HttpResponse:
    """Record a meeting of one of the user's communities or streets; follow its action items."""
    user = current_user(request)
    units = meeting_units(user)
    wanted = (request.POST.get("unit") or request.GET.get("unit") or "")[:32]
    unit = next((u for u in units if u.code == wanted), None)
    if unit is None and request.method == "POST" and request.POST.get("action") == "hold":
        raise PermissionDenied("not a community or street you hold meetings for")
    unit = unit or (units[0] if units else None)
    visible = restrict(ActionItem.objects.all(), user, "view")
    if request.method == "POST" and request.POST.get("action") == "done":
        return _done(request, user, visible, unit)
    agenda = list(meeting_actions.agenda_tasks(unit)) if unit else []
    form = MeetingForm(
        request.POST if request.method == "POST" else None,
        agenda=[(str(t.pk), t.description[:40]) for t in agenda],
        initial={"held_on": timezone.localdate()},
    )
    if request.method == "POST":
        if unit is None:
            raise PermissionDenied("no community or street to hold a meeting for")
        if form.is_valid():
            items = form.items()
            if form.is_valid():
                try:
                    meeting_actions.hold_meeting(
                        actor=user,
                        unit=unit,
                        kind=MeetingKind.STREET_MONTHLY
                        if unit.kind == UnitKind.STREET
                        else MeetingKind.COMMUNITY_WEEKLY,
                        items=items,
                        **{k: form.cleaned_data[k] for k in ("held_on", "place", "attendees", "decisions")},
                    )
                except ValidationError as exc:
                    for message in exc.messages:
                        form.add_error(None, message)
                else:
                    messages.success(request, _("Meeting recorded."))
                    return redirect(f"{reverse('web:community:meetings')}?unit={unit.code}")
    recent = (
        Meeting.objects.filter(unit=unit)
        .prefetch_related(Prefetch("items", queryset=ActionItem.objects.order_by("due", "id")))
        .order_by("-held_on", "-id")[:10]
        if unit
        else []
    )
    context = {
        "units": units,
        "unit": unit,
        "weekly": unit is not None and unit.kind == UnitKind.COMMUNITY,
        "agenda": agenda,
        "form": form,
        "meetings": recent,
        "today": timezone.localdate(),
    }
    return render(request, "web/community/meetings.html", context, status=400 if form.errors else 200)


def _done(request: HttpRequest, user: User, visible: QuerySet[ActionItem], unit: Unit | None) -> HttpResponse:
    ident = request.POST.get("item", "")
    item = visible.filter(pk=int(ident)).first() if ident.isdigit() and len(ident) < 12 else None
    if item is None:
        raise PermissionDenied("not an item you follow")
    try:
        meeting_actions.complete_item(actor=user, item=item, note=request.POST.get("note", "")[:400])
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Marked done."))
    code = unit.code if unit else ""
    return redirect(f"{reverse('web:community:meetings')}?unit={code}")
