"""``/api/v1``: reports, cases, their actions and timeline, uploads, and public tracking."""

import datetime as dt
from typing import Any, Literal

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from ninja import Field, File, Header, Query, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from cityloop.cases import duplicates
from cityloop.cases.actions import submit_report
from cityloop.cases.attachments import upload_attachment
from cityloop.cases.engine import TransitionError, available, perform
from cityloop.cases.merging import joined
from cityloop.cases.models import Case, CaseEvent
from cityloop.cases.search import text_filter
from cityloop.cases.workflow import STATES, TRANSITIONS
from cityloop.core.audit import public_actor
from cityloop.core.files import file_response
from cityloop.core.ids import row_id
from cityloop.core.models import User
from cityloop.core.permissions import restrict, visible_to_request
from cityloop.core.ratelimits import count_tracking_miss, limit_anonymous_report
from cityloop.timeclock.units import Light

from .auth import PUBLIC_OR_AUTH
from .case_schemas import (
    ActionIn,
    ActionOut,
    AttachmentOut,
    CaseDetail,
    CaseSummary,
    ReportIn,
    TrackOut,
    case_summary,
    event_out,
    step_out,
)
from .errors import ApiError
from .pagination import Paged

router = Router(tags=["cases"])

# Channels with an interface of their own, which checks its own credentials.
OWN_INTERFACE_CHANNELS = {
    "open311": "/open311/v2/requests.json with an api_key",
    "citizen_rep": "/api/v1/participation/visits with a representative's X-Citizen-Token",
}
CASE_RELATED = ("channel", "category", "grid", "district", "street", "community", "responsible_unit")


def _actor(request: HttpRequest) -> User:
    user = request.user
    return user if isinstance(user, User) and user.is_authenticated else public_actor()


def _raise(exc: TransitionError) -> None:
    raise ApiError(exc.status, exc.message, **exc.details)


class ReportOut(Schema):
    id: int | None
    number: str
    tracking_code: str
    state: str
    created: bool


@router.post(
    "/reports",
    response={201: ReportOut, 200: ReportOut},
    auth=PUBLIC_OR_AUTH,
    summary="Report a problem from any channel (idempotent with Idempotency-Key or external_id)",
)
def report(
    request: HttpRequest,
    body: ReportIn,
    idempotency_key: str | None = Header(
        None,
        alias="Idempotency-Key",
        max_length=128,
        pattern=r"^[!-~]+$",
        description="any printable ASCII, at most 128 characters: a retry with it returns the same case",
    ),
) -> Status[dict[str, Any]]:
    actor = _actor(request)
    anonymous = actor.username == "public"
    if body.channel in OWN_INTERFACE_CHANNELS:
        # These channels admit a report by their own credentials (an Open311 client's api_key, a
        # hotline platform's signature): through this door they would need none.
        raise ApiError(
            400,
            f"channel: reports of channel {body.channel} come through {OWN_INTERFACE_CHANNELS[body.channel]}",
            field="channel",
        )
    if anonymous and not body.reporter_phone:
        raise ApiError(
            400, "reporter_phone: give a phone number so the centre can reach you", field="reporter_phone"
        )
    if anonymous:
        limit_anonymous_report(request, body.reporter_phone)
    try:
        case, created = submit_report(
            actor=actor,
            idempotency_key=idempotency_key or None,
            **body.dict(),
        )
    except TransitionError as exc:
        _raise(exc)
    out: dict[str, Any] = {
        # The public only learns the number and tracking code; staff get the case id too.
        "id": None if anonymous else case.pk,
        "number": case.number,
        "tracking_code": case.tracking_code,
        "state": case.state,
        "created": created,
    }
    return Status(201 if created else 200, out)


class CaseFilter(Schema):
    state: list[str] | None = None
    category: str | None = None
    district: str | None = Field(None, description="the district's code")
    level: Literal["district", "city"] | None = Field(
        None, description="the command level: cases commanded by a district centre, or by the city centre"
    )
    street: str | None = None
    community: str | None = None
    grid: str | None = None
    unit: str | None = None
    source: str | None = None
    light: str | None = None
    overdue: bool | None = None
    reported_from: dt.date | None = None
    reported_to: dt.date | None = None
    q: str | None = Field(
        None, description="text in the number, tracking code, description or address (示范路12号, 井盖)"
    )
    sort: str = "-reported_at"


SORTS = {"reported_at", "-reported_at", "deadline_at", "-deadline_at", "number", "-number", "state"}


