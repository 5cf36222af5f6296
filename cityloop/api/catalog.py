"""``/api/v1/catalog``: classes and subclasses as a tree, registration conditions, text search.

The catalog is city-wide reference data: every signed-in user may read all of it (its permission
scope covers every row, see ``cityloop.catalog.apps``).
"""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from cityloop.cases.search import category_usage
from cityloop.catalog.lookup import conditions_for, search
from cityloop.catalog.models import Category, Condition, Kind, StepLimit
from cityloop.core.models import Unit, UnitKind

from .errors import ApiError

router = Router(tags=["catalog"])


class CategoryOut(Schema):
    kind: str
    code: str
    name: str
    name_en: str
    parent: str | None = Field(None, description="code of the class (for a subclass)")
    is_local: bool
    valid_from: dt.date
    retired_from: dt.date | None


class ClassOut(CategoryOut):
    subclasses: list[CategoryOut]


class ConditionOut(Schema):
    id: int = Field(..., description="the version id a case records")
    kind: str
    code: str = Field(..., description="subclass code")
    category_name: str
    number: int
    region: str | None = Field(None, description="code of the district or street it applies to")
    description: str
    description_en: str
    closure: str
    closure_en: str
    urgency: str
    urgency_name: str
    counts_clock_time: bool
    limit_amount: int
    limit_unit: str
    version: int
    valid_from: dt.date
    valid_to: dt.date | None


class SearchHitOut(CategoryOut):
    matched: list[str] = Field(..., description="'name' and/or 'condition N' for each match")
    conditions: list[ConditionOut]


class StepLimitOut(Schema):
    id: int
    step: str
    urgency: str
    amount: int
    unit: str
    valid_from: dt.date
    valid_to: dt.date | None


def _category(c: Category) -> dict[str, Any]:
    return {
        "kind": c.kind,
        "code": c.code,
        "name": c.name,
        "name_en": c.name_en,
        "parent": c.code[:2] if c.parent_id else None,
        "is_local": c.is_local,
        "valid_from": c.valid_from,
        "retired_from": c.retired_from,
    }


def _condition(c: Condition) -> dict[str, Any]:
    return {
        "id": c.pk,
        "kind": c.category.kind,
        "code": c.category.code,
        "category_name": c.category.name,
        "number": c.number,
        "region": c.region.code if c.region else None,
        "description": c.description,
        "description_en": c.description_en,
        "closure": c.closure,
        "closure_en": c.closure_en,
        "urgency": c.urgency.code,
        "urgency_name": c.urgency.name,
        "counts_clock_time": c.urgency.counts_clock_time,
        "limit_amount": c.limit_amount,
        "limit_unit": c.limit_unit,
        "version": c.version,
        "valid_from": c.valid_from,
        "valid_to": c.valid_to,
    }


def _kind(kind: str | None) -> str | None:
    if kind and kind not in Kind.values:
        raise ApiError(400, f"unknown kind {kind!r}; use component or event")
    return kind


class CategoryFilter(Schema):
    kind: str | None = Field(None, description="component or event")
    q: str | None = Field(None, description="Chinese or English text, or a code prefix (井盖, cover, 01)")
    at: dt.date | None = Field(None, description="the catalog as on this day (default today)")
    include_retired: bool = Field(False, description="also list subclasses retired by that day")


@router.get("/categories", response=list[ClassOut], summary="Classes with their subclasses")
def categories(request: HttpRequest, filters: Query[CategoryFilter]) -> list[dict[str, Any]]:
    kind = _kind(filters.kind)
    qs: QuerySet[Category] = (
        Category.objects.all() if filters.include_retired else Category.objects.active(filters.at)
    )
    if kind:
        qs = qs.filter(kind=kind)
    rows = list(qs.order_by("kind", "code"))
    matching: set[int] | None = None
    if filters.q:
        matching = {hit.category.pk for hit in search(filters.q, kind=kind, on=filters.at, limit=10_000)}
    tree: dict[tuple[str, str], dict[str, Any]] = {}
    for c in rows:
        if c.is_class:
            tree[(c.kind, c.code)] = {
                **_category(c),
                "subclasses": [],
                "_hit": matching is None or c.pk in matching,
            }
    for c in rows:
        node = tree.get((c.kind, c.code[:2]))
        if c.is_class or node is None:
            continue
        if matching is None or node["_hit"] or c.pk in matching:
            node["subclasses"].append(_category(c))
    return [
        {k: v for k, v in node.items() if k != "_hit"}
        for node in tree.values()
        if node["_hit"] or node["subclasses"]
    ]


