"""Staff pages for public participation (``/participation/``): approving volunteers, running
activities (attendance, hours, cleanups), answering suggestions, editing surveys and reading their
results, and the leaderboard switch. Everything within the user's jurisdiction (``restrict``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cityloop.core.models import Role, UnitKind
from cityloop.core.permissions import has_role, jurisdiction, restrict
from cityloop.participation import actions, points, surveys
from cityloop.participation.models import Activity, CitySetting, Signup, Suggestion, Survey, Volunteer

from ..access import roles_required
from .citizen import error_messages

ROLES = (Role.UNIT_MANAGER, Role.COMMUNITY_HEAD, Role.LEADER, Role.ADMIN)


def _user(request: HttpRequest) -> Any:
    return request.user


def _local(raw: str) -> dt.datetime | None:
    try:
        naive = dt.datetime.fromisoformat(raw[:16])
    except ValueError:
        return None
    return timezone.make_aware(naive) if timezone.is_naive(naive) else naive


def _questions(text: str) -> list[dict[str, Any]]:
    """One question a line: ``text`` (a 1–5 rating), ``text | a / b / c`` (one of several) or
    ``text | ?`` (free text)."""
    out = []
    for line in text.splitlines()[:30]:
        if not line.strip():
            continue
        question, _sep, rest = line.partition("|")
        rest = rest.strip()
        if rest == "?":
            out.append({"text": question.strip(), "kind": "text", "required": False})
        elif rest:
            out.append(
                {
                    "text": question.strip(),
                    "kind": "choice",
                    "choices": [c.strip() for c in rest.split("/") if c.strip()],
                }
            )
        else:
            out.append({"text": question.strip(), "kind": "rating"})
    return out


@roles_required(*ROLES)
def overview(request: HttpRequest) -> HttpResponse:
    """Everything waiting: registrations, unanswered suggestions, activities, surveys, the switches."""
    user = _user(request)
    errors: list[str] = []
    if request.method == "POST":
        try:
            _act(request, user)
            return redirect(request.get_full_path())
        except ValidationError as exc:
            errors = error_messages(exc)
    streets = jurisdiction(user).filter(kind=UnitKind.STREET).order_by("code")
    areas = jurisdiction(user).filter(kind__in=[UnitKind.DISTRICT, UnitKind.STREET]).order_by("path")
    context = {
        "pending": restrict(Volunteer.objects.filter(status="pending"), user, "manage").select_related(
            "citizen", "street"
        )[:50],
        "suggestions": restrict(
            Suggestion.objects.filter(answered_at__isnull=True), user, "manage"
        ).select_related("citizen", "street")[:50],
        "answered": restrict(Suggestion.objects.filter(answered_at__isnull=False), user).select_related(
            "street"
        )[:10],
        "activities": restrict(Activity.objects.all(), user).select_related("street")[:30],
        "surveys": restrict(Survey.objects.all(), user).select_related("area")[:30],
        "streets": streets,
        "areas": areas,
        "setting": CitySetting.current(),
        "may_switch": has_role(user, Role.LEADER),
        "errors": errors,
        "month": timezone.localdate().replace(day=1),
    }
    return render(request, "web/participation/staff.html", context, status=400 if errors else 200)


def _int(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 18 else 0


def _one(qs: Any, user: Any, pk: Any, action: str = "manage") -> Any:
    found = restrict(qs, user, action).filter(pk=pk).first()
    if found is None:
        raise PermissionDenied("not in your jurisdiction")
    return found


def _act(request: HttpRequest, user: Any) -> None:
    p = request.POST
    do = p.get("do", "")
    if do == "decide":
        volunteer = _one(Volunteer.objects.all(), user, _int(p.get("id")))
        actions.decide_volunteer(
            actor=user, volunteer=volunteer, approve=p.get("approve") == "1", note=p.get("note", "")[:200]
        )
    elif do == "answer":
        suggestion = _one(Suggestion.objects.all(), user, _int(p.get("id")))
        actions.answer_suggestion(actor=user, suggestion=suggestion, answer=p.get("answer", "")[:2000])
    elif do == "activity":
        street = jurisdiction(user).filter(kind=UnitKind.STREET, code=p.get("street", "")[:32]).first()
        starts, ends = _local(p.get("starts_at", "")), _local(p.get("ends_at", ""))
        if street is None:
            raise ValidationError({"street": _("Choose a street of your jurisdiction.")})
        if starts is None or ends is None:
            raise ValidationError({"starts_at": _("Enter when the activity starts and ends.")})
        try:
            capacity = int(p.get("capacity", ""))
        except ValueError:
            raise ValidationError({"capacity": _("Enter how many volunteers it takes.")}) from None
        actions.save_activity(
            actor=user,
            street=street,
            title=p.get("title", "")[:100],
            theme=p.get("theme", "")[:100],
            place=p.get("place", "")[:200],
            starts_at=starts,
            ends_at=ends,
            capacity=capacity,
            description=p.get("description", "")[:2000],
        )
    elif do == "survey":
        area = jurisdiction(user).filter(code=p.get("area", "")[:32]).first()
        if area is None:
            raise ValidationError({"area": _("Choose an area of your jurisdiction.")})
        month = _local(p.get("month", "")[:7] + "-01T00:00") if p.get("month") else None
        if month is None:
            raise ValidationError({"month": _("Choose the month.")})
        surveys.save_survey(
            actor=user,
            title=p.get("title", "")[:100],
            month=month.date(),
            area=area,
            questions=_questions(p.get("questions", "")[:6000]),
        )
    elif do == "settings":
        if not has_role(user, Role.LEADER):
            raise PermissionDenied("leaders switch these")
        points.save_settings(
            actor=user,
            leaderboard_enabled=bool(p.get("leaderboard_enabled")),
            staff_photos_public=bool(p.get("staff_photos_public")),
        )
    else:
        raise ValidationError({"do": _("Unknown request.")})


@roles_required(*ROLES)
def activity(request: HttpRequest, pk: int) -> HttpResponse:
    """One activity: its sign-ups with attendance and hours, its cleanup records and totals."""
    user = _user(request)
    found = restrict(Activity.objects.select_related("street"), user).filter(pk=pk).first()
    if found is None:
        raise Http404("no such activity")
    errors: list[str] = []
    if request.method == "POST":
        _one(Activity.objects.all(), user, pk)
        signup = Signup.objects.filter(activity=found, pk=_int(request.POST.get("signup"))).first()
        try:
            if signup is None:
                raise ValidationError({"signup": _("No such sign-up.")})
            hours = Decimal(request.POST.get("hours", "0")[:6] or "0")
            actions.record_attendance(
                actor=user, signup=signup, attended=request.POST.get("attended") == "1", hours=hours
            )
            return redirect("web:participation_activity", pk)
        except InvalidOperation:
            errors = [_("Enter the hours as a number.")]
        except ValidationError as exc:
            errors = error_messages(exc)
    cleanups = list(found.cleanups.prefetch_related("photos").select_related("volunteer"))
    context = {
        "activity": found,
        "signups": found.signups.select_related("volunteer__citizen").order_by("id"),
        "cleanups": cleanups,
        "refuse_kg": sum((c.refuse_kg for c in cleanups), Decimal(0)),
        "spots": sum(c.spots_cleaned for c in cleanups),
        "errors": errors,
    }
    return render(request, "web/participation/activity.html", context, status=400 if errors else 200)


@roles_required(*ROLES)
def survey(request: HttpRequest, pk: int) -> HttpResponse:
    """A survey's questions, its status, and its results per street and community."""
    user = _user(request)
    found = restrict(Survey.objects.select_related("area"), user).filter(pk=pk).first()
    if found is None:
        raise Http404("no such survey")
    errors: list[str] = []
    if request.method == "POST":
        _one(Survey.objects.all(), user, pk)
        try:
            surveys.save_survey(
                actor=user,
                survey=found,
                title=found.title,
                month=found.month,
                area=found.area,
                status=request.POST.get("status", "")[:8],
            )
            return redirect("web:participation_survey", pk)
        except ValidationError as exc:
            errors = error_messages(exc)
    context = {
        "survey": found,
        "questions": found.questions.all(),
        "results": surveys.results(found),
        "errors": errors,
    }
    return render(request, "web/participation/survey_staff.html", context, status=400 if errors else 200)


@roles_required(*ROLES)
def cleanup_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A cleanup photo, for staff of the activity's street."""
    from cityloop.core.files import file_response
    from cityloop.participation.models import CleanupPhoto

    found = CleanupPhoto.objects.select_related("record").filter(pk=pk).first()
    if (
        found is None
        or not restrict(Activity.objects.filter(pk=found.record.activity_id), request.user).exists()
    ):
        raise Http404("no such photo")
    return file_response(found.file, found.content_type)  # type: ignore[return-value]
