"""``/api/v1/participation``: volunteering as staff run it — approving volunteers, creating and
changing activities, one activity with its sign-ups and cleanup records, and recording attendance
and hours. Every list is the caller's jurisdiction (``restrict``); writes need ``manage``. The
shared helpers, suggestions, surveys and the city's switches are in :mod:`.participation`."""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from cityloop.api.bounded import decimal_number
from cityloop.core.permissions import restrict
from cityloop.participation import actions
from cityloop.participation.models import Activity, Signup, Volunteer

from .citizens import ActivityOut, CleanupOut, activity_out
from .errors import ApiError
from .pagination import Paged
from .participation import _may_manage_unit, _one, _Rows, _staff
from .unit_codes import required_unit, unit_by_code

router = Router(tags=["participation"])


class VolunteerOut(Schema):
    id: int
    kind: str
    name: str
    phone: str = Field(..., description="masked")
    street: str
    community: str | None
    status: str
    created_at: dt.datetime
    hours: Decimal


def _volunteer_out(v: Volunteer) -> dict[str, Any]:
    hours = sum((s.hours for s in v.signups.all() if s.attended), Decimal(0))
    return {
        "id": v.pk,
        "kind": v.kind,
        "name": v.name,
        "phone": v.citizen.masked_phone,
        "street": v.street.code,
        "community": v.community.code if v.community else None,
        "status": v.status,
        "created_at": v.created_at,
        "hours": hours,
    }


@router.get(
    "/volunteers", response=list[VolunteerOut], summary="Volunteers and representatives of your streets"
)
@paginate(Paged)
def volunteers(request: HttpRequest, status: Literal["pending", "approved", "rejected"] | None = None) -> Any:
    qs = restrict(Volunteer.objects.all(), request.user).select_related("citizen", "street", "community")
    if status:
        qs = qs.filter(status=status)
    return _Rows(qs.prefetch_related("signups"), _volunteer_out)


class DecisionIn(Schema):
    approve: bool
    note: str = Field("", max_length=200)


@router.post(
    "/volunteers/{volunteer_id}/decision", response=VolunteerOut, summary="Approve or reject a registration"
)
def decide(request: HttpRequest, volunteer_id: int, body: DecisionIn) -> dict[str, Any]:
    qs = Volunteer.objects.select_related("citizen", "street", "community")
    volunteer = _one(request, qs, volunteer_id, "manage")
    actions.decide_volunteer(actor=_staff(request), volunteer=volunteer, approve=body.approve, note=body.note)
    return _volunteer_out(volunteer)


class ActivityIn(Schema):
    title: str = Field(..., min_length=1, max_length=100)
    theme: str = Field("", max_length=100)
    description: str = Field("", max_length=2000)
    street: str = Field(..., max_length=32)
    community: str | None = Field(None, max_length=32)
    place: str = Field(..., min_length=1, max_length=200)
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int = Field(..., ge=1, le=10000)
    status: Literal["open", "closed", "cancelled"] = "open"


def _save_activity(request: HttpRequest, body: ActivityIn, activity: Activity | None) -> Activity:
    street = required_unit(body.street, "street")
    _may_manage_unit(request, Activity, street)
    fields = body.dict(exclude={"street", "community", "status"})
    saved = actions.save_activity(
        actor=_staff(request),
        activity=activity,
        street=street,
        community=unit_by_code(body.community, "community"),
        **fields,
    )
    if saved.status != body.status:
        saved.status = body.status
        saved = actions.save_activity(
            actor=_staff(request), activity=saved, street=street, community=saved.community
        )
    return saved


@router.get("/activities", response=list[ActivityOut], summary="Activities of your streets")
@paginate(Paged)
def activities(request: HttpRequest) -> Any:
    qs = restrict(Activity.objects.all(), request.user).select_related("street")
    return _Rows(qs.order_by("-starts_at", "-id"), activity_out)


@router.post("/activities", response={201: ActivityOut}, summary="Create an activity")
def create_activity(request: HttpRequest, body: ActivityIn) -> Status[dict[str, Any]]:
    return Status(201, activity_out(_save_activity(request, body, None)))


@router.put("/activities/{activity_id}", response=ActivityOut, summary="Change an activity")
def change_activity(request: HttpRequest, activity_id: int, body: ActivityIn) -> dict[str, Any]:
    activity = _one(request, Activity.objects.select_related("street"), activity_id, "manage")
    return activity_out(_save_activity(request, body, activity))


class SignupOut(Schema):
    id: int
    volunteer: str
    phone: str
    cancelled: bool
    attended: bool | None
    hours: Decimal


class ActivityDetailOut(ActivityOut):
    signups: list[SignupOut]
    cleanups: list[CleanupOut]
    refuse_kg: Decimal
    spots_cleaned: int


@router.get(
    "/activities/{activity_id}",
    response=ActivityDetailOut,
    summary="An activity with its sign-ups and cleanups",
)
def activity(request: HttpRequest, activity_id: int) -> dict[str, Any]:
    found = _one(request, Activity.objects.select_related("street"), activity_id)
    signups = [
        {
            "id": s.pk,
            "volunteer": s.volunteer.name,
            "phone": s.volunteer.citizen.masked_phone,
            "cancelled": s.cancelled_at is not None,
            "attended": s.attended,
            "hours": s.hours,
        }
        for s in found.signups.select_related("volunteer__citizen").order_by("id")
    ]
    cleanups = list(found.cleanups.all())
    return {
        **activity_out(found),
        "signups": signups,
        "cleanups": cleanups,
        "refuse_kg": sum((c.refuse_kg for c in cleanups), Decimal(0)),
        "spots_cleaned": sum(c.spots_cleaned for c in cleanups),
    }


class AttendanceIn(Schema):
    attended: bool
    hours: decimal_number(ge=0, le=24, places=1) = Decimal(0)  # type: ignore[valid-type]


@router.post("/signups/{signup_id}/attendance", response=SignupOut, summary="Record attendance and hours")
def attendance(request: HttpRequest, signup_id: int, body: AttendanceIn) -> dict[str, Any]:
    signup = Signup.objects.select_related("volunteer__citizen", "activity").filter(pk=signup_id).first()
    if signup is None or not restrict(Activity.objects.filter(pk=signup.activity_id), request.user).exists():
        raise ApiError(404, f"no sign-up {signup_id} that you may see")
    _one(request, Activity.objects.all(), signup.activity_id, "manage")
    actions.record_attendance(actor=_staff(request), signup=signup, attended=body.attended, hours=body.hours)
    return {
        "id": signup.pk,
        "volunteer": signup.volunteer.name,
        "phone": signup.volunteer.citizen.masked_phone,
        "cancelled": False,
        "attended": signup.attended,
        "hours": signup.hours,
    }
