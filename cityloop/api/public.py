"""``/api/v1/public``: the public map of the city's problems, area alerts, phone verification and the
points leaderboard. No account needed; writes are rate-limited per client address (and per phone or
address for codes). See docs/participation.md."""

import datetime as dt
from typing import Any, Literal

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from cityloop.api.bounded import LonLat
from cityloop.cases import public_map
from cityloop.cases.models import Case
from cityloop.core import ratelimits
from cityloop.core.audit import public_actor
from cityloop.core.phones import normalise_phone
from cityloop.participation import alerts, points, verification
from cityloop.participation.models import AlertSubscription

from .auth import PUBLIC_OR_AUTH
from .errors import ApiError
from .pagination import Paged

router = Router(tags=["public"])


def limit_codes(request: HttpRequest, target: str) -> None:
    """Codes sent from one client address and to one phone or address."""
    ratelimits.hit(
        request,
        "codes from one address",
        ratelimits.client_address(request),
        settings.CITYLOOP_RATELIMIT_CODES_PER_ADDRESS,
    )
    ratelimits.hit(request, "codes to one target", target, settings.CITYLOOP_RATELIMIT_CODES_PER_TARGET)


def limit_writes(request: HttpRequest) -> None:
    """Citizens' writes from one client address."""
    ratelimits.hit(
        request,
        "citizen writes from one address",
        ratelimits.client_address(request),
        settings.CITYLOOP_RATELIMIT_CITIZEN_WRITES,
    )


class MapFilter(Schema):
    bbox: str = Field(
        ..., max_length=100, description="min_lon,min_lat,max_lon,max_lat (WGS84), at most 2 degrees a side"
    )
    since: dt.date | None = Field(None, description="first day reported (default: 90 days before until)")
    until: dt.date | None = Field(None, description="last day reported (default: today)")
    category: str | None = Field(
        None, max_length=4, pattern=r"^\d{2}(\d{2})?$", description="class or subclass code"
    )
    state: Literal["reported", "in_progress", "closed"] | None = None
    area: str | None = Field(None, max_length=32, description="a district, street or community code")


def _filters(f: MapFilter) -> public_map.Filters:
    parts = f.bbox.split(",")
    try:
        box = tuple(float(p) for p in parts)
    except ValueError:
        box = ()
    if len(box) != 4 or any(b != b for b in box):
        raise ApiError(400, "bbox: four numbers min_lon,min_lat,max_lon,max_lat", field="bbox")
    return public_map.Filters(
        box=box,
        since=f.since,
        until=f.until,
        category=f.category,
        state=f.state,
        area=f.area,
    )


def _cases(f: MapFilter) -> Any:
    try:
        return public_map.cases(_filters(f))
    except public_map.FilterError as exc:
        raise ApiError(400, str(exc), field=exc.field) from None


class PublicCaseOut(Schema):
    number: str
    category: str | None
    category_name: str | None
    state: str = Field(..., description="reported, in_progress or closed")
    state_label: str
    reported_on: dt.date
    closed_on: dt.date | None
    lon: float = Field(..., description="rounded (CITYLOOP_PUBLIC_MAP_DECIMALS)")
    lat: float
    street: str | None
    community: str | None


class PublicHistoryOut(Schema):
    state: str
    state_label: str
    on: dt.date


class PublicCaseDetailOut(PublicCaseOut):
    reports: int = Field(..., description="reports of this problem (merged ones included)")
    history: list[PublicHistoryOut]
    photos: list[str] = Field(..., description="photo links, only where the reporter agreed")


class PublicPointsOut(Schema):
    points: list[list[Any]] = Field(..., description="[number, lon, lat, state, category] rows")
    truncated: bool


@router.get(
    "/cases",
    response=list[PublicCaseOut],
    auth=PUBLIC_OR_AUTH,
    summary="Public map: problems in a box, newest first",
)
@paginate(Paged)
def public_cases(request: HttpRequest, filters: Query[MapFilter]) -> Any:
    qs = _cases(filters).select_related("category", "street", "community")
    return _Summaries(qs)


class _Summaries:
    """A sliceable view that turns the page's cases (only) into public rows."""

    def __init__(self, qs: Any) -> None:
        self.qs = qs

    def __getitem__(self, key: slice) -> list[dict[str, Any]]:
        return [public_map.summary(c) for c in self.qs[key]]

    def count(self) -> int:
        return self.qs.values("pk")[:10_000].count()

    def __len__(self) -> int:
        return self.count()


@router.get("/points", response=PublicPointsOut, auth=PUBLIC_OR_AUTH, summary="Public map: markers in a box")
def public_points(request: HttpRequest, filters: Query[MapFilter]) -> dict[str, Any]:
    try:
        rows, truncated = public_map.points(_filters(filters))
    except public_map.FilterError as exc:
        raise ApiError(400, str(exc), field=exc.field) from None
    return {"points": rows, "truncated": truncated}


def photo_url(case: Case, attachment: Any) -> str:
    return reverse("web:public_map_photo", args=[case.number, attachment.pk])


@router.get(
    "/cases/{number}", response=PublicCaseDetailOut, auth=PUBLIC_OR_AUTH, summary="Public map: one problem"
)
def public_case(request: HttpRequest, number: str) -> dict[str, Any]:
    if len(number) > 32:
        raise ApiError(404, "no public case with this number")
    case = public_map.find(number)
    if case is None:
        raise ApiError(404, f"no public case {number}")
    return public_map.detail(case, photo_url)


class LeaderOut(Schema):
    rank: int
    name: str = Field(..., description="masked")
    points: int


class LeaderboardOut(Schema):
    enabled: bool
    rows: list[LeaderOut]


