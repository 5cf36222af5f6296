"""Services are the catalog's subclasses in use today, both kinds: ``event-0102`` is event subclass
0102, ``component-0101`` component subclass 0101 (their codes overlap, so the kind is part of the
service code). A subclass with registration conditions in force has ``metadata`` true, and its
definition offers them as one attribute, ``condition``: the reporter may say which applies."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language

from cityloop.catalog.lookup import conditions_for
from cityloop.catalog.models import Category, Condition, Kind
from cityloop.core.models import Unit

from .formats import Open311Error, bad

ATTRIBUTE = "condition"


def english() -> bool:
    return not (get_language() or "zh-hans").startswith("zh")


def named(obj: Any) -> str:
    """A row's name in the caller's language (Chinese unless the request asks for English)."""
    return (obj.name_en or obj.name) if english() else obj.name


def service_code(category: Category) -> str:
    return f"{category.kind}-{category.code}"


def parse_code(code: str) -> tuple[str, str]:
    """``event-0102`` → ("event", "0102"), or a 404 naming the code."""
    kind, _, number = code.partition("-")
    if kind not in Kind.values or not (number.isdigit() and len(number) == 4):
        raise bad("service_code", f"{code[:40]!r} is no service; list them at services.json", 404)
    return kind, number


def _region_ids(district: Unit | None) -> list[int]:
    if district is None:
        return []
    return [district.pk, *district.subtree().values_list("pk", flat=True)]


def service_list(district: Unit | None) -> list[dict[str, Any]]:
    """Every subclass in use today, with whether it has conditions (here) to pick from."""
    today = timezone.localdate()
    subclasses = Category.objects.active(today).subclasses().select_related("parent").order_by("kind", "code")
    with_conditions = set(
        Condition.objects.valid_at(today)
        .filter(Q(region__isnull=True) | Q(region_id__in=_region_ids(district)))
        .values_list("category_id", flat=True)
        .distinct()
    )
    return [
        {
            "service_code": service_code(c),
            "service_name": named(c),
            "description": f"{Kind(c.kind).label} {c.code} {named(c)}",
            "metadata": c.pk in with_conditions,
            "type": "realtime",
            "keywords": ",".join(k for k in (c.name, c.name_en) if k),
            "group": named(c.parent) if c.parent else "",
        }
        for c in subclasses
    ]


def subclass(code: str) -> Category:
    """The subclass in use today that a service code names, or a 404."""
    kind, number = parse_code(code)
    found = Category.objects.active(timezone.localdate()).subclasses().filter(kind=kind, code=number).first()
    if found is None:
        raise Open311Error(404, f"service_code: {code!r} is no service in use; list them at services.json")
    return found


def conditions(category: Category, district: Unit | None) -> list[Condition]:
    return conditions_for(category, region_units=[district] if district else [])


def definition(category: Category, district: Unit | None) -> dict[str, Any]:
    """The service's attributes: its registration conditions, as one optional single-value list."""
    rows = conditions(category, district)
    attributes = []
    if rows:
        attributes.append(
            {
                "variable": True,
                "code": ATTRIBUTE,
                "datatype": "singlevaluelist",
                "required": False,
                "datatype_description": "the registration condition the problem meets",
                "order": 1,
                "description": "Which of these describes the problem?"
                if english()
                else "问题符合以下哪种情形？",
                "values": [
                    {
                        "key": str(c.number),
                        "name": (c.description_en or c.description) if english() else c.description,
                    }
                    for c in rows
                ],
            }
        )
    return {"service_code": service_code(category), "attributes": attributes}


def checked_attributes(
    category: Category, district: Unit | None, given: dict[str, list[str]]
) -> dict[str, str]:
    """The attributes a request gives, checked against the definition (unknown codes and values are
    refused, naming them)."""
    out: dict[str, str] = {}
    for code, values in given.items():
        name = f"attribute[{code[:40]}]"
        if code != ATTRIBUTE:
            raise bad(name, f"this service has no such attribute; see services/{service_code(category)}.json")
        if len(values) != 1:
            raise bad(name, "a single-value list takes one value")
        keys = [str(c.number) for c in conditions(category, district)]
        if values[0] not in keys:
            raise bad(name, f"use one of {', '.join(keys) or 'none: this service has no conditions here'}")
        out[code] = values[0]
    return out
