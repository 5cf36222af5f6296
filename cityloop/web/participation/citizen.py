"""The citizen's side of the console, no account needed: proving a phone, and with it volunteering
(register, sign up, record a cleanup with photos), suggestions and their answers, surveys.

A verified phone's token is kept in the session (``SESSION_KEY``); pages to act send the citizen to
:func:`phone` first and back after.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from cityloop.cases.uploads import check_upload
from cityloop.core import ratelimits
from cityloop.core.audit import public_actor
from cityloop.core.models import Unit, UnitKind
from cityloop.core.phones import normalise_phone
from cityloop.participation import actions, points, surveys, verification
from cityloop.participation.models import Activity, Citizen, Signup, Survey, Volunteer
from cityloop.participation.models.surveys import SurveyStatus
from cityloop.participation.models.volunteering import ActivityStatus

SESSION_KEY = "cityloop_citizen"


def current_citizen(request: HttpRequest) -> Citizen | None:
    return verification.citizen_for_token(request.session.get(SESSION_KEY, ""))


def error_messages(exc: ValidationError) -> list[str]:
    """The messages of a refused action, flat, for a page's error list."""
    if hasattr(exc, "message_dict"):
        return [m for messages in exc.message_dict.values() for m in messages]
    return list(exc.messages)


def limit_writes(request: HttpRequest) -> None:
    """Count a citizen's write against the per-address limit (raises when it is exceeded)."""
    ratelimits.hit(
        request,
        "citizen writes from one address",
        ratelimits.client_address(request),
        settings.CITYLOOP_RATELIMIT_CITIZEN_WRITES,
    )


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or reverse("web:citizen_home")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return reverse("web:citizen_home")
    return target


def phone(request: HttpRequest) -> HttpResponse:
    """Prove a mobile number: send a code, then type it."""
    context: dict[str, Any] = {"next": _next(request), "errors": [], "phone": "", "sent": False}
    if request.method == "POST":
        raw = request.POST.get("phone", "")[:20]
        number = normalise_phone(raw)
        context["phone"] = raw
        if number is None or not number.startswith("1"):
            context["errors"].append(_("Enter a mainland mobile number of 11 digits."))
        elif "code" not in request.POST:
            ratelimits.hit(
                request,
                "codes from one address",
                ratelimits.client_address(request),
                settings.CITYLOOP_RATELIMIT_CODES_PER_ADDRESS,
            )
            ratelimits.hit(
                request, "codes to one target", number, settings.CITYLOOP_RATELIMIT_CODES_PER_TARGET
            )
            try:
                verification.send_code(
                    actor=public_actor(), purpose="phone", target=number, address=f"sms:{number}"
                )
                context["sent"] = True
            except ValidationError as exc:
                context["errors"] += error_messages(exc)
                context["sent"] = True
        else:
            context["sent"] = True
            address = ratelimits.client_address(request)
            failures = settings.CITYLOOP_RATELIMIT_PROOF_FAILURES
            ratelimits.ensure_below(request, "wrong codes from one address", address, failures)
            code = request.POST.get("code", "").strip()[:6]
            if verification.check_code(actor=public_actor(), purpose="phone", target=number, code=code):
                citizen = verification.verified_citizen(number)
                request.session.cycle_key()
                request.session[SESSION_KEY] = verification.citizen_token(citizen)
                return redirect(context["next"])
            ratelimits.hit(request, "wrong codes from one address", address, failures)
            context["errors"].append(_("Wrong or expired code. Ask for a new one if needed."))
    status = 400 if context["errors"] else 200
    return render(request, "web/participation/phone.html", context, status=status)


def need_citizen(request: HttpRequest) -> Citizen | HttpResponse:
    """The citizen signed in with a phone number, or the redirect to the page that signs one in."""
    citizen = current_citizen(request)
    if citizen is None:
        return redirect(f"{reverse('web:citizen_phone')}?next={request.path}")
    return citizen


