"""``/api/v1/community``: 三长一站 stations, their heads and on-call professionals, and community
tasks (the meetings are in ``community_meetings``), restricted to the caller's jurisdiction: a
community's rows are seen by its station and heads, its street and those above; a resident's name
and phone only by those who run the station."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from cityloop.community import tasks as task_actions
from cityloop.community.access import may_manage
from cityloop.community.escalation import bridge
from cityloop.community.models import Post, Professional, Station, Task
from cityloop.community.photos import MAX_PHOTOS
from cityloop.core.models import User
from cityloop.core.permissions import restrict

from .errors import ApiError
from .pagination import Paged

router = Router(tags=["community"])


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class CommunityStationOut(Schema):
    id: int
    name: str
    community: str
    community_name: str
    street: str
    address: str
    phone: str
    lon: float | None
    lat: float | None
    task_hours: int
    open_tasks: int


def _station(s: Station) -> dict[str, Any]:
    return {
        "id": s.pk,
        "name": s.name,
        "community": s.community.code,
        "community_name": s.community.name,
        "street": s.street.code,
        "address": s.address,
        "phone": s.phone,
        "lon": s.lon,
        "lat": s.lat,
        "task_hours": s.task_hours,
        "open_tasks": s.tasks.filter(state__in=("open", "assigned")).count(),
    }


def _find_station(request: HttpRequest, station_id: int) -> Station:
    station = (
        restrict(Station.objects.all(), request.user, "view")
        .select_related("community", "street")
        .filter(pk=station_id)
        .first()
    )
    if station is None:
        raise ApiError(404, f"你的辖区内没有编号为{station_id}的社区工作站")
    return station


@router.get(
    "/stations", response=list[CommunityStationOut], summary="Community stations in your jurisdiction"
)
@paginate(Paged)
def list_stations(request: HttpRequest) -> list[dict[str, Any]]:
    qs = restrict(Station.objects.all(), request.user, "view").select_related("community", "street")
    return [_station(s) for s in qs.order_by("street_id", "name")[:500]]


@router.get("/stations/{station_id}", response=CommunityStationOut, summary="One community station")
def get_station(request: HttpRequest, station_id: int) -> dict[str, Any]:
    return _station(_find_station(request, station_id))


class CommunityHeadOut(Schema):
    id: int
    kind: str
    kind_name: str
    name: str
    place_name: str
    lon: float | None
    lat: float | None
    valid_from: dt.date
    valid_to: dt.date | None


def head_out(p: Post) -> dict[str, Any]:
    return {
        "id": p.pk,
        "kind": p.kind,
        "kind_name": p.get_kind_display(),
        "name": str(p.user),
        "place_name": p.place_name,
        "lon": p.lon,
        "lat": p.lat,
        "valid_from": p.valid_from,
        "valid_to": p.valid_to,
    }


@router.get("/stations/{station_id}/heads", response=list[CommunityHeadOut], summary="The station's heads")
def list_heads(request: HttpRequest, station_id: int) -> list[dict[str, Any]]:
    station = _find_station(request, station_id)
    return [head_out(p) for p in Post.objects.filter(station=station).select_related("user")[:500]]


class CommunityProfessionalOut(Schema):
    id: int
    name: str
    trade: str
    trade_name: str
    company: str
    phone: str
    active: bool


@router.get(
    "/stations/{station_id}/professionals",
    response=list[CommunityProfessionalOut],
    summary="The station's on-call professionals (水电气暖、物业)",
)
def list_professionals(request: HttpRequest, station_id: int) -> list[dict[str, Any]]:
    station = _find_station(request, station_id)
    return [
        {
            "id": p.pk,
            "name": p.name,
            "trade": p.trade,
            "trade_name": p.get_trade_display(),
            "company": p.company,
            "phone": p.phone,
            "active": p.active,
        }
        for p in Professional.objects.filter(station=station)[:500]
    ]


class CommunityTaskOut(Schema):
    id: int
    station: int
    community_name: str
    source: str
    state: str
    state_name: str
    description: str
    address: str
    lon: float
    lat: float
    category_code: str
    reporter_name: str | None = Field(None, description="null unless you run the station or its street")
    reporter_phone: str | None = Field(None, description="null unless you run the station or its street")
    assignee: str
    deadline_at: dt.datetime | None
    overdue: bool
    solution: str
    escalation_reason: str
    case_number: str
    case_state: str = Field("", description="the district's state of the task's case now (已结案…)")
    created: dt.datetime
    photos: int


def _task(
    task: Task, user: User, managed: dict[int, bool], states: dict[int, str] | None = None
) -> dict[str, Any]:
    if states is None:
        states = bridge().progress([task.case_id]) if task.case_id else {}
    if task.station_id not in managed:
        managed[task.station_id] = may_manage(user, task.station)
    shown = managed[task.station_id]
    now = dt.datetime.now(dt.UTC)
    return {
        "id": task.pk,
        "station": task.station_id,
        "community_name": task.community.name,
        "source": task.source,
        "state": task.state,
        "state_name": task.get_state_display(),
        "description": task.description,
        "address": task.address,
        "lon": task.lon,
        "lat": task.lat,
        "category_code": task.category_code,
        "reporter_name": task.reporter_name if shown else None,
        "reporter_phone": task.reporter_phone if shown else None,
        "assignee": task.assignee_label(),
        "deadline_at": task.deadline_at,
        "overdue": bool(task.is_open and task.deadline_at and task.deadline_at < now),
        "solution": task.solution,
        "escalation_reason": task.escalation_reason,
        "case_number": task.case_number,
        "case_state": states.get(task.case_id, "") if task.case_id else "",
        "created": task.created,
        "photos": task.photos.count(),
    }


def _tasks(request: HttpRequest) -> Any:
    return restrict(Task.objects.all(), request.user, "view").select_related(
        "station", "community", "assigned_post__user", "assigned_professional"
    )


class CommunityTaskFilter(Schema):
    station: int | None = Field(None, ge=1, le=2**62)
    state: str | None = Field(None, pattern="^(open|assigned|solved|escalated)$")


@router.get("/tasks", response=list[CommunityTaskOut], summary="Community tasks in your jurisdiction")
@paginate(Paged)
def list_tasks(request: HttpRequest, filters: Query[CommunityTaskFilter]) -> Any:
    qs = _tasks(request)
    if filters.station:
        qs = qs.filter(station_id=filters.station)
    if filters.state:
        qs = qs.filter(state=filters.state)
    user, managed = _user(request), dict[int, bool]()

    class _Page:
        def count(self) -> int:
            return int(qs.count())

        def __len__(self) -> int:
            return self.count()

        def __getitem__(self, item: slice) -> list[dict[str, Any]]:
            rows = list(qs.order_by("-created", "-id")[item])
            states = bridge().progress([t.case_id for t in rows if t.case_id])
            return [_task(t, user, managed, states) for t in rows]

    return _Page()


def _find_task(request: HttpRequest, task_id: int) -> Task:
    task = _tasks(request).filter(pk=task_id).first()
    if task is None:
        raise ApiError(404, f"你的辖区内没有编号为{task_id}的社区任务")
    return task


@router.get("/tasks/{task_id}", response=CommunityTaskOut, summary="One community task")
def get_task(request: HttpRequest, task_id: int) -> dict[str, Any]:
    return _task(_find_task(request, task_id), _user(request), {})


class CommunityTaskIn(Schema):
    station: int = Field(..., ge=1, le=2**62)
    description: str = Field(..., min_length=1, max_length=500)
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    source: str = Field("head", pattern="^(head|resident)$")
    address: str = Field("", max_length=200)
    category_code: str = Field("", max_length=16)
    reporter_name: str = Field("", max_length=50)
    reporter_phone: str = Field("", max_length=32)


@router.post("/tasks", response={201: CommunityTaskOut}, summary="Raise a problem in a community")
def raise_task(request: HttpRequest, body: CommunityTaskIn) -> Status[dict[str, Any]]:
    station = _find_station(request, body.station)
    fields = body.dict(exclude={"station"})
    task = task_actions.raise_task(actor=_user(request), station=station, **fields)
    return Status(201, _task(_find_task(request, task.pk), _user(request), {}))


class CommunityTakeCaseIn(Schema):
    case_id: int = Field(..., ge=1, le=2**62)


@router.post(
    "/stations/{station_id}/take-case",
    response={201: CommunityTaskOut},
    summary="Take a case the district dispatched to the station into the community loop",
)
def take_case(request: HttpRequest, station_id: int, body: CommunityTakeCaseIn) -> Status[dict[str, Any]]:
    station = _find_station(request, station_id)
    task = task_actions.take_case(actor=_user(request), station=station, case_id=body.case_id)
    return Status(201, _task(_find_task(request, task.pk), _user(request), {}))


class CommunityAssignIn(Schema):
    post: int | None = Field(None, ge=1, le=2**62, description="a head's post id")
    professional: int | None = Field(None, ge=1, le=2**62, description="an on-call professional's id")
    hours: int | None = Field(None, ge=1, le=240, description="working hours (default: the station's)")


@router.post("/tasks/{task_id}/assign", response=CommunityTaskOut, summary="Assign a head or a professional")
def assign_task(request: HttpRequest, task_id: int, body: CommunityAssignIn) -> dict[str, Any]:
    task = _find_task(request, task_id)
    post = Post.objects.filter(pk=body.post, station_id=task.station_id).first() if body.post else None
    if body.post and post is None:
        raise ApiError(400, "这位三长不在本工作站任职", field="post")
    professional = (
        Professional.objects.filter(pk=body.professional, station_id=task.station_id).first()
        if body.professional
        else None
    )
    if body.professional and professional is None:
        raise ApiError(400, "这位专业人员不在本工作站值守", field="professional")
    task_actions.assign_task(
        actor=_user(request), task=task, post=post, professional=professional, hours=body.hours
    )
    return _task(_find_task(request, task_id), _user(request), {})


def _files(photos: list[UploadedFile] | None) -> list[tuple[str, bytes]]:
    photos = photos or []
    if len(photos) > MAX_PHOTOS:
        raise ApiError(400, f"最多{MAX_PHOTOS}张照片", field="photos")
    return [(f.name or "photo", f.read()) for f in photos]


class CommunityNoteIn(Schema):
    text: str = Field(..., min_length=1, max_length=500, description="what was tried (a visit, a call)")


@router.post(
    "/tasks/{task_id}/notes", response=CommunityTaskOut, summary="Record what was tried (photos optional)"
)
def note_task(
    request: HttpRequest,
    task_id: int,
    body: Form[CommunityNoteIn],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> dict[str, Any]:
    task = _find_task(request, task_id)
    task_actions.note_task(actor=_user(request), task=task, text=body.text, photos=_files(photos))
    return _task(_find_task(request, task_id), _user(request), {})


class CommunitySolveIn(Schema):
    solution: str = Field(..., min_length=1, max_length=500, description="what was done")


@router.post(
    "/tasks/{task_id}/solve", response=CommunityTaskOut, summary="Solved in the community (with a photo)"
)
def solve_task(
    request: HttpRequest,
    task_id: int,
    body: Form[CommunitySolveIn],
    photos: File[list[UploadedFile]] = None,  # type: ignore[assignment]
) -> dict[str, Any]:
    task = _find_task(request, task_id)
    task_actions.solve_task(actor=_user(request), task=task, solution=body.solution, photos=_files(photos))
    return _task(_find_task(request, task_id), _user(request), {})


class CommunityEscalateIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500, description="why it cannot be solved here")


@router.post(
    "/tasks/{task_id}/escalate", response=CommunityTaskOut, summary="Escalate to the district's case loop"
)
def escalate_task(request: HttpRequest, task_id: int, body: CommunityEscalateIn) -> dict[str, Any]:
    task = _find_task(request, task_id)
    task_actions.escalate_task(actor=_user(request), task=task, reason=body.reason)
    return _task(_find_task(request, task_id), _user(request), {})
