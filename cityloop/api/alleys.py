"""``/api/v1/alleys``: back-alley segments (背街小巷) with their fixed point, post, person and duties,
the daily patrol check-ins, the district's inspection findings and the street's fixes, and the
workload-weighted scores per street."""

import datetime as dt
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from cityloop.api.bounded import decimal_number
from cityloop.community import alleys as alley_actions
from cityloop.community.models import AlleyCheckIn, AlleyInspection, AlleySegment
from cityloop.core.models import Unit, UnitKind, User
from cityloop.core.permissions import jurisdiction_paths, restrict

from .errors import ApiError
from .pagination import Paged

router = Router(tags=["alleys"])


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class AlleySegmentOut(Schema):
    code: str
    name: str
    street: str
    street_name: str
    length_m: float
    lon: float
    lat: float
    fixed_point: str
    post: str
    duties: str
    responsible: str
    checked_in_today: bool


def _segment(s: AlleySegment, today: dt.date) -> dict[str, Any]:
    return {
        "code": s.code,
        "name": s.name,
        "street": s.street.code,
        "street_name": s.street.name,
        "length_m": s.length_m,
        "lon": s.lon,
        "lat": s.lat,
        "fixed_point": s.fixed_point,
        "post": s.post,
        "duties": s.duties,
        "responsible": str(s.responsible),
        "checked_in_today": any(c.day == today for c in s.checkins.all()),
    }


def _segments(request: HttpRequest) -> Any:
    """The segments the caller may see: their jurisdiction's, and the ones they answer for."""
    user = _user(request)
    visible = restrict(AlleySegment.objects.all(), user, "view")
    own = AlleySegment.objects.filter(responsible=user)
    return (visible | own).select_related("street", "responsible")


class AlleySegmentFilter(Schema):
    street: str | None = Field(None, max_length=32, description="street unit code")
    missed: bool = Field(False, description="only those nobody checked in on today")


@router.get("/segments", response=list[AlleySegmentOut], summary="Alley segments you see or answer for")
@paginate(Paged)
def list_segments(request: HttpRequest, filters: Query[AlleySegmentFilter]) -> list[dict[str, Any]]:
    today = timezone.localdate()
    qs = _segments(request)
    if filters.street:
        qs = qs.filter(street__code=filters.street)
    if filters.missed:
        qs = alley_actions.missed_checkins(qs, today)
    qs = qs.prefetch_related(Prefetch("checkins", queryset=AlleyCheckIn.objects.filter(day=today)))
    return [_segment(s, today) for s in qs.order_by("street_id", "code")[:2000]]


class AlleySegmentIn(Schema):
    code: str = Field(..., min_length=1, max_length=32, description="the segment's code (again: changed)")
    name: str = Field(..., min_length=1, max_length=100)
    street: str = Field(..., min_length=1, max_length=32, description="street unit code")
    community: str = Field("", max_length=32, description="community unit code (optional)")
    geometry: str = Field(..., min_length=1, max_length=20000, description="WKT LINESTRING in WGS84")
    responsible: str = Field(..., min_length=1, max_length=150, description="the responsible person's login")
    post: str = Field(..., min_length=1, max_length=50, description="the post (岗), e.g. 巷长")
    duties: str = Field(..., min_length=1, max_length=300)
    fixed_point: str = Field("", max_length=100, description="the fixed point (点), e.g. 巷口")


@router.post(
    "/segments",
    response={200: AlleySegmentOut, 201: AlleySegmentOut},
    summary="Register an alley segment (定点定岗定人定责); its code again changes it",
)
def register(request: HttpRequest, body: AlleySegmentIn) -> Status[dict[str, Any]]:
    user = _user(request)
    streets = visible_streets(user)
    street = streets.filter(code=body.street).first()
    if street is None:
        raise ApiError(404, f"你的辖区内没有编码为{body.street}的街道", field="street")
    community = None
    if body.community:
        community = Unit.objects.filter(code=body.community, kind=UnitKind.COMMUNITY, parent=street).first()
        if community is None:
            raise ApiError(400, f"街道{street.name}下没有编码为{body.community}的社区", field="community")
    responsible = User.objects.filter(username=body.responsible, is_active=True).first()
    if responsible is None:
        raise ApiError(400, f"没有登录名为{body.responsible}的在用账号", field="responsible")
    known = AlleySegment.objects.filter(code=body.code.strip()).exists()
    segment = alley_actions.register_segment(
        actor=user,
        street=street,
        community=community,
        responsible=responsible,
        **body.dict(include={"code", "name", "geometry", "post", "duties", "fixed_point"}),
    )
    segment = AlleySegment.objects.select_related("street", "responsible").get(pk=segment.pk)
    return Status(200 if known else 201, _segment(segment, timezone.localdate()))


def _find(request: HttpRequest, code: str) -> AlleySegment:
    segment = _segments(request).filter(code=code[:32]).first()
    if segment is None:
        raise ApiError(404, f"找不到编码为{code[:32]}的小巷")
    return segment


class AlleyCheckInIn(Schema):
    lon: float = Field(..., ge=-180, le=180)
    lat: float = Field(..., ge=-90, le=90)
    findings: str = Field("", max_length=300)


class AlleyCheckInOut(Schema):
    id: int
    segment: str
    at: dt.datetime
    day: dt.date
    distance_m: float
    findings: str
    has_photo: bool


def _checkin(c: AlleyCheckIn) -> dict[str, Any]:
    return {
        "id": c.pk,
        "segment": c.segment.code,
        "at": c.at,
        "day": c.day,
        "distance_m": c.distance_m,
        "findings": c.findings,
        "has_photo": bool(c.photo),
    }