def home(request: HttpRequest) -> HttpResponse:
    """The citizen's page: points, volunteering, the month's activities and their sign-ups."""
    citizen = need_citizen(request)
    if isinstance(citizen, HttpResponse):
        return citizen
    volunteer = Volunteer.objects.filter(citizen=citizen).select_related("street").first()
    errors: list[str] = []
    if request.method == "POST" and request.POST.get("do") == "register":
        limit_writes(request)
        street = Unit.objects.filter(code=request.POST.get("street", "")[:32], kind=UnitKind.STREET).first()
        try:
            if street is None:
                raise ValidationError({"street": _("Choose your street.")})
            volunteer = actions.register_volunteer(
                actor=public_actor(),
                citizen=citizen,
                kind=request.POST.get("kind", "")[:16],
                name=request.POST.get("name", "")[:50],
                street=street,
            )
            return redirect("web:citizen_home")
        except ValidationError as exc:
            errors = error_messages(exc)
    now = timezone.now()
    mine = (
        {s.activity_id: s for s in Signup.objects.filter(volunteer=volunteer, cancelled_at__isnull=True)}
        if volunteer
        else {}
    )
    upcoming = Activity.objects.filter(status=ActivityStatus.OPEN, starts_at__gt=now).select_related("street")
    if volunteer:
        upcoming = upcoming.filter(street=volunteer.street)
    joined = Activity.objects.filter(pk__in=list(mine)).select_related("street").order_by("-starts_at")
    context = {
        "citizen": citizen,
        "volunteer": volunteer,
        "streets": Unit.objects.filter(kind=UnitKind.STREET).order_by("code")[:500],
        "upcoming": [
            (a, a.signups.filter(cancelled_at__isnull=True).count())
            for a in upcoming.order_by("starts_at")[:30]
        ],
        "joined": [(a, a.starts_at <= now) for a in joined[:30]],
        "mine": mine,
        "errors": errors,
        "leaderboard": points.leaderboard(),
        "surveys": Survey.objects.filter(status=SurveyStatus.OPEN).order_by("-month")[:10],
    }
    return render(request, "web/participation/home.html", context, status=400 if errors else 200)


def _activity(pk: int) -> Activity:
    found = Activity.objects.select_related("street").filter(pk=pk).first()
    if found is None:
        raise Http404("no such activity")
    return found


def signup(request: HttpRequest, pk: int) -> HttpResponse:
    """Sign up for an activity, or give the place back (POST ``cancel``)."""
    citizen = need_citizen(request)
    if isinstance(citizen, HttpResponse):
        return citizen
    if request.method != "POST":
        return redirect("web:citizen_home")
    limit_writes(request)
    activity = _activity(pk)
    volunteer = Volunteer.objects.filter(citizen=citizen).first()
    try:
        if volunteer is None:
            raise ValidationError({"volunteer": _("Register as a volunteer first.")})
        if request.POST.get("cancel"):
            found = Signup.objects.filter(activity=activity, volunteer=volunteer).first()
            if found is None:
                raise Http404("not signed up")
            actions.cancel_signup(actor=public_actor(), signup=found)
        else:
            actions.sign_up(actor=public_actor(), activity=activity, volunteer=volunteer)
    except ValidationError as exc:
        return render(request, "web/participation/refused.html", {"errors": error_messages(exc)}, status=400)
    return redirect("web:citizen_home")


