"""Reporting a case: ``submit_report`` turns a report from any channel into a case — the channel,
point and input checked before the transaction, the case, its number and first step written in it —
and recognises a retry by its idempotency key or its channel's ticket id. Re-exported by
:mod:`cityloop.cases.actions`, where the later moves of a case are."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any

import h3
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from cityloop.core.audit import PUBLIC_USERNAME, domain_action
from cityloop.core.models import Unit, User
from cityloop.core.units import units_by_id
from cityloop.geo import crs as crslib
from cityloop.geo.crs import Original
from cityloop.geo.index import locate

from . import effects
from .channels import active_channel
from .engine import Context, TransitionError, acting_membership, apply
from .models import AppealNature, Case, CaseEvent, Channel, IdempotencyKey
from .numbering import new_tracking_code, next_case_number, number_ahead
from .workflow import TRANSITIONS

# Asked on every report; the enum builds its list (with labels) afresh on each ``.values``.
APPEAL_NATURES = frozenset(AppealNature.values)

H3_RESOLUTION = 11


def _channel(code: str) -> Channel:
    """The active channel with this code (cached briefly: every report asks)."""
    found = active_channel(code)
    if found is None:
        known = ", ".join(Channel.objects.filter(active=True).values_list("code", flat=True))
        raise ValidationError({"channel": f"unknown channel {code!r}; use one of {known}"})
    return found


def _validate_point(lon: Any, lat: Any, crs: str | None = None) -> tuple[float, float, Original | None]:
    """The WGS84 point to store and, for another system, the point as given."""
    try:
        name = crslib.normalize(crs)
    except crslib.CoordinateError as exc:
        raise ValidationError({"crs": str(exc)}) from None
    try:
        lon_f, lat_f = float(lon), float(lat)
    except (TypeError, ValueError):
        raise ValidationError({"location": f"give lon and lat as numbers ({name})"}) from None
    if name == crslib.WGS84:
        if not (-180 <= lon_f <= 180 and -90 <= lat_f <= 90):
            raise ValidationError({"location": f"({lon_f}, {lat_f}) is not a WGS84 lon/lat"})
        return lon_f, lat_f, None
    try:
        wgs_lon, wgs_lat = crslib.to_wgs84(lon_f, lat_f, name)
    except crslib.CoordinateError as exc:
        raise ValidationError({"location": str(exc)}) from None
    return wgs_lon, wgs_lat, Original(name, lon_f, lat_f)


@dataclass
class _Prepared:
    """A report checked and shaped before its transaction: only writes happen inside it, so the
    database's write lock (SQLite has one) is held as briefly as possible."""

    ctx: Context
    district: Unit
    number: str = ""  # taken before the transaction where that helps (see numbering.number_ahead)


