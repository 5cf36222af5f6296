"""Rounds, inspections and notices in the console: the officer plans rounds and follows notices; an
inspector ticks a party's checklist on the phone (375 px), with photos; a re-inspection closes or
escalates a notice."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cityloop.core.files import file_response
from cityloop.core.models import Membership, Role, User
from cityloop.core.permissions import restrict
from cityloop.frontage.access import INSPECTOR_ROLES, may_inspect
from cityloop.frontage.inspections import cancel_round, checklist_for, plan_round, record_inspection
from cityloop.frontage.models import (
    Inspection,
    InspectionResult,
    InspectionRound,
    Notice,
    NoticeStatus,
    Party,
)
from cityloop.frontage.notices import OPEN, cancel_notice, due_soon, overdue

from ..access import current_user, roles_required
from ..org.common import page_of, query_without_page
from .common import ROLES, errors_of, photo, street_param, streets_run_by, upload_photos

NOTICE_TABS = ("open", "due", "overdue", "escalated", "all")


def _rounds(user: User) -> QuerySet[InspectionRound]:
    seen = restrict(InspectionRound.objects.all(), user, "view") | InspectionRound.objects.filter(
        inspector=user
    )
    return seen.select_related("street", "inspector")


def _inspectors(street_pk: int) -> QuerySet[User]:
    from cityloop.core.models import Unit

    street = Unit.objects.get(pk=street_pk)
    above = [p for p in street.path.strip("/").split("/") if p]
    inside = Unit.objects.filter(path__startswith=street.path).values("pk")
    held = Membership.objects.active().filter(role__in=INSPECTOR_ROLES)
    supervisors_here = held.filter(role=Role.SUPERVISOR, unit__in=inside, user_id=OuterRef("pk"))
    # The street's own supervisors first (the first is the form's default), then its officers and
    # the administrators above it: a round planned in a hurry should not fall to the city's admin.
    return (
        User.objects.filter(
            is_active=True, pk__in=held.filter(Q(unit__in=inside) | Q(unit__in=above)).values("user_id")
        )
        .annotate(here=Exists(supervisors_here))
        .order_by("-here", "username")
    )


@require_http_methods(["GET", "POST"])
@roles_required(*ROLES)
def rounds(request: HttpRequest) -> HttpResponse:
    """The rounds of the jurisdiction with their progress, and the form to plan one."""
    user = current_user(request)
    streets = streets_run_by(user)
    street = street_param(request, streets)
    errors: list[str] = []
    if request.method == "POST":
        if street is None:
            raise PermissionDenied("only the street's frontage officer plans its rounds")
        try:
            chosen = list(
                Party.objects.filter(
                    street=street, uscc__in=request.POST.getlist("parties")[:500]
                ).select_related("street", "community")
            )
            inspector = User.objects.filter(username=request.POST.get("inspector", "")[:150]).first()
            try:
                day = dt.date.fromisoformat(request.POST.get("planned_on", ""))
            except ValueError:
                raise ValidationError({"planned_on": _("Give the day as YYYY-MM-DD.")}) from None
            if inspector is None:
                raise ValidationError({"inspector": _("Choose the inspector.")})
            plan = plan_round(
                actor=user,
                street=street,
                title=request.POST.get("title", "")[:100],
                planned_on=day,
                inspector=inspector,
                parties=chosen,
                note=request.POST.get("note", "")[:500],
            )
            messages.success(request, _("Round planned."))
            return redirect("web:frontage:round", pk=plan.pk)
        except ValidationError as exc:
            errors = errors_of(exc)
        except PermissionDenied as exc:
            errors = [str(exc)]
    qs = _rounds(user).prefetch_related("parties").order_by("-planned_on", "-pk")
    if status := request.GET.get("status", "")[:10]:
        qs = qs.filter(status=status)
    page = page_of(request, qs)
    done = {
        row["round_id"]: row["n"]
        for row in Inspection.objects.filter(round__in=[r.pk for r in page])
        .values("round_id")
        .annotate(n=Count("party_id", distinct=True))
    }
    context = {
        "rows": [(r, done.get(r.pk, 0), len(r.parties.all())) for r in page],
        "page": page,
        "query": query_without_page(request),
        "streets": streets,
        "street": street,
        "parties": Party.objects.filter(street=street).order_by("name")[:500] if street else [],
        "inspectors": _inspectors(street.pk) if street else [],
        "today": timezone.localdate(),
        "errors": errors,
        "status": status,
    }
    return render(request, "web/frontage/rounds.html", context)


@require_http_methods(["GET", "POST"])
@roles_required(*ROLES)
def round_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One round: its parties, which are inspected (with the score) and the link to inspect the rest."""
    user = current_user(request)
    plan = _rounds(user).filter(pk=pk).first()
    if plan is None:
        raise Http404("no such round")
    errors: list[str] = []
    if request.method == "POST":
        try:
            cancel_round(actor=user, plan=plan, reason=request.POST.get("reason", "")[:200])
            messages.success(request, _("Round cancelled."))
            return redirect("web:frontage:round", pk=plan.pk)
        except ValidationError as exc:
            errors = errors_of(exc)
        except PermissionDenied as exc:
            errors = [str(exc)]
    latest = {i.party_id: i for i in plan.inspections.order_by("inspected_at")}
    rows = [(p, latest.get(p.pk)) for p in plan.parties.order_by("name")]
    context = {"plan": plan, "rows": rows, "done": len(latest), "errors": errors}
    return render(request, "web/frontage/round.html", context)


