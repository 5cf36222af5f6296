"""The case page: every field, photos, routing, deadlines and lights, the timeline, and the actions
this user may take now, each a small form posted (with htmx, or plainly) to ``case_act``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cityloop.cases import duplicates
from cityloop.cases.attachments import upload_attachment
from cityloop.cases.engine import TransitionError, available, perform
from cityloop.cases.models import Attachment, Case, CaseEvent, CaseStep, Channel
from cityloop.cases.workflow import TRANSITIONS, Transition
from cityloop.catalog.models import Kind
from cityloop.core.files import file_response
from cityloop.video.casework import frame_for_check
from cityloop.video.models import CameraCase

from . import labels
from .access import (
    AMBIENT,
    COMMAND,
    FIELD,
    LEADERS,
    SIDE_REQUESTS,
    UNIT_STAFF,
    current_user,
    holds,
    visible_case,
    visible_cases,
)
from .action_forms import ActionForm, dispatch_suggestions
from .hotline_exchange import hotline_context

CASE_RELATED = (
    "channel",
    "category",
    "grid",
    "grid__responsible_unit",
    "community",
    "street",
    "district",
    "responsible_unit",
    "condition",
    "condition__urgency",
    "component",
    "component__owner",
    "component__maintainer",
    "component__subclass",
    "duplicate_of",
    # The camera that found the case (视频核查), in the same query: most cases have none.
    "camera_link__camera",
    "camera_link__frame",
)


@dataclass
class TimelineRow:
    event: CaseEvent
    took: dt.timedelta | None  # time the case spent in the state this event left
    photos: list[Attachment]
    details: list[tuple[str, str]]


def _limit_text(limit: str) -> str:
    """``"4 working_hour"`` → ``"4 working hours"`` in the request's language."""
    amount, _sep, unit = str(limit).partition(" ")
    return f"{amount} {labels.time_unit_label(unit)}" if unit else str(limit)


def category_text(recorded: str) -> str:
    """A category as an event recorded it ("event 0505 机动车乱停放"), with its kind in the page's
    language (事件 0505 机动车乱停放)."""
    kind, _sep, rest = recorded.partition(" ")
    return f"{Kind(kind).label} {rest}" if kind in Kind.values else recorded


def describe_event(data: dict[str, Any], channels: dict[str, str] | None = None) -> list[tuple[str, str]]:
    """The facts a timeline event recorded, as (label, text) pairs people can read."""
    out: list[tuple[str, str]] = []
    if data.get("channel"):
        code = str(data["channel"])
        out.append((_("Source"), (channels or {}).get(code, code)))
    if data.get("category"):
        out.append((_("Category"), category_text(str(data["category"]))))
    if isinstance(data.get("condition"), dict):
        cond = data["condition"]
        out.append((_("Condition"), f"{cond.get('number')} · {_limit_text(cond.get('limit', ''))}"))
    for key, label in (("unit", _("Unit")), ("suggested_unit", _("Suggested unit"))):
        if isinstance(data.get(key), dict):
            out.append((label, str(data[key].get("name", ""))))
    if isinstance(data.get("returned_by"), dict):
        out.append((_("Returned by"), str(data["returned_by"].get("name", ""))))
    if "found" in data:
        out.append((_("Found on site"), str(_("yes") if data["found"] else _("no"))))
    if data.get("amount"):
        out.append(
            (_("Extra time"), f"{data['amount']:g} {labels.time_unit_label(str(data.get('time_unit')))}")
        )
    if data.get("satisfaction"):
        out.append(
            (_("Satisfaction"), str(labels.SATISFACTION.get(data["satisfaction"], data["satisfaction"])))
        )
    for step in data.get("steps") or []:
        if not isinstance(step, dict):
            continue
        on_time = step.get("on_time")
        verdict = _("on time") if on_time else (_("late") if on_time is False else "")
        elapsed = step.get("elapsed")
        took = f"{elapsed:.1f} {labels.time_unit_label(str(step.get('unit')))}" if elapsed is not None else ""
        out.append((labels.step_label(str(step.get("step"))), f"{took} {verdict}".strip()))
    return out


