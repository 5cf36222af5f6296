"""``/api/v1/frontage``: 门前三包 parties and their zones, restricted to the caller's jurisdiction.

A party's contact person and phone are shown only to staff of its street and above; community staff
see them as null.
"""

import datetime as dt
from typing import Any

import shapely
import shapely.geometry
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import HttpRequest, JsonResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from cityloop.core.models import User
from cityloop.core.permissions import can, jurisdiction_paths, restrict, scope_for
from cityloop.frontage.accounts import give_party_account, reset_party_password
from cityloop.frontage.actions import create_party, update_party
from cityloop.frontage.index import zone_ids_at
from cityloop.frontage.models import Party, Zone
from cityloop.frontage.privacy import ContactPolicy

from .errors import ApiError
from .pagination import Paged

router = Router(tags=["frontage"])
ZONE_MAP_LIMIT = 5000


class DutyOut(Schema):
    code: str
    name: str


class ZoneBrief(Schema):
    code: str
    duties: list[DutyOut]
    valid_from: dt.date
    valid_to: dt.date | None
    depth_m: float | None


class PartyOut(Schema):
    uscc: str = Field(..., description="unified social credit code (统一社会信用代码)")
    name: str
    kind: str
    business_type: str
    address: str
    contact_name: str | None = Field(None, description="null unless you are staff of its street or above")
    contact_phone: str | None = Field(None, description="null unless you are staff of its street or above")
    street: str
    street_name: str
    community: str | None
    community_name: str | None
    lon: float | None
    lat: float | None
    account: str | None = Field(
        None, description="the username the party signs in with on its phone (null: none yet, or not shown)"
    )
    zones: list[ZoneBrief]


def _zone_brief(zone: Zone) -> dict[str, Any]:
    return {
        "code": zone.code,
        "duties": [{"code": d.code, "name": d.name} for d in zone.duties.all()],
        "valid_from": zone.valid_from,
        "valid_to": zone.valid_to,
        "depth_m": zone.depth_m,
    }


def _party(party: Party, policy: ContactPolicy) -> dict[str, Any]:
    shown = policy.shows(party)
    return {
        "uscc": party.uscc,
        "name": party.name,
        "kind": party.kind,
        "business_type": party.business_type,
        "address": party.address,
        "contact_name": party.contact_name if shown else None,
        "contact_phone": party.contact_phone if shown else None,
        "street": party.street.code,
        "street_name": party.street.name,
        "community": party.community.code if party.community else None,
        "community_name": party.community.name if party.community else None,
        "lon": party.lon,
        "lat": party.lat,
        "account": party.account.username if shown and party.account else None,
        "zones": [_zone_brief(z) for z in party.zones.all()],
    }


def _parties(request: HttpRequest) -> QuerySet[Party]:
    return (
        restrict(Party.objects.all(), request.user, "view")
        .select_related("street", "community", "account")
        .prefetch_related("zones__duties")
    )


class PartyFilter(Schema):
    street: str | None = Field(None, max_length=32, description="street unit code")
    community: str | None = Field(None, max_length=32, description="community unit code")
    q: str | None = Field(None, max_length=50, description="part of the name, address or code")


class _Mapped:
    def __init__(self, qs: QuerySet[Party], policy: ContactPolicy) -> None:
        self.qs, self.policy = qs, policy

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [_party(p, self.policy) for p in self.qs[item]]


@router.get("/parties", response=list[PartyOut], summary="Frontage parties (责任主体) in your jurisdiction")
@paginate(Paged)
def list_parties(request: HttpRequest, filters: Query[PartyFilter]) -> Any:
    qs = _parties(request)
    if filters.street:
        qs = qs.filter(street__code=filters.street)
    if filters.community:
        qs = qs.filter(community__code=filters.community)
    if filters.q:
        q = filters.q.strip()
        qs = qs.filter(Q(name__contains=q) | Q(address__contains=q) | Q(uscc=q.upper()))
    return _Mapped(qs.order_by("street_id", "name", "id"), ContactPolicy(request.user))


def _find(request: HttpRequest, uscc: str, action: str = "view") -> Party:
    party = restrict(Party.objects.all(), request.user, action).filter(uscc=uscc.upper()[:18]).first()
    if party is None:
        raise ApiError(404, f"你的辖区内没有统一社会信用代码为{uscc[:18]}的责任主体")
    return party


