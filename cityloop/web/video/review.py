"""The detection review queue (confirm → case, or reject with a reason) and the sensors' list."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cityloop.cases.engine import TransitionError
from cityloop.core.permissions import restrict, visible_to_request
from cityloop.sensors.models import Device, DeviceState, SensorKind
from cityloop.video.models import Detection, DetectionStatus
from cityloop.video.review import confirm_detection, precision, reject_detection

from ..access import COMMAND, LEADERS, UNIT_STAFF, current_user, roles_required
from ..org.common import page_of, query_without_page

REVIEWERS = ("operator", "shift_leader")


@require_GET
@roles_required(*REVIEWERS)
def queue(request: HttpRequest) -> HttpResponse:
    """Detections awaiting review, most confident first; the decided ones on request; precision."""
    status = request.GET.get("status", DetectionStatus.PENDING)
    if status not in DetectionStatus.values:
        status = DetectionStatus.PENDING
    visible = visible_to_request(request, Detection)
    qs = visible.filter(status=status).select_related("detector", "camera", "category", "case", "decided_by")
    order = ("-confidence", "id") if status == DetectionStatus.PENDING else ("-decided_at", "-id")
    context = {
        "page": page_of(request, qs.order_by(*order)),
        "query": query_without_page(request),
        "status": status,
        "statuses": DetectionStatus.choices,
        "precision": precision(visible)[:50],
    }
    return render(request, "web/video/detections.html", context)


def _detection(request: HttpRequest, pk: int) -> Detection:
    found = restrict(Detection.objects.all(), request.user, "review").filter(pk=pk).first()
    if found is None:
        raise Http404("no such detection for you to review")
    return found


@require_POST
@roles_required(*REVIEWERS)
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        done = confirm_detection(
            _detection(request, pk), actor=current_user(request), note=request.POST.get("note", "")[:200]
        )
    except TransitionError as exc:
        messages.error(request, exc.message)
    else:
        assert done.case is not None
        text = (
            _("Joined the open case %(number)s.")
            if done.joined_open_case
            else _("Confirmed: case %(number)s.")
        )
        messages.success(request, text % {"number": done.case.number})
    return redirect("web:video:detections")


@require_POST
@roles_required(*REVIEWERS)
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        reject_detection(
            _detection(request, pk), actor=current_user(request), reason=request.POST.get("reason", "")[:200]
        )
    except TransitionError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("Detection rejected."))
    return redirect("web:video:detections")


@require_GET
@roles_required(*(COMMAND | LEADERS | UNIT_STAFF))
def devices(request: HttpRequest) -> HttpResponse:
    """The sensors of the jurisdiction with their state, the alerting ones first."""
    qs = visible_to_request(request, Device).select_related("network", "component", "open_case")
    state = request.GET.get("state", "")
    kind = request.GET.get("kind", "")
    if state in DeviceState.values:
        qs = qs.filter(state=state)
    if kind in SensorKind.values:
        qs = qs.filter(kind=kind)
    alerting = visible_to_request(request, Device).filter(state=DeviceState.ALERT).count()
    context = {
        # The alerting devices first: they are what the page is for.
        "page": page_of(
            request,
            qs.annotate(alerting=Case(When(state=DeviceState.ALERT, then=0), default=1)).order_by(
                "alerting", "code"
            ),
        ),
        "query": query_without_page(request),
        "state": state,
        "kind": kind,
        "states": DeviceState.choices,
        "kinds": SensorKind.choices,
        "alerting": alerting,
    }
    return render(request, "web/video/devices.html", context)