def filter_cases(qs: QuerySet[Case], f: CaseFilter) -> QuerySet[Case]:
    """Apply the queue's filters (shared by the API and the console)."""
    if f.state:
        unknown = [s for s in f.state if s not in STATES]
        if unknown:
            raise ApiError(400, f"unknown state {unknown[0]!r}; use one of {', '.join(STATES)}")
        qs = qs.filter(state__in=f.state)
    if f.category:
        qs = qs.filter(category__code__startswith=f.category)
    if f.level:
        qs = qs.filter(command_level=f.level)
    for field in ("district", "street", "community", "grid"):
        value = getattr(f, field)
        if value:
            qs = qs.filter(**{f"{field}__code": value})
    if f.unit:
        unit_id = row_id(f.unit)
        qs = qs.filter(Q(responsible_unit__code=f.unit) | Q(responsible_unit_id=unit_id if unit_id else -1))
    if f.source:
        qs = qs.filter(channel__code=f.source)
    if f.light:
        if f.light not in Light.values:
            raise ApiError(400, f"unknown light {f.light!r}; use one of {', '.join(Light.values)}")
        qs = qs.filter(light=f.light)
    if f.overdue is not None:
        qs = qs.filter(light="red") if f.overdue else qs.exclude(light="red")
    if f.reported_from:
        qs = qs.filter(reported_at__date__gte=f.reported_from)
    if f.reported_to:
        qs = qs.filter(reported_at__date__lte=f.reported_to)
    if f.q:
        qs = qs.filter(text_filter(f.q))
    if f.sort not in SORTS:
        raise ApiError(400, f"sort by one of {', '.join(sorted(SORTS))}")
    return qs.order_by(f.sort, "-id")


@router.get("/cases", response=list[CaseSummary], summary="Cases in your jurisdiction, filtered and paged")
@paginate(Paged)
def list_cases(request: HttpRequest, filters: Query[CaseFilter]) -> list[dict[str, Any]]:
    qs = filter_cases(restrict(Case.objects.select_related(*CASE_RELATED), request.user, "view"), filters)
    return _LazySummaries(qs)  # type: ignore[return-value]


class _LazySummaries:
    """Let the paginator slice the queryset first, then shape only the page."""

    def __init__(self, qs: QuerySet[Case]) -> None:
        self.qs = qs

    def __len__(self) -> int:
        return self.qs.count()

    def count(self) -> int:
        return self.qs.count()

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [case_summary(c) for c in self.qs[item]]


def case_by_ref(qs: QuerySet[Case], ref: str) -> Case:
    """The case of ``qs`` that ``ref`` names by id or number (404 otherwise, to leak nothing)."""
    pk = row_id(ref)
    case = qs.filter(pk=pk).first() if pk else qs.filter(number=ref).first()
    if case is None:
        raise ApiError(404, f"no case {ref} in your jurisdiction")
    return case


def get_case(request: HttpRequest, ref: str) -> Case:
    """A case by id or number, if the user may see it."""
    qs = visible_to_request(request, Case).select_related(*CASE_RELATED, "condition", "component")
    return case_by_ref(qs, ref)


