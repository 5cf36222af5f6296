"""``/api/v1/public``, the part that needs a verified phone (``X-Citizen-Token`` from
``POST /public/verify/confirm``): the citizen's own points, volunteering (register,
sign up, record a cleanup, a representative's visit whose findings become reports). Suggestions and
surveys are in :mod:`.citizen_feedback`."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Header, Query, Router, Schema, Status

from cityloop.api.bounded import decimal_number
from cityloop.cases.citizen_visits import report_visit
from cityloop.core.audit import public_actor
from cityloop.participation import actions, verification
from cityloop.participation.models import Activity, Citizen, Signup, Volunteer
from cityloop.participation.models.volunteering import ActivityStatus

from .auth import PUBLIC_OR_AUTH
from .errors import ApiError
from .public import limit_writes
from .unit_codes import required_unit, unit_by_code

router = Router(tags=["public"])
TOKEN = Header("", alias="X-Citizen-Token", max_length=300, description="from POST /public/verify/confirm")


def citizen_of(token: str) -> Citizen:
    citizen = verification.citizen_for_token(token)
    if citizen is None:
        raise ApiError(401, "X-Citizen-Token: missing, wrong or expired; verify your phone again")
    return citizen


class VolunteerBrief(Schema):
    id: int
    kind: str
    name: str
    street: str
    status: str


class AwardOut(Schema):
    points: int
    case_number: str
    at: dt.datetime


class CitizenMeOut(Schema):
    phone: str = Field(..., description="masked")
    nickname: str
    points: int
    awards: list[AwardOut]
    volunteer: VolunteerBrief | None


def _volunteer(v: Volunteer | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {"id": v.pk, "kind": v.kind, "name": v.name, "street": v.street.code, "status": v.status}


@router.get(
    "/me", response=CitizenMeOut, summary="Your points and volunteering (verified phone)", auth=PUBLIC_OR_AUTH
)
def me(request: HttpRequest, token: str = TOKEN) -> dict[str, Any]:
    citizen = citizen_of(token)
    volunteer = Volunteer.objects.filter(citizen=citizen).select_related("street").first()
    return {
        "phone": citizen.masked_phone,
        "nickname": citizen.nickname,
        "points": citizen.points,
        "awards": list(citizen.awards.values("points", "case_number", "at")[:50]),
        "volunteer": _volunteer(volunteer),
    }


class NicknameIn(Schema):
    nickname: str = Field(..., max_length=30)


@router.post(
    "/me/nickname",
    response=CitizenMeOut,
    summary="The name the leaderboard shows (masked)",
    auth=PUBLIC_OR_AUTH,
)
def nickname(request: HttpRequest, body: NicknameIn, token: str = TOKEN) -> dict[str, Any]:
    actions.set_nickname(actor=public_actor(), citizen=citizen_of(token), nickname=body.nickname)
    return me(request, token)


class VolunteerIn(Schema):
    kind: Literal["volunteer", "representative"]
    name: str = Field(..., min_length=1, max_length=50)
    street: str = Field(..., max_length=32, description="street code")
    community: str | None = Field(None, max_length=32, description="community code")


@router.post(
    "/volunteers",
    response={201: VolunteerBrief},
    summary="Register as a volunteer or representative",
    auth=PUBLIC_OR_AUTH,
)
def register(request: HttpRequest, body: VolunteerIn, token: str = TOKEN) -> Status[dict[str, Any]]:
    citizen = citizen_of(token)
    limit_writes(request)
    street = required_unit(body.street, "street")
    volunteer = actions.register_volunteer(
        actor=public_actor(),
        citizen=citizen,
        kind=body.kind,
        name=body.name,
        street=street,
        community=unit_by_code(body.community, "community"),
    )
    return Status(201, _volunteer(volunteer) or {})


class ActivityOut(Schema):
    id: int
    title: str
    theme: str
    description: str
    street: str
    street_name: str
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    taken: int
    status: str


def activity_out(a: Activity) -> dict[str, Any]:
    return {
        "id": a.pk,
        "title": a.title,
        "theme": a.theme,
        "description": a.description,
        "street": a.street.code,
        "street_name": a.street.name,
        "place": a.place,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "capacity": a.capacity,
        "taken": a.signups.filter(cancelled_at__isnull=True).count(),
        "status": a.status,
    }


@router.get(
    "/activities", response=list[ActivityOut], auth=PUBLIC_OR_AUTH, summary="Activities open for sign-up"
)
def open_activities(
    request: HttpRequest, street: str | None = Query(None, max_length=32)
) -> list[dict[str, Any]]:
    qs = Activity.objects.filter(status=ActivityStatus.OPEN, starts_at__gt=timezone.now()).select_related(
        "street"
    )
    if street:
        qs = qs.filter(street__code=street)
    return [activity_out(a) for a in qs.order_by("starts_at")[:100]]


def _approved(citizen: Citizen) -> Volunteer:
    volunteer = Volunteer.objects.filter(citizen=citizen).first()
    if volunteer is None:
        raise ApiError(403, "register as a volunteer first")
    return volunteer


def _activity(pk: int) -> Activity:
    found = Activity.objects.select_related("street").filter(pk=pk).first()
    if found is None:
        raise ApiError(404, f"no activity {pk}")
    return found


@router.post(
    "/activities/{activity_id}/signup",
    response={201: ActivityOut},
    auth=PUBLIC_OR_AUTH,
    summary="Sign up (approved volunteers)",
)
def signup(request: HttpRequest, activity_id: int, token: str = TOKEN) -> Status[dict[str, Any]]:
    volunteer = _approved(citizen_of(token))
    limit_writes(request)
    activity = _activity(activity_id)
    actions.sign_up(actor=public_actor(), activity=activity, volunteer=volunteer)
    return Status(201, activity_out(activity))


@router.post(
    "/activities/{activity_id}/cancel", response=ActivityOut, auth=PUBLIC_OR_AUTH, summary="Give a place back"
)
def cancel(request: HttpRequest, activity_id: int, token: str = TOKEN) -> dict[str, Any]:
    volunteer = _approved(citizen_of(token))
    activity = _activity(activity_id)
    found = Signup.objects.filter(activity=activity, volunteer=volunteer).first()
    if found is None:
        raise ApiError(404, "you have not signed up for this activity")
    actions.cancel_signup(actor=public_actor(), signup=found)
    return activity_out(activity)


class CleanupIn(Schema):
    refuse_kg: decimal_number(ge=0, le=100000, places=1)  # type: ignore[valid-type]
    spots_cleaned: int = Field(..., ge=0, le=10000)
    note: str = Field("", max_length=500)


class CleanupOut(Schema):
    id: int
    refuse_kg: Decimal
    spots_cleaned: int
    note: str
    at: dt.datetime


@router.post(
    "/activities/{activity_id}/cleanups",
    response={201: CleanupOut},
    auth=PUBLIC_OR_AUTH,
    summary="Record a cleanup (photos: on the page)",
)
def cleanup(request: HttpRequest, activity_id: int, body: CleanupIn, token: str = TOKEN) -> Status[Any]:
    volunteer = _approved(citizen_of(token))
    limit_writes(request)
    done = actions.record_cleanup(
        actor=public_actor(),
        activity=_activity(activity_id),
        volunteer=volunteer,
        refuse_kg=body.refuse_kg,
        spots_cleaned=body.spots_cleaned,
        note=body.note,
    )
    return Status(201, done)


class FindingIn(Schema):
    description: str = Field(..., min_length=1, max_length=1000)
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)


class VisitIn(Schema):
    place: str = Field(..., min_length=1, max_length=200)
    at: dt.datetime
    summary: str = Field("", max_length=1000)
    findings: list[FindingIn] = Field(default_factory=list, max_length=20)


class FindingOut(Schema):
    description: str
    case_number: str
    tracking_code: str


class VisitOut(Schema):
    id: int
    place: str
    findings: list[FindingOut]


@router.post(
    "/visits",
    response={201: VisitOut},
    auth=PUBLIC_OR_AUTH,
    summary="A representative's supervision visit; findings become reports",
)
def visit(request: HttpRequest, body: VisitIn, token: str = TOKEN) -> Status[dict[str, Any]]:
    representative = _approved(citizen_of(token))
    limit_writes(request)
    done = report_visit(
        representative=representative,
        place=body.place,
        at=body.at,
        summary=body.summary,
        findings=[f.dict() for f in body.findings],
    )
    rows = list(done.findings.order_by("id").values("description", "case_number", "tracking_code"))
    return Status(201, {"id": done.pk, "place": done.place, "findings": rows})
