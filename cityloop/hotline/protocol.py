"""The CityLoop hotline protocol, version 1 (docs/hotline.md): the messages a platform sends, checked
field by field before anything reaches the database, and the envelope of the messages CityLoop sends.

Every inbound problem is a :class:`ProtocolError` naming the field, answered as JSON 4xx.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from .models import HotlineChannel

PROTOCOL = "cityloop-hotline/1"
MAX_BODY = 64 * 1024
MAX_ATTACHMENTS = 10
TICKET_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
SATISFACTION = ("satisfied", "basically_satisfied", "unsatisfied")
INBOUND_TYPES = ("work_order", "return_visit", "supervision", "extension_answer", "deferral_answer")
OUTBOUND_TYPES = (
    "receipt",
    "accepted",
    "refused",
    "transferred_back",
    "extension_request",
    "extension_answer",
    "deferral_request",
    "deferral_answer",
    "deferral_lifted",
    "result",
    "reopened",
    "closed",
    "supervision_ack",
)


class ProtocolError(Exception):
    """A message CityLoop refuses: ``status`` (4xx), the ``field`` at fault and what to fix."""

    def __init__(self, status: int, message: str, field: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.field = field

    def as_json(self) -> dict[str, Any]:
        errors = [{"field": self.field, "message": self.message}] if self.field else []
        return {"detail": self.message, "errors": errors}


def _text(data: dict[str, Any], name: str, *, limit: int, required: bool = False) -> str:
    value = data.get(name, "")
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ProtocolError(422, f"{name} must be a string", name)
    value = value.strip()
    if required and not value:
        raise ProtocolError(422, f"{name} is required", name)
    if len(value) > limit:
        raise ProtocolError(422, f"{name} has at most {limit} characters", name)
    if "\x00" in value:
        raise ProtocolError(422, f"{name} contains a NUL character", name)
    return value


def _when(data: dict[str, Any], name: str) -> dt.datetime | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise ProtocolError(422, f"{name} must be an ISO 8601 date-time with its offset", name)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ProtocolError(
            422, f"{name} must be an ISO 8601 date-time, e.g. 2026-12-08T17:30:00+08:00", name
        ) from None
    if parsed.tzinfo is None:
        raise ProtocolError(422, f"{name} needs its UTC offset, e.g. +08:00", name)
    return parsed


def parse_body(raw: bytes) -> dict[str, Any]:
    """The JSON object of a request body, or a 4xx saying what is wrong with it."""
    if len(raw) > MAX_BODY:
        raise ProtocolError(413, f"the body has at most {MAX_BODY} bytes")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError(400, "the body is not JSON in UTF-8", "body") from None
    if not isinstance(data, dict):
        raise ProtocolError(422, "the body must be a JSON object", "body")
    kind = data.get("type")
    if kind not in INBOUND_TYPES:
        raise ProtocolError(422, f"type must be one of {', '.join(INBOUND_TYPES)}", "type")
    ticket_id = data.get("ticket_id")
    if not isinstance(ticket_id, str) or not TICKET_ID.match(ticket_id):
        raise ProtocolError(
            422,
            "ticket_id: 1 to 64 letters, digits, '.', '_', ':' or '-', starting with a letter or digit",
            "ticket_id",
        )
    return data


@dataclass
class WorkOrder:
    """An inbound work order, checked."""

    ticket_id: str
    channel: str
    appeal_nature: int
    caller_name: str
    caller_phone: str
    text: str
    address: str
    lon: float | None
    lat: float | None
    crs: str | None
    category: str | None
    category_kind: str
    deadline: dt.datetime | None
    attachments: list[str] = field(default_factory=list)


def _attachments(value: Any) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or len(value) > MAX_ATTACHMENTS:
        raise ProtocolError(422, f"attachments: a list of at most {MAX_ATTACHMENTS} URLs", "attachments")
    urls = []
    for index, url in enumerate(value):
        name = f"attachments.{index}"
        if not isinstance(url, str) or len(url) > 500:
            raise ProtocolError(422, "an attachment is an http(s) URL of at most 500 characters", name)
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ProtocolError(422, f"{url[:80]!r} is not an http(s) URL", name)
        urls.append(url)
    return urls


def work_order(data: dict[str, Any]) -> WorkOrder:
    """Check a ``work_order`` message."""
    channel = data.get("channel")
    if channel not in HotlineChannel.values:
        raise ProtocolError(422, f"channel must be one of {', '.join(HotlineChannel.values)}", "channel")
    nature = data.get("appeal_nature", 1)
    if not isinstance(nature, int) or isinstance(nature, bool) or not 1 <= nature <= 5:
        raise ProtocolError(
            422, "appeal_nature: 1 request, 2 complaint, 3 enquiry, 4 suggestion, 5 thanks", "appeal_nature"
        )
    caller = data.get("caller") or {}
    if not isinstance(caller, dict):
        raise ProtocolError(422, "caller must be an object with name and phone", "caller")
    lon = lat = None
    crs = None
    location = data.get("location")
    if location not in (None, {}):
        if not isinstance(location, dict):
            raise ProtocolError(422, "location must be an object with lon, lat and crs", "location")
        for name in ("lon", "lat"):
            value = location.get(name)
            if not isinstance(value, int | float) or isinstance(value, bool) or value != value:
                raise ProtocolError(422, f"location.{name} must be a number", f"location.{name}")
        lon, lat = float(location["lon"]), float(location["lat"])
        crs = _text(location, "crs", limit=16) or None
    kind = _text(data, "category_kind", limit=16) or "event"
    if kind not in ("event", "component"):
        raise ProtocolError(422, "category_kind is event or component", "category_kind")
    return WorkOrder(
        ticket_id=data["ticket_id"],
        channel=channel,
        appeal_nature=nature,
        caller_name=_text(caller, "name", limit=50),
        caller_phone=_text(caller, "phone", limit=32),
        text=_text(data, "text", limit=2000, required=True),
        address=_text(data, "address", limit=200),
        lon=lon,
        lat=lat,
        crs=crs,
        category=_text(data, "category", limit=16) or None,
        category_kind=kind,
        deadline=_when(data, "deadline"),
        attachments=_attachments(data.get("attachments")),
    )


def satisfaction(data: dict[str, Any]) -> tuple[str, str]:
    """The satisfaction and text of a ``return_visit`` message."""
    value = data.get("satisfaction")
    if value not in SATISFACTION:
        raise ProtocolError(422, f"satisfaction must be one of {', '.join(SATISFACTION)}", "satisfaction")
    return str(value), _text(data, "text", limit=1000)


def supervision(data: dict[str, Any]) -> tuple[str, str]:
    """The kind (urge 催办, supervise 督办) and text of a ``supervision`` message."""
    kind = data.get("kind", "supervise")
    if kind not in ("urge", "supervise"):
        raise ProtocolError(422, "kind is urge (催办) or supervise (督办)", "kind")
    return str(kind), _text(data, "text", limit=1000, required=True)


def answer(data: dict[str, Any]) -> tuple[bool, str, dt.datetime | None]:
    """Approved or not, the reason, and the new hotline deadline of an extension or deferral answer."""
    approved = data.get("approved")
    if not isinstance(approved, bool):
        raise ProtocolError(422, "approved must be true or false", "approved")
    reason = _text(data, "reason", limit=500, required=not approved)
    return approved, reason, _when(data, "new_deadline")


def encode(body: dict[str, Any]) -> bytes:
    """An outbound message's bytes: what is signed is exactly what is sent."""
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
