"""``/api/v1/community/meetings``: coordination meetings (weekly community, monthly street) with
their agenda and action items, and marking an item done."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from cityloop.community import meetings as meeting_actions
from cityloop.community.models import ActionItem, Meeting
from cityloop.core.models import Unit, User
from cityloop.core.permissions import restrict

from .errors import ApiError
from .pagination import Paged

router = Router(tags=["community"])


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class CommunityItemOut(Schema):
    id: int
    what: str
    who: str
    due: dt.date
    done_at: dt.datetime | None
    done_note: str
    overdue: bool
    task: int | None


class CommunityMeetingOut(Schema):
    id: int
    kind: str
    unit: str
    unit_name: str
    held_on: dt.date
    place: str
    attendees: str
    decisions: str
    agenda: list[int]
    items: list[CommunityItemOut]


def _meeting(m: Meeting) -> dict[str, Any]:
    today = dt.date.today()
    return {
        "id": m.pk,
        "kind": m.kind,
        "unit": m.unit.code,
        "unit_name": m.unit.name,
        "held_on": m.held_on,
        "place": m.place,
        "attendees": m.attendees,
        "decisions": m.decisions,
        "agenda": [t.pk for t in m.agenda.all()],
        "items": [
            {
                "id": i.pk,
                "what": i.what,
                "who": i.who,
                "due": i.due,
                "done_at": i.done_at,
                "done_note": i.done_note,
                "overdue": i.done_at is None and i.due < today,
                "task": i.task_id,
            }
            for i in m.items.all()
        ],
    }


@router.get("/meetings", response=list[CommunityMeetingOut], summary="Coordination meetings")
@paginate(Paged)
def list_meetings(request: HttpRequest) -> Any:
    qs = restrict(Meeting.objects.all(), request.user, "view").select_related("unit")
    return [_meeting(m) for m in qs.prefetch_related("agenda", "items")[:500]]


class CommunityItemIn(Schema):
    what: str = Field(..., min_length=1, max_length=200)
    who: str = Field(..., min_length=1, max_length=50)
    due: dt.date
    task: int | None = Field(None, ge=1, le=2**62)


class CommunityMeetingIn(Schema):
    kind: str = Field(..., pattern="^(community_weekly|street_monthly)$")
    unit: str = Field(..., min_length=1, max_length=32, description="community or street unit code")
    held_on: dt.date
    place: str = Field("", max_length=100)
    attendees: str = Field("", max_length=500)
    decisions: str = Field("", max_length=4000)
    items: list[CommunityItemIn] = Field(default_factory=list, max_length=30)


@router.post("/meetings", response={201: CommunityMeetingOut}, summary="Record a coordination meeting")
def hold_meeting(request: HttpRequest, body: CommunityMeetingIn) -> Status[dict[str, Any]]:
    unit = restrict(Unit.objects.all(), request.user, "view").filter(code=body.unit).first() or (
        Unit.objects.filter(code=body.unit, community_station__isnull=False).first()
    )
    if unit is None:
        raise ApiError(404, f"找不到单位{body.unit}", field="unit")
    meeting = meeting_actions.hold_meeting(
        actor=_user(request),
        unit=unit,
        kind=body.kind,
        held_on=body.held_on,
        place=body.place,
        attendees=body.attendees,
        decisions=body.decisions,
        items=[i.dict() for i in body.items],
    )
    return Status(201, _meeting(meeting))


class CommunityItemDoneIn(Schema):
    note: str = Field(..., min_length=1, max_length=300)


@router.post("/meeting-items/{item_id}/done", response=CommunityItemOut, summary="Mark an action item done")
def item_done(request: HttpRequest, item_id: int, body: CommunityItemDoneIn) -> dict[str, Any]:
    item = restrict(ActionItem.objects.all(), request.user, "view").filter(pk=item_id).first()
    if item is None:
        raise ApiError(404, f"没有编号为{item_id}的会议事项")
    item = meeting_actions.complete_item(actor=_user(request), item=item, note=body.note)
    return {
        "id": item.pk,
        "what": item.what,
        "who": item.who,
        "due": item.due,
        "done_at": item.done_at,
        "done_note": item.done_note,
        "overdue": False,
        "task": item.task_id,
    }