def case_detail(case: Case, likely_duplicates: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    events = (
        CaseEvent.objects.filter(case=case)
        .select_related("actor", "actor_unit")
        .prefetch_related("attachments")
    )
    return {
        **case_summary(case),
        "tracking_code": case.tracking_code,
        "appeal_nature": case.appeal_nature,
        "reporter_name": case.reporter_name,
        "reporter_phone": case.reporter_phone,
        "component": case.component.code if case.component else None,
        "condition": str(case.condition) if case.condition else None,
        "counters": {
            "returns": case.returns_count,
            "reworks": case.reworks_count,
            "extensions": case.extensions_count,
            "holds": case.holds_count,
            "urges": case.urges_count,
        },
        "needs_return_visit": case.needs_return_visit,
        "return_visit_waiver": case.return_visit_waiver,
        "satisfaction": case.satisfaction,
        "citizen_rating": case.citizen_rating,
        "citizen_comment": case.citizen_comment,
        "duplicate_of": case.duplicate_of.number if case.duplicate_of else None,
        "likely_duplicates": likely_duplicates or [],
        "routing": case.routing or None,
        "steps": [step_out(s) for s in case.steps.select_related("unit").order_by("id")],
        "timeline": [event_out(e) for e in events],
        "attachments": [
            {
                "id": a.pk,
                "purpose": a.purpose,
                "name": a.original_name,
                "content_type": a.content_type,
                "size": a.size,
                "url": f"/api/v1/attachments/{a.pk}",
            }
            for a in case.attachments.all().order_by("id")
        ],
    }


@router.get("/cases/{ref}", response=CaseDetail, summary="One case with its steps and full timeline")
def case_get(request: HttpRequest, ref: str) -> dict[str, Any]:
    return detail_for(request, get_case(request, ref))


def detail_for(request: HttpRequest, case: Case) -> dict[str, Any]:
    """The case's detail with its likely duplicates among the cases this user may see (an offered
    duplicate never reveals a case the user could not open)."""
    near = duplicates.of_case(case, visible_to_request(request, Case))
    return case_detail(case, [d.as_json() for d in near])


@router.get("/cases/{ref}/actions", response=list[ActionOut], summary="What you may do with this case now")
def case_actions(request: HttpRequest, ref: str) -> list[dict[str, Any]]:
    case = get_case(request, ref)
    assert isinstance(request.user, User)
    return [
        {
            "name": t.name,
            "label": t.label,
            "label_en": t.label_en,
            "target": t.target,
            "requires": list(t.requires),
        }
        for t in available(case, request.user)
    ]


@router.post("/cases/{ref}/actions/{action}", response=CaseDetail, summary="Take an action on the case")
def case_act(request: HttpRequest, ref: str, action: str, body: ActionIn) -> dict[str, Any]:
    case = get_case(request, ref)
    assert isinstance(request.user, User)
    if action not in TRANSITIONS:
        raise ApiError(404, f"no action {action!r}; see GET /api/v1/cases/{ref}/actions")
    payload = {k: v for k, v in body.dict().items() if v not in (None, "", []) and k != "version"}
    try:
        updated = perform(case, action, actor=request.user, payload=payload, expected_version=body.version)
    except TransitionError as exc:
        _raise(exc)
    return detail_for(request, get_case(request, str(updated.pk)))


@router.post(
    "/attachments", response={201: AttachmentOut}, summary="Upload a photo or PDF for a later action"
)
def attachment_upload(
    request: HttpRequest, file: File[UploadedFile], purpose: str = "other"
) -> Status[dict[str, Any]]:
    assert isinstance(request.user, User)
    content = file.read()
    attachment = upload_attachment(
        actor=request.user, name=file.name or "upload", content=content, purpose=purpose
    )
    return Status(
        201,
        {
            "id": attachment.pk,
            "purpose": attachment.purpose,
            "name": attachment.original_name,
            "content_type": attachment.content_type,
            "size": attachment.size,
            "url": f"/api/v1/attachments/{attachment.pk}",
        },
    )


@router.get("/attachments/{attachment_id}", summary="Download an attachment of a case you may see")
def attachment_get(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    from cityloop.cases.models import Attachment

    attachment = get_object_or_404(Attachment, pk=attachment_id)
    visible = attachment.uploaded_by_id == request.user.pk or (
        attachment.case_id
        and restrict(Case.objects.filter(pk=attachment.case_id), request.user, "view").exists()
    )
    if not visible:
        raise ApiError(404, f"no attachment {attachment_id} you may see")
    return file_response(attachment.file, attachment.content_type)


@router.get(
    "/track/{code}", response=TrackOut, auth=None, summary="Public: follow a case by its tracking code"
)
def track(request: HttpRequest, code: str) -> dict[str, Any]:
    case = (
        Case.objects.select_related("category", "duplicate_of__category")
        .filter(tracking_code=code.strip().upper())
        .first()
    )
    if case is None:
        count_tracking_miss(request)  # someone guessing codes gets a 429 after a while
        raise ApiError(404, "no case with this tracking code; check the code on your receipt")
    # A report merged into another (合并) follows that case: its state, dates and history.
    followed = joined(case)
    history = [
        {"at": e.at, "state": e.to_state, "state_label": STATES[e.to_state].label}
        for e in followed.events.order_by("seq")
        if e.from_state != e.to_state
    ]
    return {
        "tracking_code": case.tracking_code,
        "number": case.number,
        "merged_into": followed.number if followed.pk != case.pk else None,
        "state": followed.state,
        "state_label": STATES[followed.state].label,
        "category": f"{followed.category.code} {followed.category.name}" if followed.category else None,
        "reported_at": case.reported_at,
        "registered_at": followed.registered_at,
        "dispatched_at": followed.dispatched_at,
        "closed_at": followed.closed_at,
        "history": history,
    }
