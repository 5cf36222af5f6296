"""What the intake suggests for a report's text: the likeliest categories, and for the best one at a
point, the unit the routing rules would choose. Nothing is written: the operator still decides.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from cityloop.catalog import lookup
from cityloop.catalog.models import Category
from cityloop.geo import crs as crslib
from cityloop.routing.decide import route
from cityloop.routing.facts import facts_at

from .registry import Loaded, category_model

CATEGORY_LABEL = re.compile(r"^(component|event):(\d{4})$")
MAX_K = 10


def parse_label(label: str) -> tuple[str, str] | None:
    """``component:0101`` → ("component", "0101"); None for a label that names no subclass."""
    found = CATEGORY_LABEL.match(label)
    return (found.group(1), found.group(2)) if found else None


def _category(label: str, on: dt.date) -> Category | None:
    parsed = parse_label(label)
    if parsed is None:
        return None
    try:
        found = lookup.category(parsed[1], parsed[0], on=on)
    except ValidationError:  # retired, not yet in use, or not in this city's catalog
        return None
    return found if found.parent_id is not None else None


def wgs84_point(lon: float, lat: float, crs: str) -> tuple[float, float]:
    """The point in WGS84; ``ValidationError`` naming ``crs`` or ``location`` when it cannot be."""
    try:
        name = crslib.normalize(crs)
    except crslib.CoordinateError as exc:
        raise ValidationError({"crs": str(exc)}) from None
    if name == crslib.WGS84:
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValidationError({"location": f"({lon}, {lat}) is not a WGS84 lon/lat"})
        return lon, lat
    try:
        return crslib.to_wgs84(lon, lat, name)
    except crslib.CoordinateError as exc:
        raise ValidationError({"location": str(exc)}) from None


def suggest(
    text: str,
    *,
    k: int = 3,
    lon: float | None = None,
    lat: float | None = None,
    crs: str = crslib.WGS84,
    on: dt.date | None = None,
    model: Loaded | None = None,
) -> dict[str, Any]:
    """The ``k`` likeliest subclasses of ``text`` (``{code, name, kind, score}``, best first), the
    model that scored them, and with a point the routing decision for the best one (``unit``,
    ``routing``), or why there is none (``routing_note``)."""
    day = on or timezone.localdate()
    loaded = model or category_model()
    k = max(1, min(MAX_K, k))
    categories: list[dict[str, Any]] = []
    # Ask for more than k: labels the catalog no longer has (retired subclasses) are passed over.
    for label, score in loaded.classifier.top(text, k + 5):
        found = _category(label, day)
        if found is None:
            continue
        categories.append(
            {"code": found.code, "name": found.name, "kind": found.kind, "score": round(score, 4)}
        )
        if len(categories) == k:
            break
    answer: dict[str, Any] = {"model": loaded.ref(), "categories": categories, "unit": None, "routing": None}
    if lon is None or lat is None:
        return answer
    point = wgs84_point(lon, lat, crs)
    answer["location"] = {"lon": round(point[0], 7), "lat": round(point[1], 7)}
    if not categories:
        answer["routing_note"] = "no category to route"
        return answer
    best = categories[0]
    try:
        facts = facts_at(point[0], point[1], kind=best["kind"], category_code=best["code"], on=day)
    except ValidationError as exc:
        answer["routing_note"] = "; ".join(m for ms in exc.message_dict.values() for m in ms)
        return answer
    decision = route(facts)
    answer["location"].update(grid=facts.grid_code)
    answer["unit"] = decision.unit.ref() if decision.unit else None
    answer["routing"] = {
        "level": decision.level,
        "basis": decision.basis,
        "explanation": decision.explanation,
        "confidence": round(decision.confidence, 2),
        "rule": decision.rule.ref() if decision.rule else None,
    }
    return answer
