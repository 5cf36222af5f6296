"""``/api/v1/frontage``: credit (信用) scores, the red and black lists, self-discipline groups and the
analysis of where and when frontage problems recur, all restricted to the caller's jurisdiction.
Writes need a unit manager or administrator over the street (recomputing: an administrator)."""

import datetime as dt
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from cityloop.core.areas import is_city_admin
from cityloop.core.models import Role, Unit, User
from cityloop.core.permissions import can, jurisdiction_paths, restrict
from cityloop.frontage import analysis
from cityloop.frontage.credit import add_months, month_start
from cityloop.frontage.credit_actions import lift_listing, recompute_credit
from cityloop.frontage.groups import create_group, join_group, leave_group, members, set_leader
from cityloop.frontage.models import (
    CreditListing,
    CreditScore,
    Party,
    SelfCorrection,
    SelfDisciplineGroup,
)
from cityloop.frontage.peer import peer_inspect

from .errors import ApiError
from .pagination import Paged

router = Router(tags=["frontage"])
MONTH = r"^20\d{2}-(0[1-9]|1[0-2])$"  # a month of this century
OFFICERS = {Role.UNIT_MANAGER, Role.ADMIN}


def _month(text: str | None) -> dt.date:
    if not text:
        return add_months(month_start(timezone.localdate()), -1)
    return dt.date(int(text[:4]), int(text[5:7]), 1)


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class CreditFilter(Schema):
    month: str | None = Field(None, pattern=MONTH, description="YYYY-MM (default: last month)")
    street: str | None = Field(None, max_length=32, description="street unit code")
    order: Literal["asc", "desc"] = Field("asc", description="asc: lowest score first")


class CreditRow(Schema):
    party: str
    name: str
    street: str
    street_name: str
    month: str
    score: float
    parts: dict[str, list[float]]
    lists: list[str]


def _scores(request: HttpRequest) -> QuerySet[CreditScore]:
    return restrict(CreditScore.objects.all(), request.user, "view").select_related("party", "street")