@router.get(
    "/leaderboard",
    response=LeaderboardOut,
    auth=PUBLIC_OR_AUTH,
    summary="Points leaderboard (when the city shows it)",
)
def leaderboard(request: HttpRequest) -> dict[str, Any]:
    rows = points.leaderboard()
    return {"enabled": rows is not None, "rows": rows or []}


class PhoneIn(Schema):
    phone: str = Field(..., min_length=11, max_length=20, description="a mainland mobile number")


class CodeSentOut(Schema):
    sent: bool
    expires_in: int = Field(..., description="seconds")


def _mobile(raw: str) -> str:
    phone = normalise_phone(raw)
    if phone is None or not phone.startswith("1"):
        raise ApiError(400, "phone: a mainland mobile number of 11 digits", field="phone")
    return phone


@router.post(
    "/verify", response={202: CodeSentOut}, auth=PUBLIC_OR_AUTH, summary="Send a code to a mobile number"
)
def send_phone_code(request: HttpRequest, body: PhoneIn) -> Status[dict[str, Any]]:
    phone = _mobile(body.phone)
    limit_codes(request, phone)
    verification.send_code(actor=public_actor(), purpose="phone", target=phone, address=f"sms:{phone}")
    return Status(202, {"sent": True, "expires_in": verification.CODE_MINUTES * 60})


class PhoneCodeIn(PhoneIn):
    code: str = Field(..., min_length=6, max_length=6, pattern=r"^\d{6}$")


class CitizenTokenOut(Schema):
    token: str = Field(..., description="send it as X-Citizen-Token; valid 30 days")
    phone: str = Field(..., description="masked")
    points: int


@router.post(
    "/verify/confirm",
    response=CitizenTokenOut,
    auth=PUBLIC_OR_AUTH,
    summary="Prove a mobile number with its code",
)
def confirm_phone(request: HttpRequest, body: PhoneCodeIn) -> dict[str, Any]:
    phone = _mobile(body.phone)
    ratelimits.ensure_below(
        request,
        "wrong codes from one address",
        ratelimits.client_address(request),
        settings.CITYLOOP_RATELIMIT_PROOF_FAILURES,
    )
    if not verification.check_code(actor=public_actor(), purpose="phone", target=phone, code=body.code):
        ratelimits.hit(
            request,
            "wrong codes from one address",
            ratelimits.client_address(request),
            settings.CITYLOOP_RATELIMIT_PROOF_FAILURES,
        )
        raise ApiError(400, "code: wrong or expired code; ask for a new one", field="code")
    citizen = verification.verified_citizen(phone)
    return {
        "token": verification.citizen_token(citizen),
        "phone": citizen.masked_phone,
        "points": citizen.points,
    }


class AlertIn(Schema):
    channel: Literal["email", "wechat", "sms"]
    address: str = Field(..., min_length=3, max_length=200, description="email, WeChat openid or mobile")
    polygon: list[LonLat] | None = Field(
        None, max_length=alerts.MAX_POINTS, description="[[lon, lat], …] WGS84, the drawn area"
    )
    center: list[float] | None = Field(None, min_length=2, max_length=2, description="[lon, lat] of a circle")
    radius_m: int | None = Field(None, ge=50, le=100_000)


class AlertOut(Schema):
    token: str = Field(..., description="confirms with the code, and unsubscribes")
    channel: str
    area_km2: float
    confirmed: bool
    cancelled: bool


def _alert_out(sub: AlertSubscription) -> dict[str, Any]:
    return {
        "token": sub.token,
        "channel": sub.channel,
        "area_km2": sub.area_km2,
        "confirmed": sub.confirmed_at is not None,
        "cancelled": sub.cancelled_at is not None,
    }


@router.post(
    "/alerts",
    response={201: AlertOut},
    auth=PUBLIC_OR_AUTH,
    summary="Subscribe to alerts for an area (a code is sent)",
)
def subscribe(request: HttpRequest, body: AlertIn) -> Status[dict[str, Any]]:
    limit_writes(request)
    limit_codes(request, f"{body.channel}:{body.address.strip().lower()}")
    sub = alerts.subscribe(
        actor=public_actor(),
        channel=body.channel,
        address=body.address,
        polygon=body.polygon,
        center=body.center,
        radius_m=body.radius_m,
    )
    return Status(201, _alert_out(sub))


class AlertTokenIn(Schema):
    token: str = Field(..., min_length=10, max_length=64)


class AlertConfirmIn(AlertTokenIn):
    code: str = Field(..., min_length=6, max_length=6, pattern=r"^\d{6}$")


def _subscription(token: str) -> AlertSubscription:
    sub = AlertSubscription.objects.filter(token=token).first()
    if sub is None:
        raise ApiError(404, "no alert with this token")
    return sub


@router.post(
    "/alerts/confirm",
    response=AlertOut,
    auth=PUBLIC_OR_AUTH,
    summary="Confirm an area alert with the code sent",
)
def confirm_alert(request: HttpRequest, body: AlertConfirmIn) -> dict[str, Any]:
    sub = _subscription(body.token)
    actor = public_actor()
    if not verification.check_code(actor=actor, purpose="alert", target=f"alert:{sub.pk}", code=body.code):
        raise ApiError(400, "code: wrong or expired code", field="code")
    with transaction.atomic():
        alerts.confirm(actor=actor, subscription=sub)
    sub.refresh_from_db()
    return _alert_out(sub)


@router.post("/alerts/cancel", response=AlertOut, auth=PUBLIC_OR_AUTH, summary="Unsubscribe an area alert")
def cancel_alert(request: HttpRequest, body: AlertTokenIn) -> dict[str, Any]:
    sub = _subscription(body.token)
    alerts.cancel(actor=public_actor(), subscription=sub)
    sub.refresh_from_db()
    return _alert_out(sub)
