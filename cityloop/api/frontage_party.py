"""``/api/v1/frontage/me``: a party's own cases handed to it first (门前三包自行纠正), for its phone.

Signed in with ``Party.account`` (no role). Only the party's own cases, and only what a party may
see: the category, the description, the place and the deadline, never who reported it.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile

from cityloop.core.models import User
from cityloop.frontage.correction_actions import answer_declined, answer_fixed
from cityloop.frontage.models import CorrectionState, Party, SelfCorrection
from cityloop.web.frontage.party_cases import checked_photo

from .errors import ApiError

router = Router(tags=["frontage"])
MY_LIMIT = 100


class PartyCaseOut(Schema):
    id: int
    case: str = Field(..., description="the case number")
    state: str = Field(..., description="waiting | fixed | declined | expired")
    category_code: str
    category_name: str
    description: str
    address: str
    lon: float
    lat: float
    zone: str
    duty: str
    opened_at: dt.datetime
    deadline_at: dt.datetime
    answered_at: dt.datetime | None
    answer: str


class PartyCasesQuery(Schema):
    state: CorrectionState | None = Field(None, description="only cases in this state")


class PartyDeclineIn(Schema):
    reason: str = Field(
        ..., min_length=1, max_length=500, description="why it is not yours, or why you cannot"
    )


def _party(request: HttpRequest) -> Party:
    user = request.user
    party = Party.objects.filter(account_id=user.pk).first() if isinstance(user, User) else None
    if party is None:
        raise ApiError(403, "only a frontage party's own account may use this")
    return party


def _out(c: SelfCorrection) -> dict[str, Any]:
    return {
        "id": c.pk,
        "case": c.case_number,
        "state": c.state,
        "category_code": c.category_code,
        "category_name": c.category_name,
        "description": c.description,
        "address": c.address,
        "lon": c.lon,
        "lat": c.lat,
        "zone": c.zone.code,
        "duty": c.duty.name,
        "opened_at": c.opened_at,
        "deadline_at": c.deadline_at,
        "answered_at": c.answered_at,
        "answer": c.answer,
    }


def _mine(request: HttpRequest, correction_id: int) -> SelfCorrection:
    found = (
        SelfCorrection.objects.filter(party=_party(request), pk=correction_id)
        .select_related("zone", "duty")
        .first()
    )
    if found is None:
        raise ApiError(404, "no such case of yours")
    return found


@router.get(
    "/me/cases", response=list[PartyCaseOut], summary="The cases handed to my frontage (party account)"
)
def my_cases(request: HttpRequest, filters: Query[PartyCasesQuery]) -> list[dict[str, Any]]:
    qs = SelfCorrection.objects.filter(party=_party(request)).select_related("zone", "duty")
    if filters.state:
        qs = qs.filter(state=filters.state)
    return [_out(c) for c in qs.order_by("-opened_at", "-id")[:MY_LIMIT]]


@router.get("/me/cases/{correction_id}", response=PartyCaseOut, summary="One case handed to my frontage")
def my_case(request: HttpRequest, correction_id: int) -> dict[str, Any]:
    return _out(_mine(request, correction_id))


@router.post(
    "/me/cases/{correction_id}/fixed",
    response=PartyCaseOut,
    summary="Answer: I put it right (a photo is required); the supervisor checks it",
)
def my_case_fixed(
    request: HttpRequest, correction_id: int, photo: File[UploadedFile], note: Form[str] = ""
) -> dict[str, Any]:
    correction = _mine(request, correction_id)
    if len(note) > 500:
        raise ApiError(400, "note too long", errors={"note": ["不超过500字"]})
    assert isinstance(request.user, User)
    try:
        answer_fixed(correction.pk, actor=request.user, note=note, photo=checked_photo(photo))
    except PermissionDenied as exc:
        raise ApiError(403, str(exc)) from None
    return _out(_mine(request, correction_id))


@router.post(
    "/me/cases/{correction_id}/declined",
    response=PartyCaseOut,
    summary="Answer: not mine, or I cannot; the street takes it at once",
)
def my_case_declined(request: HttpRequest, correction_id: int, body: PartyDeclineIn) -> dict[str, Any]:
    correction = _mine(request, correction_id)
    assert isinstance(request.user, User)
    try:
        answer_declined(correction.pk, actor=request.user, reason=body.reason)
    except PermissionDenied as exc:
        raise ApiError(403, str(exc)) from None
    return _out(_mine(request, correction_id))