def _party_for_inspection(user: User, uscc: str) -> Party:
    party = (
        restrict(Party.objects.all(), user, "view")
        .select_related("street", "community")
        .filter(uscc=uscc[:18])
        .first()
    )
    if party is None:
        raise Http404("no such party")
    if not may_inspect(user, party):
        raise PermissionDenied(_("You may not inspect this party."))
    return party


@require_http_methods(["GET", "POST"])
@roles_required(*ROLES)
def inspect(request: HttpRequest, uscc: str) -> HttpResponse:
    """The phone page: a tick per checklist item (or the notice's items on a re-inspection), what
    was seen, photos; saving records the inspection and issues or closes notices."""
    user = current_user(request)
    party = _party_for_inspection(user, uscc)
    source = request.POST if request.method == "POST" else request.GET
    plan = (
        _rounds(user).filter(pk=int(source["round"])).first() if source.get("round", "").isdigit() else None
    )
    notice = None
    if number := source.get("notice", "")[:40]:
        notice = restrict(Notice.objects.all(), user, "view").filter(number=number, party=party).first()
        if notice is None:
            raise Http404("no such notice")
    items = (
        list(notice.items.select_related("duty").order_by("duty__order", "order"))
        if notice
        else checklist_for(party, timezone.localdate())
    )
    errors: list[str] = []
    if request.method == "POST":
        ticks = {i.code: request.POST.get(f"item-{i.code}") != "fail" for i in items}
        notes = {i.code: request.POST.get(f"note-{i.code}", "")[:200] for i in items}
        try:
            days = request.POST.get("working_days", "")
            with transaction.atomic():
                photos = upload_photos(user, request.FILES.getlist("photos"))
                done = record_inspection(
                    actor=user,
                    party=party,
                    ticks=ticks,
                    notes=notes,
                    photos=photos,
                    note=request.POST.get("note", "")[:500],
                    plan=plan,
                    notice=notice,
                    working_days=int(days) if days.isdigit() else None,
                )
            messages.success(request, _("Inspection saved: score %(score)d.") % {"score": done.score})
            return redirect("web:frontage:inspection", pk=done.pk)
        except ValidationError as exc:
            errors = errors_of(exc)
    groups: dict[str, list[object]] = {}
    for item in items:
        groups.setdefault(item.duty.name, []).append(item)
    context = {"party": party, "groups": groups, "plan": plan, "notice": notice, "errors": errors}
    return render(request, "web/frontage/inspect.html", context)


def _inspections(user: User) -> QuerySet[Inspection]:
    results = InspectionResult.objects.select_related("item", "duty").order_by("pk")
    return (
        restrict(Inspection.objects.all(), user, "view")
        .select_related("party", "inspector", "notice", "round")
        .prefetch_related(Prefetch("results", queryset=results), "notices")
    )


