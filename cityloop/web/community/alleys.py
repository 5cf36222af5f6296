"""The alley head's phone page (today's patrol check-in on each segment they answer for, the
district's findings to fix) and the street's overview on a desk: its communities' loops, the
alleys' check-ins and findings with the workload-weighted scores, and the meetings' open items."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cityloop.community import alleys as alley_actions
from cityloop.community.meetings import overdue_items
from cityloop.community.models import ActionItem, AlleyInspection, AlleySegment, Meeting, Task
from cityloop.community.roster import managed_communities
from cityloop.core.models import Role, Unit, UnitKind
from cityloop.core.permissions import restrict

from ..access import current_user, roles_required
from ..reports import picker_layers
from .forms import CheckInForm, FixForm, InspectForm

ROLES = (Role.COMMUNITY_HEAD, Role.UNIT_MANAGER, Role.HANDLER, Role.LEADER, Role.SUPERVISOR)
OVERVIEW_ROLES = (Role.UNIT_MANAGER, Role.LEADER)
INSPECT_LIMIT = 500


@roles_required(*ROLES)
def mine(request: HttpRequest) -> HttpResponse:
    """Segments the user answers for, with today's check-in, and findings they or their street fix."""
    user = current_user(request)
    today = timezone.localdate()
    segments = list(
        AlleySegment.objects.filter(responsible=user, active=True)
        .annotate(today=Count("checkins", filter=Q(checkins__day=today)))
        .order_by("code")
    )
    fixable = AlleyInspection.objects.filter(fixed_at__isnull=True).filter(
        Q(segment__responsible=user)
        | Q(segment__in=restrict(AlleySegment.objects.all(), user, "manage").values("pk"))
    )
    form = (
        CheckInForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and request.POST.get("action") not in ("fix", "inspect")
        else CheckInForm()
    )
    fix_form = FixForm(request.POST if request.POST.get("action") == "fix" else None)
    to_inspect = [
        (s.code, f"{s.street.name} · {s.name}")
        for s in alley_actions.inspectable(user)
        .select_related("street")
        .order_by("street__path", "code")[:INSPECT_LIMIT]
    ]
    inspect_form = InspectForm(
        request.POST if request.POST.get("action") == "inspect" else None, segments=to_inspect
    )
    if request.method == "POST":
        if request.POST.get("action") == "fix":
            return _fix(request, fix_form, fixable)
        if request.POST.get("action") == "inspect":
            if not to_inspect:
                raise PermissionDenied("not an inspector")
            if _inspect(request, inspect_form):
                return redirect(reverse("web:community:alleys"))
            return _render(request, segments, form, fix_form, inspect_form, fixable, today)
        segment = next((s for s in segments if s.code == request.POST.get("segment", "")[:32]), None)
        if segment is None:
            raise PermissionDenied("not your alley")
        if form.is_valid():
            files = form.cleaned_data.get("photos") or []
            try:
                alley_actions.check_in(
                    actor=user,
                    segment=segment,
                    lon=form.cleaned_data["lon"],
                    lat=form.cleaned_data["lat"],
                    findings=form.cleaned_data["findings"],
                    photo=(files[0].name or "photo", files[0].read()) if files else None,
                )
            except ValidationError as exc:
                form.add_domain_errors(exc)
            else:
                messages.success(request, _("Checked in on %(name)s.") % {"name": segment.name})
                return redirect(reverse("web:community:alleys"))
    return _render(request, segments, form, fix_form, inspect_form, fixable, today)


def _render(
    request: HttpRequest,
    segments: Sequence[AlleySegment],
    form: CheckInForm,
    fix_form: FixForm,
    inspect_form: InspectForm,
    fixable: QuerySet[AlleyInspection],
    today: dt.date,
) -> HttpResponse:
    context = {
        "segments": segments,
        "form": form,
        "fix_form": fix_form,
        "inspect_form": inspect_form,
        "may_inspect": bool(inspect_form.segments),
        "findings": fixable.select_related("segment").order_by("fix_by")[:50],
        "today": today,
        **picker_layers(),
    }
    failed = form.errors or inspect_form.errors
    return render(request, "web/community/alleys.html", context, status=400 if failed else 200)


def _inspect(request: HttpRequest, form: InspectForm) -> bool:
    """Record the district's finding; False when the form (or the action) refused it."""
    if not form.is_valid():
        return False
    segment = alley_actions.inspectable(current_user(request)).get(code=form.cleaned_data["segment"])
    try:
        alley_actions.inspect_segment(
            actor=current_user(request),
            segment=segment,
            finding=form.cleaned_data["finding"],
            points=form.cleaned_data["points"],
            fix_days=form.cleaned_data["fix_days"] or 3,
        )
    except ValidationError as exc:
        for message in exc.messages:
            form.add_error(None, message)
        return False
    messages.success(request, _("Finding recorded: the street fixes it by its day."))
    return True


def _fix(request: HttpRequest, form: FixForm, fixable: object) -> HttpResponse:
    ident = request.POST.get("inspection", "")
    row = fixable.filter(pk=int(ident)).first() if ident.isdigit() and len(ident) < 12 else None  # type: ignore[attr-defined]
    if row is None:
        raise PermissionDenied("not a finding you fix")
    if form.is_valid():
        try:
            alley_actions.fix_finding(
                actor=current_user(request), inspection=row, note=form.cleaned_data["note"]
            )
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, _("Fix recorded."))
    else:
        messages.error(request, _("Say how it was fixed."))
    return redirect(reverse("web:community:alleys"))


@roles_required(*OVERVIEW_ROLES)
def overview(request: HttpRequest) -> HttpResponse:
    """The street's (or district's) overview of its communities and back alleys for this month."""
    user = current_user(request)
    today = timezone.localdate()
    start = today.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    month_start = dt.datetime.combine(start, dt.time(), tzinfo=timezone.get_current_timezone())
    now = timezone.now()
    tasks = restrict(Task.objects.all(), user, "view")
    per_community = (
        tasks.values("community__name", "station__name", "station_id")
        .annotate(
            open=Count("id", filter=Q(state__in=("open", "assigned"))),
            overdue=Count("id", filter=Q(state__in=("open", "assigned"), deadline_at__lt=now)),
            solved=Count("id", filter=Q(state="solved", solved_at__gte=month_start)),
            escalated=Count("id", filter=Q(state="escalated", escalated_at__gte=month_start)),
        )
        .order_by("community__name")
    )
    streets = restrict(Unit.objects.filter(kind=UnitKind.STREET), user, "view")
    segments = restrict(AlleySegment.objects.all(), user, "view")
    context = {
        "per_community": per_community,
        "scores": alley_actions.street_scores(streets, start, end),
        "missed": alley_actions.missed_checkins(segments, today).select_related("responsible", "street")[
            :100
        ],
        "segments": segments.count(),
        "findings": AlleyInspection.objects.filter(segment__in=segments.values("pk"), fixed_at__isnull=True)
        .select_related("segment", "street")
        .order_by("fix_by")[:100],
        "overdue_items": overdue_items(
            restrict(ActionItem.objects.all(), user, "view"), today
        ).select_related("meeting", "unit")[:100],
        "meetings": restrict(Meeting.objects.all(), user, "view").select_related("unit")[:10],
        "today": today,
        "month": start,
        "may_import": managed_communities(user).exists(),
        "may_inspect": alley_actions.inspectable(user).exists(),
    }
    return render(request, "web/community/overview.html", context)