@router.get("/parties/{uscc}", response=PartyOut, summary="One party by its unified social credit code")
def get_party(request: HttpRequest, uscc: str) -> dict[str, Any]:
    party = _parties(request).get(pk=_find(request, uscc).pk)
    return _party(party, ContactPolicy(request.user))


class PartyIn(Schema):
    uscc: str = Field(..., min_length=1, max_length=18)
    name: str = Field(..., min_length=1, max_length=100)
    kind: str = Field("shop", max_length=16, description="shop, institution, compound or other")
    business_type: str = Field("", max_length=50)
    address: str = Field("", max_length=200)
    contact_name: str = Field("", max_length=50)
    contact_phone: str = Field("", max_length=32)
    street: str = Field("", max_length=32, description="street unit code (default: from the location)")
    community: str = Field("", max_length=32, description="community unit code")
    lon: float | None = Field(None, ge=-180, le=180)
    lat: float | None = Field(None, ge=-90, le=90)
    geometry: str = Field(
        "", max_length=20000, description="the zone: a WKT polygon, or a frontage line with depth"
    )
    depth: float | None = Field(None, gt=0, le=50, description="metres, with a frontage line")
    side: str = Field("left", pattern="^(left|right)$", description="street side of the frontage line")
    duties: str = Field("", max_length=200, description="duty codes, comma-separated (default: all)")


class PartyPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: str | None = Field(None, max_length=16)
    business_type: str | None = Field(None, max_length=50)
    address: str | None = Field(None, max_length=200)
    contact_name: str | None = Field(None, max_length=50)
    contact_phone: str | None = Field(None, max_length=32)
    street: str | None = Field(None, max_length=32)
    community: str | None = Field(None, max_length=32)


def _actor(request: HttpRequest) -> User:
    """The caller, who must manage parties somewhere (a street's unit manager, an administrator)."""
    user = request.user
    assert isinstance(user, User)
    if not user.is_superuser and not jurisdiction_paths(user, scope_for(Party).actions["manage"]):
        raise ApiError(403, "你没有管理责任主体的权限")
    return user


@router.post("/parties", response={201: PartyOut}, summary="Register a party (and its zone)")
def add_party(request: HttpRequest, body: PartyIn) -> Status[dict[str, Any]]:
    fields = body.dict()
    if fields["depth"] is None:
        fields.pop("depth")
    fields = {k: ("" if v is None else v) for k, v in fields.items()}
    with transaction.atomic():
        party = create_party(actor=_actor(request), **fields)
        if not can(request.user, "manage", party):
            # Rolls the party and its audit entry back: it lies outside the caller's streets.
            raise ApiError(403, "只能登记本辖区街道的责任主体")
    return Status(201, _party(_parties(request).get(pk=party.pk), ContactPolicy(request.user)))


@router.patch("/parties/{uscc}", response=PartyOut, summary="Change a party")
def change_party(request: HttpRequest, uscc: str, body: PartyPatch) -> dict[str, Any]:
    party = _find(request, uscc, "manage")
    changes = body.dict(exclude_none=True)
    if not changes:
        raise ApiError(400, "没有要修改的字段")
    with transaction.atomic():
        party = update_party(actor=_actor(request), party=party, **changes)
        if not can(request.user, "manage", party):
            raise ApiError(403, "只能把责任主体改到本辖区的街道")
    return _party(_parties(request).get(pk=party.pk), ContactPolicy(request.user))


class AccountIn(Schema):
    username: str = Field(..., min_length=1, max_length=150, description="3–150 letters, digits or _.@+-")
    display_name: str = Field("", max_length=100, description="default: the party's name")


class AccountOut(Schema):
    party: PartyOut
    username: str
    temporary_password: str = Field(
        ..., description="shown this once: hand it to the party, which chooses its own at the first sign-in"
    )


@router.post(
    "/parties/{uscc}/account",
    response={201: AccountOut},
    summary="Give a party its phone account (to sign letters, answer notices and cases)",
)
def add_account(request: HttpRequest, uscc: str, body: AccountIn) -> Status[dict[str, Any]]:
    party = _find(request, uscc, "manage")
    user, raw = give_party_account(actor=_actor(request), party=party, **body.dict())
    return Status(201, _account_out(request, party, user.username, raw))