def timeline(case: Case) -> list[TimelineRow]:
    """The case's events in order, each with how long the case sat before it."""
    events = list(
        CaseEvent.objects.filter(case=case)
        .select_related("actor", "actor_unit")
        .prefetch_related("attachments")
        .order_by("seq")
    )
    channels = {c.code: labels.named(c) for c in Channel.objects.all()}
    rows: list[TimelineRow] = []
    previous: dt.datetime | None = None
    for event in events:
        took = event.at - previous if previous is not None else None
        rows.append(
            TimelineRow(event, took, list(event.attachments.all()), describe_event(event.data, channels))
        )
        if event.from_state != event.to_state or previous is None:
            previous = event.at
    return rows


def routing_view(case: Case) -> dict[str, Any] | None:
    """The routing decision for people: the chosen unit and why, how sure, the alternatives, and the
    chain of rules considered. From the case (its last decision) or its last dispatch event."""
    decision = getattr(case, "routing", None) or {}
    if not decision:
        event = case.events.filter(transition="dispatch").order_by("-seq").first()
        decision = (event.data.get("routing") if event else None) or {}
    if not isinstance(decision, dict) or not decision:
        return None
    english = not labels.chinese()

    def says(entry: dict[str, Any], key: str = "explanation") -> str:
        return str((entry.get(f"{key}_en") if english else None) or entry.get(key) or "")

    unit = decision.get("unit") if isinstance(decision.get("unit"), dict) else None
    return {
        "unit": unit.get("name") if unit else None,
        "explanation": says(decision),
        "confidence": decision.get("confidence"),
        "flags": [str(f) for f in decision.get("flags") or []],
        "alternatives": [
            ((a.get("unit") or {}).get("name", ""), says(a))
            for a in decision.get("alternatives") or []
            if isinstance(a, dict)
        ],
        "chain": [
            {
                "name": c.get("name") or c.get("source", ""),
                "unit": (c.get("unit") or {}).get("name", "") if isinstance(c.get("unit"), dict) else "",
                "outcome": c.get("outcome", ""),
                "note": says(c, "note"),
            }
            for c in decision.get("chain") or []
            if isinstance(c, dict)
        ],
    }


def action_forms(
    case: Case, request: HttpRequest, bound: tuple[str, ActionForm] | None = None
) -> list[tuple[Transition, ActionForm, bool]]:
    """A form for every transition the user may take now, and whether it starts unfolded: the one
    just posted (``bound``, with its errors), else the first step of the loop."""
    user = current_user(request)
    forms: list[tuple[Transition, ActionForm, bool]] = []
    # The loop's own steps first, then the requests that step aside from it, comments and urges last.
    moves = sorted(available(case, user), key=lambda t: (t.name in AMBIENT, t.name in SIDE_REQUESTS))
    for i, t in enumerate(moves):
        if bound is not None and bound[0] == t.name:
            forms.append((t, bound[1], True))
        else:
            first = bound is None and i == 0 and t.name not in AMBIENT
            forms.append((t, ActionForm(case, t, user, prefix=t.name), first))
    return forms


def back_to_list(request: HttpRequest) -> tuple[str, str]:
    """Where the case page's breadcrumb leads: the list this user works from (the command centre's
    queue, the unit's cases, the phone tasks), never a page their role may not open."""
    if holds(request, COMMAND | LEADERS):
        return reverse("web:queue"), str(_("Case queue"))
    if holds(request, UNIT_STAFF):
        return reverse("web:unit_tasks"), str(_("Our cases"))
    if holds(request, FIELD):
        return reverse("web:mobile_home"), str(_("My tasks"))
    return reverse("web:home"), str(_("Home"))


def camera_link(case: Case) -> CameraCase | None:
    """The case's link to the camera that found it, if a camera did (loaded with the case)."""
    try:
        return case.camera_link
    except CameraCase.DoesNotExist:
        return None


def case_context(
    request: HttpRequest, case: Case, bound: tuple[str, ActionForm] | None = None
) -> dict[str, Any]:
    steps = list(CaseStep.objects.filter(case=case).select_related("unit").order_by("id"))
    routing = routing_view(case)
    photos = list(Attachment.objects.filter(case=case).order_by("id"))
    forms = action_forms(case, request, bound)
    # A refused action that is not on offer to this user any more: its message heads the actions.
    stray = bound is not None and bound[0] not in {t.name for t, _f, _o in forms}
    return {
        "case": case,
        "action_errors": list(bound[1].non_field_errors()) if bound is not None and stray else [],
        "steps": steps,
        "timeline": timeline(case),
        "photos": photos,
        "routing": routing,
        "suggestions": dispatch_suggestions(case) if case.state == "registered" and not routing else [],
        "forms": forms,
        "open_action": bound[0] if bound else None,
        "crumb": back_to_list(request),
        "hotline": hotline_context(case),
        "camera_link": camera_link(case),
        "likely_duplicates": duplicates.of_case(case, visible_cases(request)),
        "counters": [
            (_("Returns"), case.returns_count),
            (_("Reworks"), case.reworks_count),
            (_("Extensions"), case.extensions_count),
            (_("Holds"), case.holds_count),
            (_("Urges"), case.urges_count),
        ],
    }


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = visible_case(request, pk, *CASE_RELATED)
    template = "web/mobile/case.html" if request.GET.get("m") else "web/case/detail.html"
    return render(request, template, case_context(request, case))


