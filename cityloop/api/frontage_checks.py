"""``/api/v1/frontage``: the inspection checklist, rounds and inspections, restricted to the caller's
jurisdiction like the parties and zones. Rectification notices are in :mod:`.frontage_notices`."""

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from cityloop.core.models import User
from cityloop.core.permissions import restrict
from cityloop.frontage.inspections import cancel_round, plan_round, progress, record_inspection
from cityloop.frontage.models import (
    ChecklistItem,
    Inspection,
    InspectionResult,
    InspectionRound,
    Party,
)

from .errors import ApiError
from .frontage_common import Mapped, own_photos, photo_response
from .frontage_letters import ReasonIn, _street
from .frontage_notices import _notices
from .pagination import Paged

router = Router(tags=["frontage"])


class ChecklistItemOut(Schema):
    code: str
    text: str
    duty: str
    duty_name: str
    weight: int
    category: str


@router.get(
    "/checklist", response=list[ChecklistItemOut], summary="The inspection checklist (items per duty)"
)
def checklist(request: HttpRequest) -> list[dict[str, Any]]:
    items = ChecklistItem.objects.filter(active=True).select_related("duty")
    return [
        {
            "code": i.code,
            "text": i.text,
            "duty": i.duty.code,
            "duty_name": i.duty.name,
            "weight": i.weight,
            "category": i.category,
        }
        for i in items.order_by("duty__order", "order", "code")
    ]


# --- rounds -------------------------------------------------------------------------------------


class InspectionRoundOut(Schema):
    id: int
    street: str
    title: str
    planned_on: dt.date
    inspector: str
    status: str = Field(..., description="planned, done or cancelled")
    inspected: int
    parties: int


def _round(plan: InspectionRound) -> dict[str, Any]:
    done, total = progress(plan)
    return {
        "id": plan.pk,
        "street": plan.street.code,
        "title": plan.title,
        "planned_on": plan.planned_on,
        "inspector": plan.inspector.get_username(),
        "status": plan.status,
        "inspected": done,
        "parties": total,
    }


def _rounds(request: HttpRequest) -> QuerySet[InspectionRound]:
    # The street's staff see its rounds; an inspector (a community's supervisor) sees their own too.
    mine = InspectionRound.objects.filter(inspector_id=request.user.pk)
    seen = restrict(InspectionRound.objects.all(), request.user, "view") | mine
    return seen.select_related("street", "inspector")


class InspectionRoundFilter(Schema):
    street: str | None = Field(None, max_length=32)
    status: str | None = Field(None, pattern="^(planned|done|cancelled)$")


@router.get("/rounds", response=list[InspectionRoundOut], summary="Inspection rounds in your jurisdiction")
@paginate(Paged)
def list_rounds(request: HttpRequest, filters: Query[InspectionRoundFilter]) -> Any:
    qs = _rounds(request)
    if filters.street:
        qs = qs.filter(street__code=filters.street)
    if filters.status:
        qs = qs.filter(status=filters.status)
    return Mapped(qs.order_by("-planned_on", "-pk"), _round)


class InspectionRoundIn(Schema):
    street: str = Field(..., min_length=1, max_length=32)
    title: str = Field(..., min_length=1, max_length=100)
    planned_on: dt.date
    inspector: str = Field(..., min_length=1, max_length=150, description="the inspector's user name")
    parties: list[str] = Field(..., min_length=1, max_length=500, description="credit codes")
    note: str = Field("", max_length=500)


def _parties_by_code(codes: list[str]) -> list[Party]:
    wanted = {c.strip().upper()[:18] for c in codes}
    found = list(Party.objects.filter(uscc__in=wanted).select_related("street", "community"))
    missing = wanted - {p.uscc for p in found}
    if missing:
        raise ApiError(400, "有的责任主体不存在", errors={"parties": sorted(missing)[:10]})
    return found


@router.post("/rounds", response={201: InspectionRoundOut}, summary="Plan an inspection round")
def add_round(request: HttpRequest, body: InspectionRoundIn) -> Status[dict[str, Any]]:
    assert isinstance(request.user, User)
    if not dt.date(2000, 1, 1) <= body.planned_on <= dt.date(2100, 12, 31):
        raise ApiError(400, "巡查日期不合理", errors={"planned_on": ["巡查日期应在2000到2100年之间"]})
    inspector = User.objects.filter(username=body.inspector, is_active=True).first()
    if inspector is None:
        raise ApiError(400, f"没有用户{body.inspector}", errors={"inspector": [f"没有用户{body.inspector}"]})
    plan = plan_round(
        actor=request.user,
        street=_street(body.street),
        title=body.title,
        planned_on=body.planned_on,
        inspector=inspector,
        parties=_parties_by_code(body.parties),
        note=body.note,
    )
    return Status(201, _round(plan))


def _find_round(request: HttpRequest, round_id: int) -> InspectionRound:
    plan = _rounds(request).filter(pk=round_id).first()
    if plan is None:
        raise ApiError(404, f"你的辖区内没有编号为{round_id}的巡查")
    return plan


@router.get("/rounds/{round_id}", response=InspectionRoundOut, summary="One round with its progress")
def get_round(request: HttpRequest, round_id: int) -> dict[str, Any]:
    return _round(_find_round(request, round_id))


@router.post("/rounds/{round_id}/cancel", response=InspectionRoundOut, summary="Cancel a planned round")
def cancel(request: HttpRequest, round_id: int, body: ReasonIn) -> dict[str, Any]:
    assert isinstance(request.user, User)
    return _round(cancel_round(actor=request.user, plan=_find_round(request, round_id), reason=body.reason))


