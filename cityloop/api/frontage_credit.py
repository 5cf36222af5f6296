"""``/api/v1/frontage``: credit (信用) scores and the red and black lists, restricted to the caller's
jurisdiction. Writes need a unit manager or administrator over the street (recomputing: an
administrator). Self-discipline groups, peer inspections and the analysis are in
:mod:`.frontage_groups`."""

import datetime as dt
from typing import Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from cityloop.core.areas import is_city_admin
from cityloop.core.models import Role, User
from cityloop.core.permissions import can, restrict
from cityloop.frontage.credit import add_months, month_start
from cityloop.frontage.credit_actions import lift_listing, recompute_credit
from cityloop.frontage.models import CreditListing, CreditScore, Party

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
