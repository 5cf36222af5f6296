"""Checks of a rule before it is saved, with a message per field that says what to fix."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from cityloop.catalog.models import Category, Kind
from cityloop.core.models import UnitKind

from .models import ROLE_TARGETS, Level, Purpose, Rule, Target
from .ruleset import AREA_KINDS

PRIORITY_RANGE = (-1_000_000, 1_000_000)


def check_rule(rule: Rule, *, categories: set[tuple[str, str]] | None = None) -> None:
    """Raise ``ValidationError`` (per field) unless ``rule`` is a rule routing can use. ``categories``
    (every (kind, code) of the catalog) spares a query per rule when many are checked."""
    errors: dict[str, str] = {}
    if not rule.name.strip():
        errors["name"] = "give the rule a name a dispatcher understands, e.g. 暴露垃圾归环卫所"
    if rule.purpose not in Purpose.values:
        errors["purpose"] = f"use one of {', '.join(Purpose.values)}"
    if rule.kind not in ("", *Kind.values):
        errors["kind"] = "use component, event, or leave empty for any kind"
    code = rule.category_code or ""
    if code:
        if not rule.kind:
            errors["category_code"] = "a class or subclass code needs its kind (component or event)"
        elif not (code.isdigit() and len(code) in (2, 4)):
            errors["category_code"] = f"{code!r}: a class code has 2 digits, a subclass code 4"
        elif (
            (rule.kind, code) not in categories
            if categories is not None
            else not Category.objects.filter(kind=rule.kind, code=code).exists()
        ):
            errors["category_code"] = f"there is no {rule.kind} class or subclass {code} in the catalog"
    if rule.condition_number is not None and len(code) != 4:
        errors["condition_number"] = "a registration condition needs a subclass (4-digit code)"
    if rule.area_unit_id and rule.area_grid_id:
        errors["area_unit"] = "give either an area unit or a grid, not both"
    elif rule.area_unit is not None and rule.area_unit.kind not in AREA_KINDS:
        errors["area_unit"] = (
            f"{rule.area_unit.name} is a {rule.area_unit.kind}; "
            "an area is a city, district, street or community"
        )
    if rule.level not in Level.values:
        errors["level"] = f"use one of {', '.join(Level.values)}"
    if rule.target not in Target.values:
        errors["target"] = f"use one of {', '.join(Target.values)}"
    elif rule.target == Target.UNIT:
        if rule.target_unit is None:
            errors["target_unit"] = "name the unit this rule sends cases to"
        elif rule.target_unit.kind in (UnitKind.CITY, UnitKind.DISTRICT) and rule.purpose == Purpose.DISPATCH:
            errors["target_unit"] = (
                f"{rule.target_unit.name} is a {rule.target_unit.kind}; "
                "cases are dispatched to a department, company, street or community"
            )
    elif rule.target_unit_id:
        errors["target_unit"] = f"a rule whose target is {rule.target} names no unit; leave it empty"
    if rule.target in ROLE_TARGETS and rule.kind == Kind.EVENT:
        errors["target"] = (
            f"{rule.target} is a role of a component; an event has none (use a unit or the territory)"
        )
    if rule.valid_to is not None and rule.valid_to <= rule.valid_from:
        errors["valid_to"] = "the end must come after the start"
    if not PRIORITY_RANGE[0] <= rule.priority <= PRIORITY_RANGE[1]:
        errors["priority"] = f"keep the priority between {PRIORITY_RANGE[0]} and {PRIORITY_RANGE[1]}"
    if errors:
        raise ValidationError(errors)
