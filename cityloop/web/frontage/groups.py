"""The street officer's self-discipline groups page (商户自治联盟): the groups of the jurisdiction with
their members and leaders; the street's frontage officer forms a group, lets parties join and leave
it and names its leader (the members then inspect each other on their phones)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cityloop.core.models import Unit, UnitKind, User
from cityloop.core.permissions import restrict
from cityloop.frontage.groups import create_group, join_group, leave_group, members, set_leader
from cityloop.frontage.models import GroupMembership, Party, SelfDisciplineGroup

from ..access import current_user, roles_required
from .common import ROLES, errors_of, streets_run_by

MAX_GROUPS = 100
MAX_CHOICES = 500  # parties offered to join, per street


def _groups(request: HttpRequest) -> QuerySet[SelfDisciplineGroup]:
    qs = restrict(SelfDisciplineGroup.objects.all(), request.user, "view")
    return qs.select_related("street", "leader").order_by("street__code", "name")


def _page(
    request: HttpRequest,
    *,
    errors: list[str] | None = None,
    form: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = current_user(request)
    run = list(streets_run_by(user))
    street = request.GET.get("street", "")[:32]
    groups = _groups(request)
    if street:
        groups = groups.filter(street__code=street)
    shown = list(groups[:MAX_GROUPS])
    mine = [g for g in shown if g.street_id in {s.pk for s in run}]
    free = _free_parties(user, mine)
    context = {
        # each group, its members, and (for the officer of its street) the parties it may take in
        "rows": [(g, members(g), g in mine, free.get(g.street_id, [])) for g in shown],
        "streets": Unit.objects.filter(pk__in=_groups(request).values("street_id")).order_by("code"),
        "street": street,
        "run": run,
        "errors": errors or [],
        "form": form or {},
    }
    return render(request, "web/frontage/groups.html", context, status=status)


def _free_parties(user: User, groups: list[SelfDisciplineGroup]) -> dict[int, list[Party]]:
    """For each street with a group the user runs, its parties in no group (to offer them)."""
    streets = {g.street_id for g in groups}
    taken = GroupMembership.objects.filter(left_on__isnull=True).values("party_id")
    free: dict[int, list[Party]] = {s: [] for s in streets}
    parties = restrict(Party.objects.filter(street_id__in=streets), user, "view").exclude(pk__in=taken)
    for party in parties.order_by("street_id", "name").only("pk", "name", "uscc", "street_id"):
        if len(free[party.street_id]) < MAX_CHOICES:
            free[party.street_id].append(party)
    return free


@require_GET
@roles_required(*ROLES)
def groups(request: HttpRequest) -> HttpResponse:
    """The groups with their members; the officer's forms for the streets it runs."""
    return _page(request)


@require_POST
@roles_required(*ROLES)
def group_create(request: HttpRequest) -> HttpResponse:
    """The officer forms a group in one of its streets."""
    user = current_user(request)
    form = {k: request.POST.get(k, "")[:500] for k in ("street", "name", "note")}
    # Another street than the officer's own is refused by the action (403), not as a wrong entry.
    street = Unit.objects.filter(kind=UnitKind.STREET, code=form["street"][:32]).first()
    try:
        if street is None:
            raise ValidationError({"street": _("Choose a street whose frontage you run.")})
        group = create_group(actor=user, street=street, name=form["name"], note=form["note"])
    except ValidationError as exc:
        return _page(request, errors=errors_of(exc), form=form, status=400)
    messages.success(request, _("The group %(name)s is formed.") % {"name": group.name})
    return redirect("web:frontage:groups")


STEPS: dict[str, Callable[..., object]] = {"join": join_group, "leave": leave_group, "leader": set_leader}


@require_POST
@roles_required(*ROLES)
def group_member(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer lets a party join or leave the group, or names it the leader (``step``)."""
    user = current_user(request)
    group = _groups(request).filter(pk=pk).first()
    if group is None:
        raise Http404("no such group in your jurisdiction")
    step = STEPS.get(request.POST.get("step", ""))
    code = request.POST.get("party", "").strip().upper()[:18]
    party = restrict(Party.objects.all(), user, "view").filter(uscc=code).first()
    try:
        if step is None:
            raise ValidationError({"step": _("Choose what to do.")})
        if party is None:
            raise ValidationError({"party": _("No party with that credit code in your jurisdiction.")})
        step(actor=user, group=group, party=party)
    except ValidationError as exc:
        return _page(request, errors=errors_of(exc), status=400)
    messages.success(request, _("%(group)s is changed.") % {"group": group.name})
    return redirect("web:frontage:groups")