def _error_message(exc: TransitionError) -> str:
    if exc.status == 403:
        return _("You may not take this action on this case: %(detail)s") % {"detail": exc.message}
    if exc.status == 409:
        state = exc.details.get("state")
        return _("The case has moved on (now: %(state)s). Reload the page to see what you may do now.") % {
            "state": labels.state_label(state) if state else "?"
        }
    return exc.message


def upload_photos(form: ActionForm, user: Any, purpose: str) -> list[int]:
    """Store the form's photos as the user's uploads; the transition then attaches them."""
    ids = []
    for photo in form.cleaned_data.get("photos") or []:
        attachment = upload_attachment(actor=user, name=photo.name, content=photo.read(), purpose=purpose)
        ids.append(attachment.pk)
    return ids


PHOTO_PURPOSE = {
    "dispose": "disposal",
    "check_pass": "check",
    "check_fail": "check",
    "video_check_pass": "check",
    "video_check_fail": "check",
    "verify": "other",
}


def take_action(request: HttpRequest, case: Case, name: str) -> tuple[ActionForm, Case | None]:
    """Validate the posted form and take the transition; returns the form and the moved case (or None)."""
    user = current_user(request)
    t = TRANSITIONS.get(name)
    if t is None:
        raise Http404("no such action")
    form = ActionForm(case, t, user, request.POST, request.FILES, prefix=name)
    if not form.is_valid():
        return form, None
    version = form.cleaned_data.get("version")
    try:
        # Uploads and the transition stand or fall together: a refused action leaves no orphan rows.
        with transaction.atomic():
            payload = form.payload()
            ids = upload_photos(form, user, PHOTO_PURPOSE.get(name, "other"))
            if form.cleaned_data.get("grab_frame") and not ids:
                ids.append(frame_for_check(case, actor=user))
            if ids:
                payload["attachments"] = ids
            moved = perform(case, name, actor=user, payload=payload, expected_version=version)
    except ValidationError as exc:
        form.add_engine_errors(exc)
        return form, None
    except TransitionError as exc:
        form.add_error(None, _error_message(exc))
        return form, None
    return form, moved


@require_POST
@login_required
def case_act(request: HttpRequest, pk: int, name: str) -> HttpResponse:
    case = visible_case(request, pk, *CASE_RELATED)
    form, moved = take_action(request, case, name)
    back = request.POST.get("next") or ""
    # A page of this site only: to a browser "//host/…" and "/\host/…" are other sites.
    if not (back.startswith("/") and url_has_allowed_host_and_scheme(back, allowed_hosts=None)):
        back = reverse("web:case", args=[case.pk])
    if moved is not None:
        messages.success(
            request,
            _("Done: %(action)s. The case is now %(state)s.")
            % {"action": labels.transition_label(name), "state": labels.state_label(moved.state)},
        )
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = back
            return response
        return redirect(back)
    t = TRANSITIONS[name]
    if request.headers.get("HX-Request"):
        # Only the form is swapped: the errors appear next to the fields without a reload.
        return render(
            request,
            "web/case/_action_form.html",
            {"case": case, "t": t, "form": form, "open": True, "next": back},
        )
    context = case_context(request, case, bound=(name, form))
    template = "web/mobile/case.html" if "/m/" in back else "web/case/detail.html"
    return render(request, template, context, status=400)


@login_required
def attachment_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A photo of a case the user may see (or their own upload)."""
    attachment = Attachment.objects.filter(pk=pk).first()
    if attachment is None:
        raise Http404("no such photo")
    mine = attachment.uploaded_by_id == request.user.pk
    if not mine and not (
        attachment.case_id and visible_cases(request).filter(pk=attachment.case_id).exists()
    ):
        raise Http404("no such photo")
    return file_response(attachment.file, attachment.content_type)