class ConditionFilter(Schema):
    code: str | None = Field(None, description="subclass (4 digits) or class (2 digits) code")
    kind: str | None = Field(None, description="component or event")
    q: str | None = Field(None, description="text in the condition or the subclass name")
    region: str | None = Field(None, description="district or street code: the conditions that apply there")
    at: dt.date | None = Field(None, description="the conditions in force on this day (default today)")


@router.get("/conditions", response=list[ConditionOut], summary="Registration conditions with time limits")
def conditions(request: HttpRequest, filters: Query[ConditionFilter]) -> list[dict[str, Any]]:
    kind = _kind(filters.kind)
    cats = Category.objects.subclasses()
    if kind:
        cats = cats.filter(kind=kind)
    if filters.code:
        code = filters.code.strip()
        if not (code.isdigit() and len(code) in (2, 4)):
            raise ApiError(400, f"code {code!r} must be a class (2 digits) or subclass (4 digits) code")
        cats = cats.filter(code=code) if len(code) == 4 else cats.filter(code__startswith=code)
        if not cats.exists():
            raise ApiError(404, f"there is no {kind or 'component or event'} class or subclass {code}")
    if filters.region:
        region = Unit.objects.filter(
            code=filters.region, kind__in=[UnitKind.DISTRICT, UnitKind.STREET]
        ).first()
        if region is None:
            raise ApiError(400, f"no district or street has the code {filters.region!r}")
        units = list(region.ancestors().filter(kind__in=[UnitKind.DISTRICT, UnitKind.STREET]))
        found = [
            c
            for cat in cats.order_by("kind", "code")
            for c in conditions_for(cat, region_units=units, on=filters.at)
        ]
    else:
        found = list(
            Condition.objects.valid_at(filters.at)
            .filter(category__in=cats)
            .select_related("category", "urgency", "region")
            .order_by("category__kind", "category__code", "number", "region_id")
        )
    if filters.q:
        words = filters.q.split()
        found = [
            c
            for c in found
            if all(
                w.lower()
                in f"{c.description} {c.description_en} {c.category.name} {c.category.name_en}".lower()
                for w in words
            )
        ]
    return [_condition(c) for c in found]


@router.get("/search", response=list[SearchHitOut], summary="Find subclasses by Chinese or English text")
def search_catalog(
    request: HttpRequest, q: str, kind: str | None = None, at: dt.date | None = None
) -> list[dict[str, Any]]:
    if not q.strip():
        raise ApiError(400, "give some text to search for, e.g. q=井盖")
    hits = search(q, kind=_kind(kind), on=at, usage=category_usage())
    return [
        {
            **_category(h.category),
            "matched": (["name"] if h.name_matched else []) + [f"condition {c.number}" for c in h.conditions],
            "conditions": [_condition(c) for c in h.conditions],
        }
        for h in hits
    ]


@router.get("/step-limits", response=list[StepLimitOut], summary="Time limits of the workflow steps")
def step_limits(request: HttpRequest, at: dt.date | None = None) -> list[dict[str, Any]]:
    rows = StepLimit.objects.valid_at(at).select_related("urgency")
    return [
        {
            "id": r.pk,
            "step": r.step,
            "urgency": r.urgency.code,
            "amount": r.amount,
            "unit": r.unit,
            "valid_from": r.valid_from,
            "valid_to": r.valid_to,
        }
        for r in rows.order_by("step", "urgency__order")
    ]
