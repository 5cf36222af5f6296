"""The parameters of a GeoReport call, each with a type and a bound before it reaches the database.

A POST may send them in a form-encoded body or in the query string (clients do both); the body
wins where both name one. Every refusal names the parameter."""

from __future__ import annotations

import datetime as dt
import math
from urllib.parse import urlsplit

from django.http import HttpRequest, QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from cityloop.api.middleware import FORM_TYPES

from .formats import bad

MAX_STRING = 200
MAX_TEXT = 4000


class Params:
    """The call's parameters: the query string, and for a POST the form body over it."""

    def __init__(self, request: HttpRequest) -> None:
        merged = request.GET.copy()
        if request.method == "POST" and request.content_type in FORM_TYPES:
            for key, values in request.POST.lists():
                merged.setlist(key, values)
        self.data: QueryDict = merged

    def text(self, name: str, limit: int = MAX_STRING) -> str:
        """A string parameter ('' when absent); several values of one name are one error."""
        values = self.data.getlist(name)
        if len(values) > 1:
            raise bad(name, "give it once")
        value = values[0].strip() if values else ""
        if len(value) > limit:
            raise bad(name, f"at most {limit} characters, not {len(value)}")
        return value

    def joined(self, name: str, limit: int = MAX_STRING) -> list[str]:
        """A comma-delimited list, which may also be declared several times (``status``)."""
        items = [p.strip() for v in self.data.getlist(name) for p in v.split(",") if p.strip()]
        if sum(len(i) for i in items) > limit * 10 or len(items) > 100:
            raise bad(name, "at most 100 values")
        for item in items:
            if len(item) > limit:
                raise bad(name, f"a value has at most {limit} characters")
        return items

    def number(self, name: str, low: float, high: float) -> float | None:
        raw = self.text(name, 40)
        if not raw:
            return None
        try:
            value = float(raw)
        except ValueError:
            raise bad(name, f"{raw!r} is not a number") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise bad(name, f"give a number from {low:g} to {high:g}")
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.text(name, 20)
        if not raw:
            return default
        if not raw.isdigit():
            raise bad(name, f"{raw!r} is not a whole number")
        value = int(raw)
        if not low <= value <= high:
            raise bad(name, f"give a whole number from {low} to {high}")
        return value

    def datetime(self, name: str) -> dt.datetime | None:
        """A W3C date-time (``2026-01-01T00:00:00Z``, or with an offset); a date alone is its
        midnight, and a time without an offset is the city's time."""
        raw = self.text(name, 40)
        if not raw:
            return None
        try:
            value = parse_datetime(raw.replace(" ", "T", 1) if "T" not in raw else raw)
            if value is None:
                day = parse_date(raw)
                value = dt.datetime.combine(day, dt.time()) if day else None
        except (ValueError, OverflowError):
            value = None
        if value is None or not 1900 <= value.year <= 9998:
            raise bad(name, f"{raw!r} is not a date-time; write it like 2026-01-31T08:00:00+08:00")
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value

    def url(self, name: str, limit: int = 500) -> str:
        raw = self.text(name, limit)
        if not raw:
            return ""
        parts = urlsplit(raw)
        if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in raw):
            raise bad(name, "give a web address starting with http:// or https://")
        return raw

    def attributes(self, limit: int = 20) -> dict[str, list[str]]:
        """``attribute[code]=value`` pairs (a multivaluelist may repeat one code)."""
        found: dict[str, list[str]] = {}
        for key, values in self.data.lists():
            if not key.startswith("attribute["):
                continue
            if not key.endswith("]") or len(key) > 60:
                raise bad(key[:60], "write an attribute as attribute[code]=value")
            code = key[len("attribute[") : -1].strip()
            clean = [v.strip() for v in values]
            if any(len(v) > MAX_STRING for v in clean):
                raise bad(key, f"at most {MAX_STRING} characters")
            found[code] = clean
        if len(found) > limit:
            raise bad("attribute", f"at most {limit} attributes")
        return found