def _prepare_report(
    *,
    actor: User,
    channel: str,
    description: str,
    lon: float,
    lat: float,
    crs: str | None,
    address: str,
    appeal_nature: int,
    reporter_name: str,
    reporter_phone: str,
    category: str | None,
    kind: str | None,
    component: str | None,
    attachments: list[int],
    external_id: str,
    self_handled: bool,
    at: dt.datetime,
) -> _Prepared:
    source = _channel(channel)
    lon, lat, original = _validate_point(lon, lat, crs)
    if not description.strip():
        raise ValidationError({"description": "describe the problem"})
    if appeal_nature not in APPEAL_NATURES:
        raise ValidationError({"appeal_nature": f"use one of {AppealNature.values}"})
    location = locate(lon, lat, at)
    if location is None:
        raise ValidationError({"location": f"({lon}, {lat}) lies outside every unit grid of the city"})
    wanted = {location.community_id, location.street_id, location.district_id} - {None}
    units = units_by_id(wanted)
    district = units.get(location.district_id or 0)
    if district is None:
        raise ValidationError({"location": "the grid here belongs to no district; check the org tree"})
    case = Case(
        channel=source,
        appeal_nature=appeal_nature,
        external_id=external_id,
        reporter=None if source.is_public or actor.username == PUBLIC_USERNAME else actor,
        reporter_name=reporter_name.strip()[:50],
        reporter_phone=reporter_phone.strip()[:32],
        description=description.strip(),
        address=address.strip()[:200],
        lon=lon,
        lat=lat,
        original_crs=original.crs if original else "",
        original_x=original.x if original else None,
        original_y=original.y if original else None,
        h3=h3.latlng_to_cell(lat, lon, H3_RESOLUTION),
        grid_id=location.grid_id,
        community=units.get(location.community_id),
        street=units.get(location.street_id or 0),
        district=district,
        state="new",
        needs_return_visit=source.needs_return_visit,
        reported_at=at,
    )
    transition = TRANSITIONS["self_report" if self_handled else "report"]
    if actor.username == PUBLIC_USERNAME:
        if not source.accepts_anonymous or self_handled:
            open_channels = ", ".join(
                Channel.objects.filter(accepts_anonymous=True).values_list("code", flat=True)
            )
            raise ValidationError({"channel": f"without an account, report through {open_channels}"})
        membership = None
    else:
        found = acting_membership(actor, case, transition)
        if found is False:
            raise TransitionError(
                403,
                f"you may not {transition.label_en} ({transition.label}) here: "
                "this place is outside your area",
            )
        membership = found if found is not True else None
    if self_handled and len(attachments) < 2:
        raise ValidationError({"attachments": "a self-handled report needs a before and an after photo"})
    payload: dict[str, Any] = {"attachments": attachments, "attachment_purpose": "report"}
    ctx = Context(case, transition, actor, membership, at, payload, note=description.strip()[:500])
    if category:
        ctx.payload.update(category=category, kind=kind, component=component)
        effects.set_category(ctx)
    ctx.data["channel"] = source.code
    return _Prepared(ctx, district)


@domain_action
def _create_report(
    *, actor: User, prepared: _Prepared, idempotency_key: str | None, fingerprint: str = ""
) -> Case:
    """Write a prepared report: its number (unless taken ahead), the case, the report event and the
    accept clock."""
    ctx = prepared.ctx
    case = ctx.case
    case.number = prepared.number or next_case_number(prepared.district, timezone.localdate(ctx.at))
    case.tracking_code = new_tracking_code()
    apply(ctx, None)  # inserts the case, with its first step
    if idempotency_key:
        IdempotencyKey.objects.create(key=idempotency_key, case=case, fingerprint=fingerprint)
    return case


def _fingerprint(**said: Any) -> str:
    """What a report says, as a digest: a retry says the same. (Its photos are not passed: a form
    sent again uploads its photos again, as new attachments.)"""
    return hashlib.sha256(json.dumps(said, sort_keys=True, default=str).encode()).hexdigest()