def cleanup(request: HttpRequest, pk: int) -> HttpResponse:
    """Record what a cleanup achieved, with photos (checked by their content)."""
    citizen = need_citizen(request)
    if isinstance(citizen, HttpResponse):
        return citizen
    activity = _activity(pk)
    volunteer = Volunteer.objects.filter(citizen=citizen).first()
    errors: list[str] = []
    values = {"refuse_kg": "", "spots_cleaned": "", "note": ""}
    if request.method == "POST":
        limit_writes(request)
        values = {k: request.POST.get(k, "")[:500] for k in values}
        try:
            kg = Decimal(values["refuse_kg"] or "x")
            spots = int(values["spots_cleaned"] or "x")
        except (InvalidOperation, ValueError):
            errors.append(_("Enter the refuse in kilograms and the number of spots cleaned."))
        files = request.FILES.getlist("photos")
        photos = []
        if not errors:
            try:
                if len(files) > actions.MAX_PHOTOS:
                    raise ValidationError({"photos": _("At most %(n)d photos.") % {"n": actions.MAX_PHOTOS}})
                for f in files:
                    checked = check_upload(f.name or "photo", f.read())
                    if not checked.content_type.startswith("image/"):
                        raise ValidationError({"photos": _("Photos only (JPEG, PNG, WebP).")})
                    photos.append((checked.content, checked.content_type, checked.extension))
                actions.record_cleanup(
                    actor=public_actor(),
                    activity=activity,
                    volunteer=volunteer,
                    refuse_kg=kg,
                    spots_cleaned=spots,
                    note=values["note"],
                    photos=photos,
                )
                return redirect(f"{reverse('web:citizen_home')}?recorded={activity.pk}")
            except ValidationError as exc:
                errors = error_messages(exc)
    context = {"activity": activity, "errors": errors, "values": values}
    return render(request, "web/participation/cleanup.html", context, status=400 if errors else 200)


def suggestions(request: HttpRequest) -> HttpResponse:
    """Send a suggestion, and read the answers to one's own."""
    citizen = need_citizen(request)
    if isinstance(citizen, HttpResponse):
        return citizen
    errors: list[str] = []
    if request.method == "POST":
        limit_writes(request)
        street = Unit.objects.filter(code=request.POST.get("street", "")[:32], kind=UnitKind.STREET).first()
        try:
            actions.submit_suggestion(
                actor=public_actor(),
                citizen=citizen,
                title=request.POST.get("title", "")[:100],
                text=request.POST.get("text", "")[:2000],
                street=street,
            )
            return redirect("web:citizen_suggestions")
        except ValidationError as exc:
            errors = error_messages(exc)
    context = {
        "mine": citizen.suggestions.select_related("street")[:50],
        "streets": Unit.objects.filter(kind=UnitKind.STREET).order_by("code")[:500],
        "errors": errors,
    }
    return render(request, "web/participation/suggestions.html", context, status=400 if errors else 200)


def survey(request: HttpRequest, pk: int) -> HttpResponse:
    """Answer an open survey once, for one's community."""
    citizen = need_citizen(request)
    if isinstance(citizen, HttpResponse):
        return citizen
    found = Survey.objects.select_related("area").filter(pk=pk, status=SurveyStatus.OPEN).first()
    if found is None:
        raise Http404("no open survey")
    errors: list[str] = []
    done = found.responses.filter(phone=citizen.phone).exists()
    if request.method == "POST" and not done:
        limit_writes(request)
        community = Unit.objects.filter(code=request.POST.get("community", "")[:32]).first()
        answers = {str(q.pk): request.POST.get(f"q{q.pk}", "")[:500] for q in found.questions.all()}
        try:
            if community is None:
                raise ValidationError({"community": _("Choose your community.")})
            surveys.answer_survey(
                actor=public_actor(), survey=found, citizen=citizen, community=community, answers=answers
            )
            return redirect("web:citizen_survey", pk)
        except ValidationError as exc:
            errors = error_messages(exc)
    communities = Unit.objects.filter(kind=UnitKind.COMMUNITY, path__startswith=found.area.path).order_by(
        "code"
    )[:500]
    context = {
        "survey": found,
        "questions": found.questions.all(),
        "communities": communities,
        "errors": errors,
        "done": done,
    }
    return render(request, "web/participation/survey.html", context, status=400 if errors else 200)


def leaderboard(request: HttpRequest) -> HttpResponse:
    rows = points.leaderboard()
    if rows is None:
        raise Http404("the leaderboard is off")
    return render(request, "web/participation/leaderboard.html", {"rows": rows})
