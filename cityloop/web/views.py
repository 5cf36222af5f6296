"""Console pages. Views are thin: they read through ``restrict`` and render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cityloop.core.models import Role, Unit, UnitKind, User
from cityloop.core.permissions import restrict

# What each role sees first on its home page, in the order a user of that role works.
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
    user = request.user
    assert isinstance(user, User)
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
