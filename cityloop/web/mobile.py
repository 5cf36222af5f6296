"""Supervisors (and community heads) on a phone: their verification and check tasks, each with a map
that points the way from where they stand, and the report form (``reports.field_report``)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cityloop.cases.models import Case
from cityloop.core.models import Role

from .access import FIELD, current_user, roles_required, visible_case, visible_cases
from .case_page import CASE_RELATED, case_context
from .queue import light_rank

# The supervisor's steps: verify a public report on site, check a unit's result on site.
TASK_STATES = {"verifying": "verify", "checking": "check"}


@roles_required(*FIELD)
def mobile_home(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    tasks = (
        visible_cases(request)
        .filter(state__in=list(TASK_STATES))
        .select_related("category", "community")
        .annotate(light_rank=light_rank())
        .order_by("light_rank", "deadline_at", "id")[:100]
    )
    # The user's own reports through the reporter index (a subquery: with most cases reported by
    # the public, the statistics make a plain filter look unselective), then those still visible.
    reported = Case.objects.filter(reporter=user).values("pk")
    mine = (
        visible_cases(request)
        .filter(pk__in=reported)
        .select_related("category")
        .order_by("-reported_at")[:10]
    )
    context = {
        "tasks": list(tasks),
        "mine": list(mine),
        "is_supervisor": Role.SUPERVISOR in {m.role for m in user.memberships.active()},
    }
    return render(request, "web/mobile/home.html", context)


@roles_required(*FIELD)
def mobile_case(request: HttpRequest, pk: int) -> HttpResponse:
    """One task on the phone: where it is, what was reported, and the verify / check forms."""
    case = visible_case(request, pk, *CASE_RELATED)
    return render(request, "web/mobile/case.html", case_context(request, case))
