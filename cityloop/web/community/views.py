"""The station head's phone pages (三长一站): the station's problems with the cases the district sent,
raising a problem a resident reported, and one problem with what may be done on it now (assign a
head or a professional, record what was tried, solve it with a photo, escalate it to the district)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case as When_
from django.db.models import IntegerField, Q, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cityloop.community import actions as community_actions
from cityloop.community import tasks as actions
from cityloop.community.access import active_posts, manages_unit, may_manage, may_raise, may_work
from cityloop.community.escalation import bridge
from cityloop.community.models import Post, Professional, Station, Task, TaskPhoto
from cityloop.core.files import file_response
from cityloop.core.models import Role, User
from cityloop.core.permissions import restrict

from ..access import current_user, roles_required
from ..reports import picker_layers
from .forms import AssignForm, EscalateForm, NoteForm, RaiseForm, SolveForm, TakeCaseForm

ROLES = (Role.COMMUNITY_HEAD, Role.UNIT_MANAGER, Role.HANDLER, Role.LEADER)
INCOMING_LIMIT = 20
LIST_LIMIT = 100


def stations_of(user: User) -> QuerySet[Station]:
    """The stations the user holds a post at, or may see through their jurisdiction."""
    posted = [p.station_id for p in active_posts(user)]
    seen = restrict(Station.objects.all(), user, "view")
    return (
        (Station.objects.filter(pk__in=posted) | seen).select_related("community", "street").order_by("name")
    )


def _chosen(request: HttpRequest, user: User) -> tuple[Station | None, QuerySet[Station]]:
    stations = stations_of(user)
    wanted = request.GET.get("station", "")
    station = stations.filter(pk=int(wanted)).first() if wanted.isdigit() and len(wanted) < 12 else None
    return station or stations.first(), stations


def _files(form: Any) -> list[tuple[str, bytes]]:
    return [(f.name or "photo", f.read()) for f in form.cleaned_data.get("photos") or []]


@roles_required(*ROLES)
def station(request: HttpRequest) -> HttpResponse:
    """The station's page on a phone: what came in, what is open (overdue first), what was settled."""
    user = current_user(request)
    chosen, stations = _chosen(request, user)
    if chosen is None:
        return render(request, "web/community/station.html", {"station": None})
    manage = may_manage(user, chosen)
    form = RaiseForm(request.POST or None, request.FILES or None) if request.method == "POST" else RaiseForm()
    if request.method == "POST":
        if request.POST.get("action") == "take":
            return _take(request, user, chosen)
        if request.POST.get("action") == "end_post":
            return _end_post(request, user, chosen)
        if not may_raise(user, chosen):
            raise PermissionDenied("not a head of this station")
        if form.is_valid():
            try:
                data = form.cleaned_data
                task = actions.raise_task(
                    actor=user,
                    station=chosen,
                    source=data["source"],
                    description=data["description"],
                    lon=data["lon"],
                    lat=data["lat"],
                    address=data["address"],
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    photos=_files(form),
                )
            except ValidationError as exc:
                form.add_domain_errors(exc)
            else:
                messages.success(request, _("Problem recorded: task %(id)s.") % {"id": task.pk})
                return redirect(reverse("web:community:task", args=[task.pk]))
    now = timezone.now()
    open_tasks = (
        Task.objects.filter(station=chosen, state__in=("open", "assigned"))
        .annotate(
            late=When_(
                When(deadline_at__lt=now, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .select_related("assigned_post__user", "assigned_professional")
        .order_by("late", "deadline_at", "created")[:LIST_LIMIT]
    )
    done = Task.objects.filter(station=chosen, state__in=("solved", "escalated")).order_by("-updated")[:20]
    incoming = bridge().incoming(chosen.unit_id, limit=INCOMING_LIMIT) if manage and chosen.unit_id else []
    context = {
        "station": chosen,
        "stations": stations if stations.count() > 1 else [],
        "manage": manage,
        "can_raise": may_raise(user, chosen),
        "form": form,
        "open_tasks": open_tasks,
        "done": done,
        "incoming": incoming,
        "now": now,
        "posts": _current_posts(chosen),
        "sets_up": manages_unit(user, chosen.community),  # the street's or district's manager
        "month_solved": Task.objects.filter(
            station=chosen, state="solved", solved_at__gte=now.replace(day=1, hour=0, minute=0, second=0)
        ).count(),
        **picker_layers(),
    }
    return render(request, "web/community/station.html", context, status=400 if form.errors else 200)


def _take(request: HttpRequest, user: User, chosen: Station) -> HttpResponse:
    form = TakeCaseForm(request.POST)
    if form.is_valid():
        try:
            task = actions.take_case(actor=user, station=chosen, case_id=form.cleaned_data["case_id"])
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            return redirect(reverse("web:community:task", args=[task.pk]))
    return redirect(f"{reverse('web:community:station')}?station={chosen.pk}")


def _current_posts(station: Station) -> QuerySet[Post]:
    """The station's heads today (those whose post has not ended), by post and name."""
    today = timezone.localdate()
    return (
        Post.objects.filter(station=station, valid_from__lte=today)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
        .select_related("user")
        .order_by("kind", "user__display_name", "pk")
    )


def _end_post(request: HttpRequest, user: User, chosen: Station) -> HttpResponse:
    """A head left: the street's or district's manager ends the post from today (history kept)."""
    post = _current_posts(chosen).filter(pk=_int(request.POST.get("post"))).first()
    if post is None:
        raise Http404
    try:
        community_actions.end_post(actor=user, post=post)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("%(name)s no longer holds the post.") % {"name": post.user})
    return redirect(f"{reverse('web:community:station')}?station={chosen.pk}#h-posts")


def _int(value: str | None) -> int:
    return int(value) if value and value.isdigit() and len(value) < 19 else 0


def _find(request: HttpRequest, pk: int) -> Task:
    user = current_user(request)
    posted = [p.station_id for p in active_posts(user)]
    visible = restrict(Task.objects.all(), user, "view")
    task = (
        Task.objects.filter(pk=pk)
        .filter(Q(pk__in=visible.values("pk")) | Q(station_id__in=posted))
        .select_related("station", "community", "assigned_post__user", "assigned_professional")
        .first()
    )
    if task is None:
        raise Http404("no such community task here")
    return task


def _assignees(task: Task) -> list[tuple[str, str]]:
    today = timezone.localdate()
    posts = [
        (f"post:{p.pk}", f"{p.get_kind_display()} · {p.user} {p.place_name}".strip())
        for p in Post.objects.filter(station=task.station).select_related("user")
        if p.active_on(today)
    ]
    pros = [
        (f"pro:{p.pk}", f"{p.get_trade_display()} · {p.name} {p.phone}")
        for p in Professional.objects.filter(station=task.station, active=True)
    ]
    return [("", "—"), *pros, *posts]


@roles_required(*ROLES)
def task(request: HttpRequest, pk: int) -> HttpResponse:
    """One problem and what the signed-in user may do on it now."""
    user = current_user(request)
    found = _find(request, pk)
    manage, work = may_manage(user, found.station), may_work(user, found)
    post = request.POST if request.method == "POST" else None
    files = request.FILES if request.method == "POST" else None
    action = str(post.get("action", "")) if post is not None else ""
    forms_ = {
        "assign": AssignForm(post if action == "assign" else None, choices=_assignees(found)),
        "note": NoteForm(post if action == "note" else None, files if action == "note" else None),
        "solve": SolveForm(post if action == "solve" else None, files if action == "solve" else None),
        "escalate": EscalateForm(post if action == "escalate" else None),
    }
    if action in forms_:
        allowed = manage if action in ("assign", "escalate") else work
        if not allowed or not found.is_open:
            raise PermissionDenied("not yours to do")
        form = forms_[action]
        if form.is_valid():
            try:
                _perform(action, form, found, user)
            except ValidationError as exc:
                for message in exc.messages:
                    form.add_error(None, message)
            else:
                messages.success(request, _("Saved."))
                return redirect(reverse("web:community:task", args=[found.pk]))
    context = {
        "task": found,
        "manage": manage and found.is_open,
        "work": work and found.is_open,
        "forms": forms_,
        "events": found.events.select_related("actor"),
        "photos": found.photos.all(),
        "show_reporter": manage,
        "case_state": bridge().progress([found.case_id]).get(found.case_id) if found.case_id else "",
        "overdue": bool(found.is_open and found.deadline_at and found.deadline_at < timezone.now()),
    }
    failed = any(f.is_bound and f.errors for f in forms_.values())
    return render(request, "web/community/task.html", context, status=400 if failed else 200)


def _perform(action: str, form: Any, found: Task, user: User) -> None:
    data = form.cleaned_data
    if action == "assign":
        kind, _sep, ident = (data["assignee"] or "").partition(":")
        if not ident.isdigit():
            raise ValidationError(_("Choose whom to assign."))
        post = Post.objects.filter(pk=int(ident), station=found.station).first() if kind == "post" else None
        pro = (
            Professional.objects.filter(pk=int(ident), station=found.station).first()
            if kind == "pro"
            else None
        )
        actions.assign_task(actor=user, task=found, post=post, professional=pro, hours=data.get("hours"))
    elif action == "note":
        actions.note_task(actor=user, task=found, text=data["text"], photos=_files(form))
    elif action == "solve":
        actions.solve_task(actor=user, task=found, solution=data["solution"], photos=_files(form))
    else:
        actions.escalate_task(actor=user, task=found, reason=data["reason"])


@login_required
def photo(request: HttpRequest, pk: int, photo: int) -> HttpResponseBase:
    """A task's photo, for those who may see the task (``_find`` applies the same rule as its page)."""
    found = _find(request, pk)
    row = TaskPhoto.objects.filter(task=found, pk=photo).first()
    if row is None:
        raise Http404("no such photo")
    return file_response(row.file, row.content_type)
