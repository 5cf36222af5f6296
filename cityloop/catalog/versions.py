"""Checking and versioning registration conditions: the work behind the condition actions in
:mod:`cityloop.catalog.actions` (which add the audit entries).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from cityloop.core.models import Unit, UnitKind

from . import standard
from .lookup import urgency_of
from .models import Category, Condition, Urgency

CONDITION_FIELDS = (
    "description",
    "description_en",
    "closure",
    "closure_en",
    "urgency",
    "limit_amount",
    "limit_unit",
    "source_note",
)


def check_condition(values: dict[str, Any]) -> dict[str, Any]:
    """Normalise and check condition fields; raises with every problem, per field."""
    errors: dict[str, str] = {}
    if "limit_unit" in values:
        try:
            values["limit_unit"] = standard.normalise_unit(values["limit_unit"])
        except ValidationError:
            errors["limit_unit"] = (
                f"unknown unit {values['limit_unit']!r}; use minute, working_hour, hour, working_day "
                "or calendar_day"
            )
    if "limit_amount" in values and (
        not isinstance(values["limit_amount"], int) or values["limit_amount"] < 1
    ):
        errors["limit_amount"] = "the time limit must be a whole number of at least 1"
    if "urgency" in values:
        try:
            values["urgency"] = urgency_of(values["urgency"])
        except ValidationError as exc:
            errors["urgency"] = exc.message_dict["urgency"][0]
    if "description" in values and not str(values["description"]).strip():
        errors["description"] = "describe when a problem may be registered under this condition"
    if errors:
        raise ValidationError(errors)
    return values


def new_condition(
    category: Category,
    number: int,
    values: dict[str, Any],
    *,
    region: Unit | None,
    valid_from: dt.date,
) -> Condition:
    """Create a condition version after checking it; no audit entry (the caller writes it)."""
    if category.is_class:
        raise ValidationError({"category": f"{category} is a class; conditions belong to subclasses"})
    if number < 1:
        raise ValidationError({"number": "condition numbers start at 1"})
    if region is not None and region.kind not in (UnitKind.DISTRICT, UnitKind.STREET):
        raise ValidationError({"region": f"{region} is a {region.kind}; a region is a district or street"})
    values = check_condition(dict(values))
    same = Condition.objects.filter(category=category, number=number, region=region)
    clash = same.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=valid_from)).order_by("valid_from").first()
    if clash is not None:
        raise ValidationError(
            {
                "number": f"condition {category.code}-{number} already has a version from "
                f"{clash.valid_from.isoformat()}; revise that one instead"
            }
        )
    return Condition.objects.create(
        category=category,
        number=number,
        region=region,
        version=same.count() + 1,
        valid_from=valid_from,
        **{k: v.strip() if isinstance(v, str) else v for k, v in values.items()},
    )


def revise_version(condition: Condition, on: dt.date, changes: dict[str, Any]) -> Condition:
    """End ``condition`` on ``on`` and start a new version with ``changes``; no audit entry."""
    unknown = set(changes) - set(CONDITION_FIELDS)
    if unknown:
        raise ValidationError(
            dict.fromkeys(sorted(unknown), "this field cannot be revised; add a new condition")
        )
    if not (condition.valid_from < on and (condition.valid_to is None or on < condition.valid_to)):
        raise ValidationError(
            {
                "on": f"version {condition.version} of {condition.category.code}-{condition.number} is in "
                f"force from {condition.valid_from} to {condition.valid_to or 'open'}; a revision must start "
                "inside that period, after its first day"
            }
        )
    values = check_condition(dict(changes))
    end = condition.valid_to
    condition.valid_to = on
    condition.save(update_fields=["valid_to"])
    new = Condition.objects.get(pk=condition.pk)
    new.pk = None
    for name, value in values.items():
        setattr(new, name, value.strip() if isinstance(value, str) else value)
    new.valid_from, new.valid_to = on, end
    new.version = (
        Condition.objects.filter(
            category=condition.category, number=condition.number, region=condition.region
        ).count()
        + 1
    )
    new.save()
    return new


def row_values(row: standard.ConditionRow) -> dict[str, Any]:
    return {
        "description": row.description,
        "description_en": row.description_en,
        "closure": row.closure,
        "closure_en": row.closure_en,
        "urgency": row.urgency,
        "limit_amount": row.limit_amount,
        "limit_unit": row.limit_unit,
        "source_note": row.source_note,
    }


def resolve_rows(
    rows: list[standard.ConditionRow],
) -> list[tuple[standard.ConditionRow, Category, Unit | None]]:
    """Match each row with its subclass and region; raise with every unknown code, by line."""
    cats = {(c.kind, c.code): c for c in Category.objects.subclasses()}
    regions = {u.code: u for u in Unit.objects.filter(kind__in=[UnitKind.DISTRICT, UnitKind.STREET])}
    urgencies = set(Urgency.objects.values_list("code", flat=True))
    errors, resolved = [], []
    for row in rows:
        cat = cats.get((row.kind, row.code))
        region = regions.get(row.region) if row.region else None
        if cat is None:
            errors.append(f"line {row.line}, code: there is no {row.kind} subclass {row.code}")
        if row.region and region is None:
            errors.append(f"line {row.line}, region: no district or street has the code {row.region!r}")
        if row.urgency not in urgencies:
            errors.append(f"line {row.line}, urgency: unknown urgency {row.urgency!r}")
        if cat is not None and (region is not None or not row.region):
            resolved.append((row, cat, region))
    if errors:
        raise ValidationError(errors)
    return resolved