@router.post(
    "/parties/{uscc}/account/password",
    response=AccountOut,
    summary="A new temporary password for a party's phone account (it forgot its own)",
)
def reset_account_password(request: HttpRequest, uscc: str) -> dict[str, Any]:
    party = _find(request, uscc, "manage")
    raw = reset_party_password(actor=_actor(request), party=party)
    return _account_out(request, party, party.account.username if party.account else "", raw)


def _account_out(request: HttpRequest, party: Party, username: str, raw: str) -> dict[str, Any]:
    shown = _party(_parties(request).get(pk=party.pk), ContactPolicy(request.user))
    return {"party": shown, "username": username, "temporary_password": raw}


class ZoneFilter(Schema):
    street: str | None = Field(None, max_length=32, description="street unit code")
    party: str | None = Field(None, max_length=18, description="the party's unified social credit code")
    bbox: str | None = Field(None, max_length=100, description="min_lon,min_lat,max_lon,max_lat")


def _bbox(text: str) -> tuple[float, float, float, float]:
    try:
        a, b, c, d = (float(p) for p in text.split(","))
    except ValueError:
        raise ApiError(400, "bbox应为四个数：min_lon,min_lat,max_lon,max_lat") from None
    if a > c or b > d:
        raise ApiError(400, "bbox的最小值不能大于最大值")
    return a, b, c, d


def _feature(zone: Zone) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": zone.code,
        "geometry": shapely.geometry.mapping(zone.geometry),
        "properties": {
            "code": zone.code,
            "party": zone.party.uscc,
            "party_name": zone.party.name,
            "duties": [d.name for d in zone.duties.all()],
            "valid_from": zone.valid_from.isoformat(),
            "valid_to": zone.valid_to.isoformat() if zone.valid_to else None,
        },
    }


def _zones(request: HttpRequest) -> QuerySet[Zone]:
    return (
        restrict(Zone.objects.all(), request.user, "view").select_related("party").prefetch_related("duties")
    )


@router.get("/zones", summary="Zones in your jurisdiction as a GeoJSON FeatureCollection (for the map)")
def list_zones(request: HttpRequest, filters: Query[ZoneFilter]) -> JsonResponse:
    qs = _zones(request)
    if filters.street:
        qs = qs.filter(street__code=filters.street)
    if filters.party:
        qs = qs.filter(party__uscc=filters.party.upper())
    if filters.bbox:
        a, b, c, d = _bbox(filters.bbox)
        qs = qs.filter(max_lon__gte=a, min_lon__lte=c, max_lat__gte=b, min_lat__lte=d)
    zones = list(qs.order_by("code")[: ZONE_MAP_LIMIT + 1])
    body = {
        "type": "FeatureCollection",
        "features": [_feature(z) for z in zones[:ZONE_MAP_LIMIT]],
        "truncated": len(zones) > ZONE_MAP_LIMIT,
    }
    return JsonResponse(body, content_type="application/geo+json", json_dumps_params={"ensure_ascii": False})


class ZonePointQuery(Schema):
    lon: float = Field(..., ge=-180, le=180, description="longitude, WGS84")
    lat: float = Field(..., ge=-90, le=90, description="latitude, WGS84")


class ZoneAt(Schema):
    zone: str | None = Field(None, description="the zone's code; null when no zone holds the point")
    party: str | None
    party_name: str | None
    duties: list[DutyOut]


@router.get("/zones/at", response=ZoneAt, summary="Which frontage zone (if any) holds a point")
def zone_at(request: HttpRequest, query: Query[ZonePointQuery]) -> dict[str, Any]:
    ids = zone_ids_at(query.lon, query.lat)
    zone = _zones(request).filter(pk__in=ids).order_by("pk").first() if ids else None
    if zone is None:
        return {"zone": None, "party": None, "party_name": None, "duties": []}
    return {
        "zone": zone.code,
        "party": zone.party.uscc,
        "party_name": zone.party.name,
        "duties": [{"code": d.code, "name": d.name} for d in zone.duties.all()],
    }


@router.get("/zones/{code}", summary="One zone as a GeoJSON Feature")
def get_zone(request: HttpRequest, code: str) -> JsonResponse:
    zone = _zones(request).filter(code=code[:32]).first()
    if zone is None:
        raise ApiError(404, f"你的辖区内没有编号为{code[:32]}的责任区")
    return JsonResponse(
        _feature(zone), content_type="application/geo+json", json_dumps_params={"ensure_ascii": False}
    )
