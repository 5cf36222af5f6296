"""People who work cases on a phone: supervisors and community heads (verification and check on
site, the report form ``reports.field_report``) and department or company handlers (the cases
dispatched to their unit, to dispose of on site). Each task opens with a map that points the way from
where they stand, and the step's own form first."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cityloop.cases.models import Case
from cityloop.core.models import Role

from .access import (
    FIELD,
    PHONE,
    UNIT_STAFF,
    current_user,
    roles_of,
    roles_required,
    visible_case,
    visible_cases,
)
from .case_page import CASE_RELATED, case_context
from .queue import light_rank
from .units import unit_cases

# The supervisor's steps: verify a public report on site, check a unit's result on site.
TASK_STATES = {"verifying": "verify", "checking": "check"}


@roles_required(*PHONE)
def mobile_home(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    roles = roles_of(request)
    tasks = Case.objects.none()
    if roles & FIELD:
        tasks = visible_cases(request).filter(state__in=list(TASK_STATES))
    if roles & UNIT_STAFF:
        # What is dispatched to the handler's unit (and its requests waiting for an answer).
        unit_work = unit_cases(request, "todo").values("pk")
        tasks = visible_cases(request).filter(pk__in=unit_work) | tasks
    tasks = (
        tasks.select_related("category", "community")
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
        "is_supervisor": Role.SUPERVISOR in roles,
        "is_reporter": bool(roles & FIELD),
    }
    return render(request, "web/mobile/home.html", context)


@roles_required(*PHONE)
def mobile_case(request: HttpRequest, pk: int) -> HttpResponse:
    """One task on the phone: where it is, what was reported, and the forms of its step (verify,
    check, dispose) before the side requests."""
    case = visible_case(request, pk, *CASE_RELATED)
    return render(request, "web/mobile/case.html", case_context(request, case))