def _open_lists(party_ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for party_id, kind in CreditListing.objects.filter(
        party_id__in=party_ids, until__isnull=True
    ).values_list("party_id", "kind"):
        out.setdefault(party_id, []).append(kind)
    return out


class _Rows:
    def __init__(self, qs: QuerySet[CreditScore]) -> None:
        self.qs = qs

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        rows = list(self.qs[item])
        lists = _open_lists([r.party_id for r in rows])
        return [
            {
                "party": r.party.uscc,
                "name": r.party.name,
                "street": r.street.code,
                "street_name": r.street.name,
                "month": f"{r.month:%Y-%m}",
                "score": float(r.score),
                "parts": r.parts,
                "lists": lists.get(r.party_id, []),
            }
            for r in rows
        ]


@router.get("/credit", response=list[CreditRow], summary="Credit scores of a month, ranked")
@paginate(Paged)
def credit(request: HttpRequest, filters: Query[CreditFilter]) -> Any:
    qs = _scores(request).filter(month=_month(filters.month))
    if filters.street:
        qs = qs.filter(street__code=filters.street)
    order = ("score", "party_id") if filters.order == "asc" else ("-score", "party_id")
    return _Rows(qs.order_by(*order))


class RecomputeIn(Schema):
    month: str = Field(..., pattern=MONTH, description="YYYY-MM")


@router.post(
    "/credit/recompute", response=dict[str, Any], summary="Score every party for a month (administrators)"
)
def credit_recompute(request: HttpRequest, body: RecomputeIn) -> dict[str, Any]:
    # Every party of the city is scored at once: the city's administrators only.
    if not is_city_admin(_user(request)):
        raise ApiError(403, "only a city administrator recomputes the credit of every party")
    return recompute_credit(actor=_user(request), month=_month(body.month))


class CreditHistory(Schema):
    party: str
    name: str
    scores: list[CreditRow]
    listings: list["ListingOut"]


class ListingOut(Schema):
    id: int
    party: str
    name: str
    street_name: str
    kind: str = Field(..., description="red | black")
    since: str
    until: str | None
    reason: str
    lift_reason: str


def _listing(row: CreditListing) -> dict[str, Any]:
    return {
        "id": row.pk,
        "party": row.party.uscc,
        "name": row.party.name,
        "street_name": row.street.name,
        "kind": row.kind,
        "since": f"{row.since:%Y-%m}",
        "until": f"{row.until:%Y-%m}" if row.until else None,
        "reason": row.reason,
        "lift_reason": row.lift_reason,
    }


@router.get("/credit/{uscc}", response=CreditHistory, summary="One party's credit by month and its listings")
def credit_of(request: HttpRequest, uscc: str) -> dict[str, Any]:
    party = restrict(Party.objects.all(), request.user, "view").filter(uscc=uscc.upper()[:18]).first()
    if party is None:
        raise ApiError(404, f"你的辖区内没有统一社会信用代码为{uscc[:18]}的责任主体")
    rows = _Rows(_scores(request).filter(party=party).order_by("-month"))[:24]
    listings = CreditListing.objects.filter(party=party).select_related("party", "street")
    return {
        "party": party.uscc,
        "name": party.name,
        "scores": rows,
        "listings": [_listing(r) for r in listings],
    }


class ListFilter(Schema):
    kind: Literal["red", "black"] | None = None
    current: bool = Field(True, description="only those on the list now")
    street: str | None = Field(None, max_length=32)


@router.get("/lists", response=list[ListingOut], summary="The red and black lists (and their history)")
@paginate(Paged)
def lists(request: HttpRequest, filters: Query[ListFilter]) -> Any:
    qs = restrict(CreditListing.objects.all(), request.user, "view").select_related("party", "street")
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.current:
        qs = qs.filter(until__isnull=True)
    if filters.street:
        qs = qs.filter(street__code=filters.street)
    return [_listing(r) for r in qs.order_by("-since", "-id")[:5000]]


class LiftIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


@router.post(
    "/lists/{listing_id}/lift", response=ListingOut, summary="Lift a party off a list, with the reason"
)
def lift(request: HttpRequest, listing_id: int, body: LiftIn) -> dict[str, Any]:
    row = restrict(CreditListing.objects.all(), request.user, "view").filter(pk=listing_id).first()
    if row is None:
        raise ApiError(404, "no such listing in your jurisdiction")
    if not can(request.user, "manage", row):
        raise ApiError(403, "only the street's unit manager or an administrator lifts a listing")
    lifted = lift_listing(actor=_user(request), listing=row, reason=body.reason)
    return _listing(CreditListing.objects.select_related("party", "street").get(pk=lifted.pk))


class GroupOut(Schema):
    id: int
    name: str
    street: str
    street_name: str
    leader: str | None
    members: list[dict[str, str]]


def _group(g: SelfDisciplineGroup) -> dict[str, Any]:
    return {
        "id": g.pk,
        "name": g.name,
        "street": g.street.code,
        "street_name": g.street.name,
        "leader": g.leader.uscc if g.leader else None,
        "members": [{"party": p.uscc, "name": p.name} for p in members(g)],
    }


def _groups(request: HttpRequest, action: str = "view") -> QuerySet[SelfDisciplineGroup]:
    return restrict(SelfDisciplineGroup.objects.all(), request.user, action).select_related(
        "street", "leader"
    )


@router.get("/groups", response=list[GroupOut], summary="Self-discipline groups (商户自治联盟)")
def groups(request: HttpRequest, street: str | None = Query(None, max_length=32)) -> list[dict[str, Any]]:
    qs = _groups(request)
    if street:
        qs = qs.filter(street__code=street)
    return [_group(g) for g in qs.order_by("street_id", "name")[:500]]


class GroupIn(Schema):
    street: str = Field(..., min_length=1, max_length=32, description="street unit code")
    name: str = Field(..., min_length=1, max_length=100)
    note: str = Field("", max_length=500)


@router.post("/groups", response={201: GroupOut}, summary="Create a self-discipline group in a street")
def group_create(request: HttpRequest, body: GroupIn) -> Status[dict[str, Any]]:
    street = Unit.objects.filter(code=body.street, kind="street").first()
    paths = jurisdiction_paths(_user(request), OFFICERS) if street else []
    if street is None or not any(street.path.startswith(p) for p in paths):
        raise ApiError(
            403, "you manage no street with that code", errors={"street": ["not a street you manage"]}
        )
    return Status(
        201, _group(create_group(actor=_user(request), street=street, name=body.name, note=body.note))
    )


def _managed_group(request: HttpRequest, group_id: int) -> SelfDisciplineGroup:
    group = _groups(request).filter(pk=group_id).first()
    if group is None:
        raise ApiError(404, "no such group in your jurisdiction")
    if not can(request.user, "manage", group):
        raise ApiError(403, "only the street's unit manager or an administrator changes a group")
    return group


class MemberIn(Schema):
    party: str = Field(..., min_length=18, max_length=18, description="the party's credit code")


def _party_of(request: HttpRequest, uscc: str) -> Party:
    party = restrict(Party.objects.all(), request.user, "view").filter(uscc=uscc.upper()).first()
    if party is None:
        raise ApiError(404, "no such party in your jurisdiction", errors={"party": ["unknown party"]})
    return party


@router.get("/groups/{group_id}", response=GroupOut, summary="One group with its members")
def group_get(request: HttpRequest, group_id: int) -> dict[str, Any]:
    group = _groups(request).filter(pk=group_id).first()
    if group is None:
        raise ApiError(404, "no such group in your jurisdiction")
    return _group(group)


@router.post("/groups/{group_id}/members", response=GroupOut, summary="A party joins the group")
def group_join(request: HttpRequest, group_id: int, body: MemberIn) -> dict[str, Any]:
    group = _managed_group(request, group_id)
    join_group(actor=_user(request), group=group, party=_party_of(request, body.party))
    return _group(_groups(request).get(pk=group.pk))


@router.post("/groups/{group_id}/leave", response=GroupOut, summary="A party leaves the group")
def group_leave(request: HttpRequest, group_id: int, body: MemberIn) -> dict[str, Any]:
    group = _managed_group(request, group_id)
    leave_group(actor=_user(request), group=group, party=_party_of(request, body.party))
    return _group(_groups(request).get(pk=group.pk))


@router.post("/groups/{group_id}/leader", response=GroupOut, summary="Name the group's leader (a member)")
def group_leader(request: HttpRequest, group_id: int, body: MemberIn) -> dict[str, Any]:
    group = _managed_group(request, group_id)
    set_leader(actor=_user(request), group=group, party=_party_of(request, body.party))
    return _group(_groups(request).get(pk=group.pk))


class AnalysisFilter(Schema):
    since: dt.date | None = Field(None, description="first day (default: 90 days ago)")
    until: dt.date | None = Field(None, description="last day (default: today)")
    street: str | None = Field(None, max_length=32)


class AnalysisOut(Schema):
    since: dt.date
    until: dt.date
    totals: dict[str, Any]
    hour_of_week: list[list[int]] = Field(..., description="7 × 24 counts, Monday first, local hours")
    streets: list[dict[str, Any]]
    parties: list[dict[str, Any]]
    categories: list[dict[str, Any]]


def corrections_for(
    request: HttpRequest, since: dt.date, until: dt.date, street: str | None
) -> QuerySet[SelfCorrection]:
    qs = analysis.in_period(restrict(SelfCorrection.objects.all(), request.user, "view"), since, until)
    return qs.filter(street__code=street) if street else qs


@router.get("/analysis", response=AnalysisOut, summary="Where and when frontage problems recur")
def frontage_analysis(request: HttpRequest, filters: Query[AnalysisFilter]) -> dict[str, Any]:
    until = filters.until or timezone.localdate()
    since = filters.since or until - dt.timedelta(days=90)
    if since > until or (until - since).days > 366:
        raise ApiError(400, "bad period", errors={"since": ["since ≤ until, at most a year apart"]})
    qs = corrections_for(request, since, until, filters.street)
    return {
        "since": since,
        "until": until,
        "totals": analysis.summary(qs),
        "hour_of_week": analysis.hour_of_week(qs),
        "streets": analysis.by_street(qs),
        "parties": analysis.by_party(qs),
        "categories": analysis.by_category(qs),
    }


class PeerInspectionIn(Schema):
    party: str = Field(..., min_length=18, max_length=18, description="the inspected member's credit code")
    ticks: dict[str, bool] = Field(..., description="checklist item code → passed, one per item")
    note: str = Field("", max_length=500)


class PeerInspectionOut(Schema):
    id: int
    party: str
    inspector: str
    score: int
    passed: bool
    inspected_at: dt.datetime


@router.post(
    "/groups/{group_id}/peer-inspections",
    response={201: PeerInspectionOut},
    summary="A member inspects another member (互查): the inspecting party's own account",
)
def peer_inspection(request: HttpRequest, group_id: int, body: PeerInspectionIn) -> Status[dict[str, Any]]:
    user = _user(request)
    mine = Party.objects.filter(account=user).first()
    group = SelfDisciplineGroup.objects.filter(pk=group_id).first()
    if mine is None or group is None or group.street_id != mine.street_id:
        raise ApiError(404, "no such group of yours")
    party = Party.objects.filter(uscc=body.party.upper(), street_id=group.street_id).first()
    if party is None:
        raise ApiError(404, "no such party in the group's street", errors={"party": ["unknown party"]})
    try:
        peer = peer_inspect(actor=user, group=group, party=party, ticks=body.ticks, note=body.note)
    except PermissionDenied as exc:
        raise ApiError(403, str(exc)) from None
    inspection = peer.inspection
    return Status(
        201,
        {
            "id": inspection.pk,
            "party": party.uscc,
            "inspector": mine.uscc,
            "score": inspection.score,
            "passed": inspection.passed,
            "inspected_at": inspection.inspected_at,
        },
    )