# --- inspections ----------------------------------------------------------------------------------


class ResultOut(Schema):
    item: str
    text: str
    duty: str
    ok: bool
    note: str


class InspectionOut(Schema):
    id: int
    party: str
    party_name: str
    kind: str = Field(..., description="routine or recheck")
    round: int | None
    notice: str | None
    inspector: str
    inspected_at: dt.datetime
    score: int
    passed: bool
    note: str
    photos: list[str]
    results: list[ResultOut]
    notices: list[str] = Field(..., description="numbers of the notices it issued")


def _inspection(x: Inspection) -> dict[str, Any]:
    return {
        "id": x.pk,
        "party": x.party.uscc,
        "party_name": x.party.name,
        "kind": x.kind,
        "round": x.round_id,
        "notice": x.notice.number if x.notice else None,
        "inspector": x.inspector.get_username(),
        "inspected_at": x.inspected_at,
        "score": x.score,
        "passed": x.passed,
        "note": x.note,
        "photos": [f"/api/v1/frontage/inspections/{x.pk}/photos/{p}" for p in x.photos],
        "results": [
            {"item": r.item.code, "text": r.item.text, "duty": r.duty.code, "ok": r.ok, "note": r.note}
            for r in x.results.all()
        ],
        "notices": [n.number for n in x.notices.all()],
    }


def _inspections(request: HttpRequest) -> QuerySet[Inspection]:
    results = InspectionResult.objects.select_related("item", "duty").order_by("pk")
    return (
        restrict(Inspection.objects.all(), request.user, "view")
        .select_related("party", "inspector", "notice")
        .prefetch_related(Prefetch("results", queryset=results), "notices")
    )


class InspectionFilter(Schema):
    street: str | None = Field(None, max_length=32)
    party: str | None = Field(None, max_length=18)
    round: int | None = Field(None, ge=1, le=2**62)


@router.get("/inspections", response=list[InspectionOut], summary="Inspections in your jurisdiction")
@paginate(Paged)
def list_inspections(request: HttpRequest, filters: Query[InspectionFilter]) -> Any:
    qs = _inspections(request)
    if filters.street:
        qs = qs.filter(street__code=filters.street)
    if filters.party:
        qs = qs.filter(party__uscc=filters.party.upper())
    if filters.round:
        qs = qs.filter(round_id=filters.round)
    return Mapped(qs.order_by("-inspected_at", "-pk"), _inspection)


class InspectionIn(Schema):
    party: str = Field(..., min_length=1, max_length=18, description="credit code")
    ticks: dict[str, bool] = Field(..., description="checklist item code → passed")
    notes: dict[str, str] = Field(default_factory=dict, description="item code → what was seen")
    photos: list[int] = Field(default_factory=list, max_length=9, description="uploaded photo ids")
    note: str = Field("", max_length=500)
    round: int | None = Field(None, ge=1, le=2**62)
    notice: str | None = Field(None, max_length=40, description="the notice re-inspected")
    working_days: int | None = Field(None, ge=1, le=30, description="deadline of notices it issues")
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)


@router.post("/inspections", response={201: InspectionOut}, summary="Record an inspection (or re-inspection)")
def add_inspection(request: HttpRequest, body: InspectionIn) -> Status[dict[str, Any]]:
    assert isinstance(request.user, User)
    if len(body.ticks) > 200 or len(body.notes) > 200:
        raise ApiError(400, "检查项目过多", errors={"ticks": ["检查项目过多"]})
    if any(len(k) > 32 for k in body.ticks) or any(
        len(v) > 200 or len(k) > 32 for k, v in body.notes.items()
    ):
        raise ApiError(400, "项目编码不超过32字符，说明不超过200字", errors={"notes": ["过长"]})
    party = restrict(Party.objects.all(), request.user, "view").filter(uscc=body.party.upper()).first()
    if party is None:
        raise ApiError(404, f"你的辖区内没有统一社会信用代码为{body.party}的责任主体")
    plan = _find_round(request, body.round) if body.round else None
    notice = None
    if body.notice:
        notice = _notices(request).filter(number=body.notice).first()
        if notice is None:
            raise ApiError(404, f"你的辖区内没有编号为{body.notice}的整改通知书")
    with transaction.atomic():
        photos = own_photos(request.user, body.photos)
        inspection = record_inspection(
            actor=request.user,
            party=party,
            ticks=body.ticks,
            notes=body.notes,
            photos=photos,
            note=body.note,
            plan=plan,
            notice=notice,
            working_days=body.working_days,
            lon=body.lon,
            lat=body.lat,
        )
    return Status(201, _inspection(_inspections(request).get(pk=inspection.pk)))


def _find_inspection(request: HttpRequest, inspection_id: int) -> Inspection:
    found = _inspections(request).filter(pk=inspection_id).first()
    if found is None:
        raise ApiError(404, f"你的辖区内没有编号为{inspection_id}的巡查记录")
    return found


@router.get("/inspections/{inspection_id}", response=InspectionOut, summary="One inspection with its ticks")
def get_inspection(request: HttpRequest, inspection_id: int) -> dict[str, Any]:
    return _inspection(_find_inspection(request, inspection_id))


@router.get("/inspections/{inspection_id}/photos/{attachment_id}", summary="A photo of an inspection")
def inspection_photo(request: HttpRequest, inspection_id: int, attachment_id: int) -> HttpResponseBase:
    return photo_response(_find_inspection(request, inspection_id).photos, attachment_id)