@roles_required(*ROLES)
def inspection(request: HttpRequest, pk: int) -> HttpResponse:
    """One inspection: its ticks, photos, score and the notices it issued."""
    found = _inspections(current_user(request)).filter(pk=pk).first()
    if found is None:
        raise Http404("no such inspection")
    return render(request, "web/frontage/inspection.html", {"inspection": found})


@roles_required(*ROLES)
def inspection_photo(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    found = restrict(Inspection.objects.all(), current_user(request), "view").filter(pk=pk).first()
    if found is None:
        raise Http404("no such inspection")
    return photo(found.photos, attachment_id)  # type: ignore[return-value]


def _notices(user: User) -> QuerySet[Notice]:
    return (
        restrict(Notice.objects.all(), user, "view")
        .select_related("party", "street", "duty", "inspection")
        .prefetch_related("items")
    )


@roles_required(*ROLES)
def notices(request: HttpRequest) -> HttpResponse:
    """Notices by where they stand: open, due within a day, overdue (to re-inspect), escalated."""
    user = current_user(request)
    tab = request.GET.get("tab", "open")
    tab = tab if tab in NOTICE_TABS else "open"
    base = _notices(user)
    if street := request.GET.get("street", "")[:32]:
        base = base.filter(street__code=street)
    now = timezone.now()
    tabs = {
        "open": base.filter(status__in=OPEN),
        "due": due_soon(base, now),
        "overdue": overdue(base, now),
        "escalated": base.filter(status=NoticeStatus.ESCALATED),
        "all": base,
    }
    counts = {name: qs.count() for name, qs in tabs.items() if name != "all"}
    order = ("deadline", "pk") if tab in ("open", "due", "overdue") else ("-issued_at", "-pk")
    context = {
        "page": page_of(request, tabs[tab].order_by(*order)),
        "query": query_without_page(request),
        "tab": tab,
        "counts": counts,
        "now": now,
        "street": street,
    }
    return render(request, "web/frontage/notices.html", context)


@require_http_methods(["GET", "POST"])
@roles_required(*ROLES)
def notice(request: HttpRequest, number: str) -> HttpResponse:
    """One notice: its items, deadline, the party's answer, the re-inspection link, withdrawal."""
    user = current_user(request)
    found = _notices(user).filter(number=number[:40]).first()
    if found is None:
        raise Http404("no such notice")
    errors: list[str] = []
    if request.method == "POST":
        try:
            cancel_notice(actor=user, notice=found, reason=request.POST.get("reason", "")[:200])
            messages.success(request, _("Notice withdrawn."))
            return redirect("web:frontage:notice", number=found.number)
        except ValidationError as exc:
            errors = errors_of(exc)
        except PermissionDenied as exc:
            errors = [str(exc)]
    recheck = reverse("web:frontage:inspect", args=[found.party.uscc]) + f"?notice={found.number}"
    context = {
        "notice": found,
        "errors": errors,
        "recheck": recheck if found.status in OPEN and may_inspect(user, found.party) else "",
        "overdue": found.status in OPEN and found.deadline <= timezone.now(),
        "rechecks": found.rechecks.select_related("inspector").order_by("inspected_at"),
    }
    return render(request, "web/frontage/notice.html", context)


@roles_required(*ROLES)
def notice_pdf(request: HttpRequest, number: str) -> HttpResponse:
    found = restrict(Notice.objects.all(), current_user(request), "view").filter(number=number[:40]).first()
    if found is None or not found.pdf:
        raise Http404("no such notice")
    return file_response(found.pdf, "application/pdf")  # type: ignore[return-value]


@roles_required(*ROLES)
def notice_photo(request: HttpRequest, number: str, attachment_id: int) -> HttpResponse:
    found = restrict(Notice.objects.all(), current_user(request), "view").filter(number=number[:40]).first()
    if found is None:
        raise Http404("no such notice")
    return photo(found.answer_photos, attachment_id)  # type: ignore[return-value]
