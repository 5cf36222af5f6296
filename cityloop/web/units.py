"""Departments, companies and streets: the cases dispatched to them, most urgent first.

Disposal (with photos) and the requests for return, extension or hold are the forms on the case page;
this list is where a unit sees what is due and how long it has left.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityloop.cases.models import Case
from cityloop.cases.workflow import OPEN_STATES, UNIT_STATES
from cityloop.core.models import Unit
from cityloop.core.permissions import jurisdiction_paths

from .access import UNIT_STAFF, current_user, roles_required, visible_cases
from .queue import COUNT_CAP, light_rank, paged

# How each list is sorted: the work by urgency, the rest by what happened last.
ORDERS: dict[str, tuple[str, ...]] = {"checking": ("-updated_at", "-id"), "closed": ("-closed_at", "-id")}
TABS: dict[str, Any] = {
    "todo": _("To handle"),
    "checking": _("Awaiting check"),
    "closed": _("Closed (30 days)"),
    "area": _("Open in our area"),
}


def my_units(request: HttpRequest) -> QuerySet[Unit]:
    """The units (and their sub-units) where the user handles cases."""
    paths = jurisdiction_paths(current_user(request), UNIT_STAFF)
    if not paths:
        return Unit.objects.none()
    return Unit.objects.filter(functools.reduce(lambda q, p: q | Q(path__startswith=p), paths, Q(pk__in=[])))


def unit_cases(request: HttpRequest, tab: str) -> QuerySet[Case]:
    visible = visible_cases(request)
    if tab == "area":
        return visible.filter(state__in=OPEN_STATES).annotate(light_rank=light_rank())
    # The unit ids, not a subquery: each becomes an index seek on (responsible unit, state, …).
    mine = visible.filter(responsible_unit_id__in=list(my_units(request).values_list("pk", flat=True)))
    if tab == "checking":
        return mine.filter(state__in=["disposed", "checking", "checked"])
    if tab == "closed":
        since = timezone.now() - dt.timedelta(days=30)
        return mine.filter(state="closed", closed_at__gte=since)
    return mine.filter(state__in=UNIT_STATES).annotate(light_rank=light_rank())


@roles_required(*UNIT_STAFF)
def unit_tasks(request: HttpRequest) -> HttpResponse:
    tab = request.GET.get("tab", "todo")
    if tab not in TABS:
        tab = "todo"
    qs = unit_cases(request, tab)
    order = ORDERS.get(tab, ("light_rank", "deadline_at", "id"))
    page, rows = paged(request, qs, order, 50)
    context = {
        "tab": tab,
        "tabs": list(TABS.items()),
        "page": page,
        "rows": rows,
        "cap": COUNT_CAP,
        "now": timezone.now(),
        "units": list(my_units(request).filter(memberships__user=current_user(request)).distinct()),
    }
    return render(request, "web/units/tasks.html", context)
