"""``POST requests``: a client application's service request, checked parameter by parameter, then
made a case through the same intake as every report (``submit_service_request``)."""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cityloop.core import ratelimits
from cityloop.core.audit import public_actor
from cityloop.geo.index import locate

from . import services
from .actions import Report, submit_service_request
from .formats import Open311Error, bad
from .jurisdictions import jurisdiction
from .models import ClientApplication
from .params import MAX_TEXT, Params
from .places import place_of

PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,28}[0-9]$")
MAX_RETRY_KEY = 100  # an Idempotency-Key; the stored key adds the client's id


def _point(params: Params, district: Any) -> tuple[float, float, str]:
    """``(lon, lat, address)`` from ``lat``/``long``, else from ``address_string``."""
    lat = params.number("lat", -90, 90)
    lon = params.number("long", -180, 180)
    address = params.text("address_string", 200)
    if (lat is None) != (lon is None):
        raise bad("long" if lon is None else "lat", "give lat and long together")
    if lat is not None and lon is not None:
        return lon, lat, address
    if address:
        lon, lat = place_of(address, district)
        return lon, lat, address
    if params.text("address_id", 64):
        raise bad("address_id", "this server keeps no address ids; send lat and long, or address_string")
    raise bad("lat", "say where: lat and long (WGS84), or address_string")


def create_request(request: HttpRequest, params: Params, client: ClientApplication) -> dict[str, Any]:
    """Check a posted service request and make it a case; the answer GeoReport gives for it."""
    district = jurisdiction(params)
    code = params.text("service_code", 40)
    if not code:
        raise bad("service_code", "name the service; list them at services.json")
    try:
        category = services.subclass(code)
    except Open311Error as exc:
        raise bad("service_code", exc.description.partition(": ")[2]) from None
    lon, lat, address = _point(params, district)
    location = locate(lon, lat)
    if location is None:
        raise bad("lat", f"({lat}, {lon}) lies outside every unit grid of the city")
    if district is not None and location.district_id != district.pk:
        raise bad(
            "jurisdiction_id",
            f"({lat}, {lon}) lies in district {location.district_code}, not {district.code}",
        )
    attributes = services.checked_attributes(category, district, params.attributes())
    description = params.text("description", MAX_TEXT) or services.named(category)
    first, last = params.text("first_name", 50), params.text("last_name", 50)
    name = " ".join(p for p in (first, last) if p)
    if len(name) > 50:
        raise bad("last_name", "first and last name have at most 50 characters together")
    phone = params.text("phone", 32)
    if phone and not PHONE.match(phone):
        raise bad("phone", "give a phone number of digits, e.g. 13800138000")
    params.text("email", 254)  # accepted and not kept: the centre calls back by phone
    params.text("device_id", 100)
    media_url = params.url("media_url")
    account_id = params.text("account_id", 100)
    if phone:
        try:
            ratelimits.hit(
                request,
                "anonymous reports for one phone number",
                "".join(c for c in phone if c.isdigit()),
                settings.CITYLOOP_RATELIMIT_REPORTS_PER_PHONE,
            )
        except ratelimits.RateLimited as exc:
            raise Open311Error(429, f"phone: {exc}", retry_after=exc.retry_after) from None
    report = Report(
        client=client,
        category=category.code,
        kind=category.kind,
        description=description,
        lon=lon,
        lat=lat,
        address=address,
        reporter_name=name,
        reporter_phone=phone,
        media_url=media_url,
        account_id=account_id,
        attributes=attributes,
    )
    retry_key = request.headers.get("Idempotency-Key", "").strip()
    if len(retry_key) > MAX_RETRY_KEY:
        raise bad("Idempotency-Key", f"a header of at most {MAX_RETRY_KEY} characters")
    case, _created = submit_service_request(report, actor=public_actor(), retry_key=retry_key)
    return {
        "service_request_id": case.number,
        "token": case.external_id,
        "service_notice": _(
            "Received. The city verifies the report on site, then sends it to the unit responsible."
        ),
        "account_id": account_id or None,
    }
