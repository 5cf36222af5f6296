"""Area alerts: a citizen draws an area on the public map (a polygon, or a circle) and is told, in
batches, of problems reported and closed inside it.

Subscribing sends a code to the address; nothing else is sent until the code comes back. Every
message carries the unsubscribe link with the subscription's token. The cases' side arrives through
:mod:`receivers` (on commit); the worker's sweep (:func:`send_batches`) sends what gathered, at most
one message per subscription each ``CITYLOOP_ALERT_BATCH_MINUTES``.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Sequence
from typing import Any

import shapely
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from pyproj import Geod

from cityloop.core.audit import domain_action, record
from cityloop.core.models import User
from cityloop.core.phones import normalise_phone

from . import messaging, verification
from .models import AlertEvent, AlertSubscription

GEOD = Geod(ellps="WGS84")
OPENID = re.compile(r"^[A-Za-z0-9_-]{10,64}$")
MAX_POINTS = 200
MAX_EVENTS_PER_MESSAGE = 20


def check_address(channel: str, address: str) -> str:
    """The address in one form for its channel, or a field error naming what is wrong."""
    if channel not in messaging.offered_channels():
        raise ValidationError({"channel": f"可选的渠道：{'、'.join(messaging.offered_channels())}"})
    address = address.strip()
    if channel == "email":
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError({"address": "请填写有效的电子邮箱"}) from None
        return address.lower()
    if channel == "sms":
        phone = normalise_phone(address)
        if phone is None or not phone.startswith("1"):
            raise ValidationError({"address": "请填写11位手机号码"})
        return phone
    if not OPENID.match(address):
        raise ValidationError({"address": "微信标识应为10–64位字母、数字、下划线或短横线"})
    return address


def _check_point(lon: float, lat: float, field: str) -> None:
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationError({field: "经纬度超出范围"})


def area_geometry(
    polygon: Sequence[Sequence[float]] | None, center: Sequence[float] | None, radius_m: int | None
) -> shapely.Polygon:
    """The area as a WGS84 polygon: the drawn ring, or the circle around ``center``; limited in size
    (``CITYLOOP_ALERT_MAX_AREA_KM2``, ``CITYLOOP_ALERT_MAX_RADIUS_M``)."""
    if polygon:
        if not 3 <= len(polygon) <= MAX_POINTS:
            raise ValidationError({"polygon": f"区域应有3到{MAX_POINTS}个顶点"})
        for point in polygon:
            if len(point) != 2:
                raise ValidationError({"polygon": "每个顶点是[经度, 纬度]"})
            _check_point(point[0], point[1], "polygon")
        area = shapely.Polygon([(float(x), float(y)) for x, y in polygon])
        if not area.is_valid or area.area == 0:
            raise ValidationError({"polygon": "区域的边不能相交，也不能没有面积"})
        return area
    if center is None or radius_m is None:
        raise ValidationError({"polygon": "请画一个区域，或给出圆心和半径"})
    if len(center) != 2:
        raise ValidationError({"center": "圆心是[经度, 纬度]"})
    _check_point(center[0], center[1], "center")
    limit = int(settings.CITYLOOP_ALERT_MAX_RADIUS_M)
    if not 50 <= radius_m <= limit:
        raise ValidationError({"radius_m": f"半径应在50到{limit}米之间"})
    n = 36
    lons, lats, _ = GEOD.fwd(
        [center[0]] * n, [center[1]] * n, [i * 360 / n for i in range(n)], [radius_m] * n
    )
    return shapely.Polygon(list(zip(lons, lats, strict=True)))


def area_km2(area: shapely.Polygon) -> float:
    return abs(GEOD.geometry_area_perimeter(area)[0]) / 1e6


@domain_action
def subscribe(
    *,
    actor: User,
    channel: str,
    address: str,
    polygon: Sequence[Sequence[float]] | None = None,
    center: Sequence[float] | None = None,
    radius_m: int | None = None,
    now: dt.datetime | None = None,
) -> AlertSubscription:
    """Ask for alerts for an area; a code goes to the address to confirm it (:func:`confirm`)."""
    now = now or timezone.now()
    address = check_address(channel, address)
    area = area_geometry(polygon, center, radius_m)
    size = area_km2(area)
    limit = float(settings.CITYLOOP_ALERT_MAX_AREA_KM2)
    if size > limit:
        raise ValidationError({"polygon": f"区域{size:.1f}平方公里，最大{limit:g}平方公里"})
    min_lon, min_lat, max_lon, max_lat = area.bounds
    sub = AlertSubscription.objects.create(
        channel=channel,
        address=address,
        geom_wkb=shapely.to_wkb(area),
        radius_m=radius_m if not polygon else None,
        min_lon=min_lon,
        min_lat=min_lat,
        max_lon=max_lon,
        max_lat=max_lat,
        area_km2=round(size, 4),
        token=secrets.token_urlsafe(24),
        created_at=now,
    )
    verification.send_code(
        actor=actor, purpose="alert", target=f"alert:{sub.pk}", address=f"{channel}:{address}", now=now
    )
    record(
        actor,
        "participation.alert.subscribe",
        sub,
        after={"channel": channel, "address": verification.mask(address), "area_km2": sub.area_km2},
    )
    return sub


@domain_action
def confirm(*, actor: User, subscription: AlertSubscription, now: dt.datetime | None = None) -> None:
    """Start sending: the code sent to the address came back (checked by :func:`verification.check_code`)."""
    if subscription.cancelled_at is not None:
        raise ValidationError({"token": "该订阅已退订"})
    if subscription.confirmed_at is None:
        subscription.confirmed_at = now or timezone.now()
        subscription.save(update_fields=["confirmed_at"])
        record(actor, "participation.alert.confirm", subscription, after={"confirmed": True})


@domain_action
def cancel(*, actor: User, subscription: AlertSubscription, now: dt.datetime | None = None) -> None:
    """End a subscription (the link in every message); pending events are dropped."""
    if subscription.cancelled_at is None:
        subscription.cancelled_at = now or timezone.now()
        subscription.save(update_fields=["cancelled_at"])
        subscription.events.filter(sent_at__isnull=True).delete()
        record(actor, "participation.alert.cancel", subscription, after={"cancelled": True})


def note_case(fact: dict[str, Any], kind: str) -> int:
    """Keep a case reported (``new``) or closed in every live subscription whose area holds it;
    returns how many. The bounding boxes narrow in SQL (indexed), the polygons decide."""
    lon, lat = fact["lon"], fact["lat"]
    candidates = AlertSubscription.objects.filter(
        min_lon__lte=lon,
        max_lon__gte=lon,
        min_lat__lte=lat,
        max_lat__gte=lat,
        confirmed_at__isnull=False,
        cancelled_at__isnull=True,
    ).only("pk", "geom_wkb")
    point = shapely.Point(lon, lat)
    events = [
        AlertEvent(
            subscription_id=sub.pk,
            kind=kind,
            case_id=fact["id"],
            case_number=fact["number"],
            category=fact.get("category") or "",
            at=fact["at"],
        )
        for sub in candidates
        if sub.geometry.covers(point)
    ]
    AlertEvent.objects.bulk_create(events, ignore_conflicts=True)
    return len(events)


def _message(sub: AlertSubscription, events: list[AlertEvent]) -> tuple[str, str]:
    base = settings.CITYLOOP_PUBLIC_URL.rstrip("/")
    lines = []
    for e in events[:MAX_EVENTS_PER_MESSAGE]:
        what = "新问题" if e.kind == "new" else "已结案"
        when = timezone.localtime(e.at).strftime("%m-%d %H:%M")
        lines.append(f"{when} {what} {e.category} {base}/public/map/cases/{e.case_number}/")
    if len(events) > MAX_EVENTS_PER_MESSAGE:
        lines.append(f"……另有{len(events) - MAX_EVENTS_PER_MESSAGE}条，请在公众地图上查看")
    lines.append(f"退订：{base}/public/alerts/{sub.token}/cancel/")
    return f"您关注的区域有{len(events)}条新动态", "\n".join(lines)


def send_batches(now: dt.datetime) -> dict[str, int]:
    """The worker's sweep: one message per subscription with events waiting and no message sent in
    the last ``CITYLOOP_ALERT_BATCH_MINUTES``; its events are then marked sent."""
    quiet = now - dt.timedelta(minutes=float(settings.CITYLOOP_ALERT_BATCH_MINUTES))
    due = (
        AlertEvent.objects.filter(sent_at__isnull=True, subscription__cancelled_at__isnull=True)
        .exclude(subscription__last_sent_at__gt=quiet)
        .values_list("subscription_id", flat=True)
        .distinct()
    )
    sent = 0
    for sub_id in list(due[:500]):
        with transaction.atomic():
            sub = AlertSubscription.objects.select_for_update().get(pk=sub_id)
            events = list(sub.events.filter(sent_at__isnull=True).order_by("at", "id"))
            if not events:
                continue
            title, body = _message(sub, events)
            messaging.send_to(
                f"{sub.channel}:{sub.address}",
                kind="alert",
                title=title,
                body=body,
                dedupe_key=f"participation.alert:{sub.pk}:{events[-1].pk}",
            )
            AlertEvent.objects.filter(pk__in=[e.pk for e in events]).update(sent_at=now)
            sub.last_sent_at = now
            sub.save(update_fields=["last_sent_at"])
            sent += 1
    return {"messages": sent}
