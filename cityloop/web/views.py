"""The home page (straight to each role's work), the account overview, and the answers to too many
attempts (a locked-out login, a rate limit)."""

from __future__ import annotations

import math
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cityloop.core.models import Role, Unit, UnitKind
from cityloop.core.permissions import restrict

from .access import HOME_ORDER, current_user, roles_of

# Roles in the order a user holding several is described by (the account page's "working as").
ROLE_HOME_ORDER = [
    Role.ADMIN,
    Role.LEADER,
    Role.SHIFT_LEADER,
    Role.DISPATCHER,
    Role.OPERATOR,
    Role.SUPERVISOR,
    Role.UNIT_MANAGER,
    Role.HANDLER,
    Role.COMMUNITY_HEAD,
]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Each role lands on its work: the queue, the unit's cases, the phone tasks, the dashboard,
    served right here (no redirect to wait for). Administrators and users without a role see the
    account overview."""
    from . import dashboard, mobile, queue, units

    pages = {
        "web:queue": queue.queue,
        "web:dashboard": dashboard.dashboard,
        "web:unit_tasks": units.unit_tasks,
        "web:mobile_home": mobile.mobile_home,
    }
    roles = roles_of(request)
    if Role.ADMIN not in roles:
        for role, target in HOME_ORDER:
            if role in roles:
                return pages[target](request)
    if not roles:
        from cityloop.frontage.access import party_of

        if party_of(request.user) is not None:  # a frontage party's account: its phone pages
            return redirect("web:frontage:my")
    return account(request)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    """Who you are: your roles, your jurisdiction, and the tools you may use."""
    user = current_user(request)
    memberships = list(user.memberships.active().select_related("unit").order_by("unit__path"))
    roles = {m.role for m in memberships}
    primary_role = next((r for r in ROLE_HOME_ORDER if r in roles), None)
    units = restrict(Unit.objects.all(), user, "view")
    unit_counts = {row["kind"]: row["n"] for row in units.values("kind").annotate(n=Count("id"))}
    context = {
        "memberships": memberships,
        "primary_role": Role(primary_role).label if primary_role else None,
        "unit_counts": [(label, unit_counts.get(value, 0)) for value, label in UnitKind.choices],
        "is_admin": user.is_superuser or Role.ADMIN in roles,
    }
    return render(request, "web/home.html", context)


def too_many(request: HttpRequest, message: str, retry_after: int, back: str = "") -> HttpResponse:
    """The console's 429 page: what was refused, and when to try again (also in ``Retry-After``)."""
    context = {"message": message, "minutes": max(1, math.ceil(retry_after / 60)), "back": back}
    response = render(request, "web/too_many.html", context, status=429)
    response["Retry-After"] = str(max(1, retry_after))
    return response


def locked_out(request: HttpRequest, credentials: Any = None, *args: Any, **kwargs: Any) -> HttpResponse:
    """django-axes' answer when a user name from one address failed to log in too often."""
    seconds = int(float(settings.AXES_COOLOFF_TIME) * 3600)
    message = _("Too many failed logins for this user name from here. The account is not locked elsewhere.")
    return too_many(request, message, seconds, back="/login/")