@router.post("/segments/{code}/checkins", response={201: AlleyCheckInOut}, summary="Today's patrol check-in")
def check_in(request: HttpRequest, code: str, body: AlleyCheckInIn) -> Status[dict[str, Any]]:
    segment = _find(request, code)
    row = alley_actions.check_in(
        actor=_user(request), segment=segment, lon=body.lon, lat=body.lat, findings=body.findings
    )
    return Status(201, _checkin(row))


class AlleyCheckInFilter(Schema):
    segment: str | None = Field(None, max_length=32)
    day: dt.date | None = None


@router.get("/checkins", response=list[AlleyCheckInOut], summary="Patrol check-ins")
@paginate(Paged)
def list_checkins(request: HttpRequest, filters: Query[AlleyCheckInFilter]) -> Any:
    qs = AlleyCheckIn.objects.filter(segment__in=_segments(request).values("pk")).select_related("segment")
    if filters.segment:
        qs = qs.filter(segment__code=filters.segment)
    if filters.day:
        qs = qs.filter(day=filters.day)
    return [_checkin(c) for c in qs.order_by("-at")[:2000]]


class AlleyInspectionIn(Schema):
    finding: str = Field(..., min_length=1, max_length=300)
    points: decimal_number(ge=0, le=100, places=1)  # type: ignore[valid-type]
    fix_days: int = Field(3, ge=1, le=30)


class AlleyInspectionOut(Schema):
    id: int
    segment: str
    street: str
    inspected_on: dt.date
    finding: str
    points: float
    fix_by: dt.date
    fixed_at: dt.datetime | None
    fix_note: str
    overdue: bool


def _inspection(i: AlleyInspection) -> dict[str, Any]:
    return {
        "id": i.pk,
        "segment": i.segment.code,
        "street": i.street.code,
        "inspected_on": i.inspected_on,
        "finding": i.finding,
        "points": float(i.points),
        "fix_by": i.fix_by,
        "fixed_at": i.fixed_at,
        "fix_note": i.fix_note,
        "overdue": i.fixed_at is None and i.fix_by < timezone.localdate(),
    }


@router.post(
    "/segments/{code}/inspections",
    response={201: AlleyInspectionOut},
    summary="The district's finding (区查)",
)
def inspect(request: HttpRequest, code: str, body: AlleyInspectionIn) -> Status[dict[str, Any]]:
    segment = _find(request, code)
    row = alley_actions.inspect_segment(
        actor=_user(request),
        segment=segment,
        finding=body.finding,
        points=body.points,
        fix_days=body.fix_days,
    )
    return Status(
        201, _inspection(AlleyInspection.objects.select_related("segment", "street").get(pk=row.pk))
    )


class AlleyInspectionFilter(Schema):
    street: str | None = Field(None, max_length=32)
    open: bool = Field(False, description="only findings not yet fixed")


@router.get("/inspections", response=list[AlleyInspectionOut], summary="Inspection findings")
@paginate(Paged)
def list_inspections(request: HttpRequest, filters: Query[AlleyInspectionFilter]) -> Any:
    qs = AlleyInspection.objects.filter(segment__in=_segments(request).values("pk")).select_related(
        "segment", "street"
    )
    if filters.street:
        qs = qs.filter(street__code=filters.street)
    if filters.open:
        qs = qs.filter(fixed_at__isnull=True)
    return [_inspection(i) for i in qs.order_by("-inspected_on", "-id")[:2000]]


class AlleyFixIn(Schema):
    note: str = Field(..., min_length=1, max_length=300)


@router.post(
    "/inspections/{inspection_id}/fix", response=AlleyInspectionOut, summary="The street's fix (街改)"
)
def fix(request: HttpRequest, inspection_id: int, body: AlleyFixIn) -> dict[str, Any]:
    row = (
        AlleyInspection.objects.filter(pk=inspection_id, segment__in=_segments(request).values("pk"))
        .select_related("segment", "street")
        .first()
    )
    if row is None:
        raise ApiError(404, f"没有编号为{inspection_id}的检查问题")
    alley_actions.fix_finding(actor=_user(request), inspection=row, note=body.note)
    return _inspection(AlleyInspection.objects.select_related("segment", "street").get(pk=row.pk))


class AlleyScoreOut(Schema):
    street: str
    segments: int
    km: float
    findings: int
    fixed_in_time: int
    unfixed: int
    points: float
    workload: float
    per_workload: float


class AlleyScoreFilter(Schema):
    month: str = Field(..., pattern=r"^20\d\d-(0[1-9]|1[0-2])$", description="YYYY-MM")


def visible_streets(user: User) -> Any:
    paths = jurisdiction_paths(user)
    if user.is_superuser:
        return Unit.objects.filter(kind=UnitKind.STREET)
    return restrict(Unit.objects.filter(kind=UnitKind.STREET), user, "view") if paths else Unit.objects.none()


@router.get("/scores", response=list[AlleyScoreOut], summary="Findings per street, weighted by workload")
def scores(request: HttpRequest, filters: Query[AlleyScoreFilter]) -> list[dict[str, Any]]:
    year, month = (int(p) for p in filters.month.split("-"))
    start = dt.date(year, month, 1)
    end = dt.date(year + month // 12, month % 12 + 1, 1)
    rows = alley_actions.street_scores(visible_streets(_user(request)), start, end)
    return [{**r.__dict__, "street": r.street_name} for r in rows]
