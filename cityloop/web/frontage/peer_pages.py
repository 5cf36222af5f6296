"""The party's phone pages for peer inspections in its self-discipline group (商户自治联盟互查):
the group's other members, and the checklist to inspect one of them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cityloop.frontage.inspections import checklist_for
from cityloop.frontage.models import GroupMembership, Party
from cityloop.frontage.peer import peer_inspect

from ..access import current_user
from .common import errors_of
from .my import party_required


def _membership(party: Party) -> GroupMembership | None:
    """The party's open membership (a party belongs to one group at a time)."""
    return GroupMembership.objects.select_related("group").filter(party=party, left_on__isnull=True).first()


def _members(membership: GroupMembership, party: Party) -> list[Party]:
    others = GroupMembership.objects.filter(group=membership.group, left_on__isnull=True).exclude(party=party)
    return [m.party for m in others.select_related("party").order_by("party__name")]


@party_required
def peers(request: HttpRequest, party: Party) -> HttpResponse:
    """The group and the members this party may inspect."""
    membership = _membership(party)
    members = _members(membership, party) if membership else []
    mine = party.peer_inspections_done.select_related("inspection__party").order_by(
        "-inspection__inspected_at"
    )
    context = {"party": party, "membership": membership, "members": members, "made": mine[:20]}
    return render(request, "web/frontage/my/peers.html", context)


@require_http_methods(["GET", "POST"])
@party_required
def peer_inspection(request: HttpRequest, party: Party, uscc: str) -> HttpResponse:
    """Inspect a fellow member: a tick per checklist item of its duties and a note."""
    membership = _membership(party)
    target = next(
        (p for p in (_members(membership, party) if membership else []) if p.uscc == uscc[:18]), None
    )
    if membership is None or target is None:
        raise Http404("no such member of your group")
    items = checklist_for(target, timezone.localdate())
    errors: list[str] = []
    if request.method == "POST":
        ticks = {i.code: request.POST.get(f"item-{i.code}") != "fail" for i in items}
        try:
            done = peer_inspect(
                actor=current_user(request),
                group=membership.group,
                party=target,
                ticks=ticks,
                note=request.POST.get("note", "")[:500],
            )
            messages.success(
                request, _("Peer inspection saved: score %(score)d.") % {"score": done.inspection.score}
            )
            return redirect("web:frontage:my_peers")
        except (ValidationError, PermissionDenied) as exc:
            errors = errors_of(exc) if isinstance(exc, ValidationError) else [str(exc)]
    groups: dict[str, list[object]] = {}
    for item in items:
        groups.setdefault(item.duty.name, []).append(item)
    context = {
        "party": party,
        "target": target,
        "group": membership.group,
        "groups": groups,
        "errors": errors,
    }
    return render(request, "web/frontage/my/peer_inspect.html", context, status=400 if errors else 200)