def submit_report(
    *,
    actor: User,
    channel: str,
    description: str,
    lon: float,
    lat: float,
    crs: str | None = None,
    address: str = "",
    appeal_nature: int = AppealNature.REQUEST,
    reporter_name: str = "",
    reporter_phone: str = "",
    category: str | None = None,
    kind: str | None = None,
    component: str | None = None,
    attachments: list[int] | None = None,
    external_id: str = "",
    idempotency_key: str | None = None,
    self_handled: bool = False,
    photos_public: bool = False,
    at: dt.datetime | None = None,
) -> tuple[Case, bool]:
    """Turn a report from any channel into a case. Returns ``(case, created)``: a retried submission
    with the same idempotency key, or the same channel's external ticket id, returns the first case.

    ``lon``/``lat`` are in ``crs`` (WGS84 by default; also cgcs2000, gcj02, bd09 or a CGCS2000
    Gauss–Krüger zone EPSG:4513–4554, with x = easting and y = northing): the case stores the WGS84
    point and keeps the given one as its original."""
    if idempotency_key and len(idempotency_key) > 128:
        raise ValidationError({"idempotency_key": "the Idempotency-Key has at most 128 characters"})
    key = f"{actor.pk}:{idempotency_key}" if idempotency_key else None
    if idempotency_key and key and len(key) > 128:
        # The caller's id makes a long key longer than its column: keep a digest of it instead.
        key = f"{actor.pk}:sha256:{hashlib.sha256(idempotency_key.encode()).hexdigest()}"
    fingerprint = ""
    if key:
        # A WGS84 report's fingerprint stays what it was before reports had a system.
        system = {} if (crs or "wgs84").lower() == "wgs84" else {"crs": crs}
        fingerprint = _fingerprint(
            channel=channel,
            description=description,
            lon=lon,
            lat=lat,
            **system,
            address=address,
            appeal_nature=int(appeal_nature),
            reporter_name=reporter_name,
            reporter_phone=reporter_phone,
            category=category,
            kind=kind,
            component=component,
            external_id=external_id,
            self_handled=self_handled,
            # Only when given, so that the fingerprints of earlier reports stay what they were.
            **({"photos_public": True} if photos_public else {}),
        )
    # Every check (who may use this channel, the input, where the caller may report) runs first: a
    # retry is recognised only once the caller has shown they may make this very report, and only
    # their own earlier report is ever the answer (never another caller's case).
    prepared = _prepare_report(
        actor=actor,
        channel=channel,
        description=description,
        lon=lon,
        lat=lat,
        crs=crs,
        address=address,
        appeal_nature=int(appeal_nature),
        reporter_name=reporter_name,
        reporter_phone=reporter_phone,
        category=category,
        kind=kind,
        component=component,
        attachments=list(attachments or []),
        external_id=external_id,
        self_handled=self_handled,
        at=at or timezone.now(),
    )
    # The reporter's consent to show the report's photos on the public map (docs/participation.md).
    prepared.ctx.case.photos_public = bool(photos_public)
    public = actor.username == PUBLIC_USERNAME
    # An idempotency key is looked up before writing: its row is written last, after the case's
    # attachments are claimed, which a retry would find taken. A retried ticket id is refused by its
    # unique index when the case is inserted (every report from an integration carries a ticket id
    # and almost none is a retry, so asking first would cost each of them a statement).
    existing = _existing_by_key(key, fingerprint, public=public) if key else None
    if existing is not None:
        return existing, False
    try:
        prepared.number = number_ahead(prepared.district, timezone.localdate(prepared.ctx.at))
        case = _create_report(actor=actor, prepared=prepared, idempotency_key=key, fingerprint=fingerprint)
    except IntegrityError:
        # The same key raced us, or the ticket id was used before: the caller's own first report
        # is the answer; another caller's is never named.
        existing = _existing_by_key(key, fingerprint, public=public) if key else None
        if existing is None and external_id:
            existing = _existing_by_ticket(actor, prepared.ctx.case.channel, external_id, public=public)
        if existing is None:
            raise
        return existing, False
    return case, True


def _existing_by_key(key: str, fingerprint: str, *, public: bool) -> Case | None:
    """The case an earlier submission with this caller's key made. A key already used for a
    different report is refused (422): answering with the other case would lose this report without
    a word. The public share one sender, so their refusal does not name the other case: it may be a
    stranger's."""
    for found in IdempotencyKey.objects.filter(key=key).select_related("case"):
        case = found.case
        if found.fingerprint and fingerprint and found.fingerprint != fingerprint:
            sent = key.partition(":")[2]
            if public:
                raise TransitionError(
                    422, f"Idempotency-Key {sent!r} was already used for another report; send a new key"
                )
            raise TransitionError(
                422,
                f"Idempotency-Key {sent!r} was already used for another report (case {case.number}); "
                "send a new key with a new report",
                case=case.number,
            )
        return case
    return None


def _existing_by_ticket(actor: User, channel: Channel, external_id: str, *, public: bool) -> Case:
    """The case this caller reported earlier under the same channel's ticket id. A ticket id that
    another caller used (or any, for the public, who share one sender and must retry with their
    Idempotency-Key) is refused without naming its case."""
    found = Case.objects.filter(channel=channel, external_id=external_id).first()
    mine = (
        found is not None and not public and CaseEvent.objects.filter(case=found, seq=1, actor=actor).exists()
    )
    if found is None or not mine:
        raise TransitionError(
            409,
            f"external_id {external_id!r} was already used for another report in channel "
            f"{channel.code}; send the ticket's own id, or a new one",
            field="external_id",
        )
    return found
