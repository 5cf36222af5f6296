"""Reading rules from CSV: every line checked, every problem named with its line number.

Columns (a header line first; only ``name`` and ``target`` are required)::

    name,purpose,kind,category,condition,area,level,target,target_unit,priority,auto_dispatch,valid_from,valid_to,note

``area`` is a unit code (city, district, street, community) or a grid code, empty for everywhere;
``target`` is unit, owner, maintainer, authority, grid, street or community; ``target_unit`` a unit
code (for ``unit``). Booleans read 1/0, true/false, yes/no, 是/否. Dates are YYYY-MM-DD.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

from django.core.exceptions import ValidationError
from django.db.models import Q

from cityloop.catalog.models import Category
from cityloop.core.models import Unit
from cityloop.geo.models import Grid

from .models import Rule, Source
from .validation import check_rule

COLUMNS = (
    "name",
    "purpose",
    "kind",
    "category",
    "condition",
    "area",
    "level",
    "target",
    "target_unit",
    "priority",
    "auto_dispatch",
    "valid_from",
    "valid_to",
    "note",
)
REQUIRED = ("name", "target")
TRUE, FALSE = {"1", "true", "yes", "y", "是"}, {"", "0", "false", "no", "n", "否"}
# Fields that make two rules the same rule (an identical line imported again changes nothing).
IDENTITY = (
    "name",
    "purpose",
    "kind",
    "category_code",
    "condition_number",
    "area_unit_id",
    "area_grid_id",
    "level",
    "target",
    "target_unit_id",
    "priority",
    "auto_dispatch",
    "valid_from",
    "valid_to",
)


def read_rows(source: str | Path | TextIO) -> list[dict[str, str]]:
    """The CSV's rows as dicts (a BOM and blank lines are tolerated)."""
    if isinstance(source, str | Path):
        text = Path(source).read_text(encoding="utf-8-sig")
        handle: TextIO = io.StringIO(text)
    else:
        handle = source
    reader = csv.DictReader(handle)
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError(
            [f"line 1: the header lacks {', '.join(missing)}; columns are {','.join(COLUMNS)}"]
        )
    unknown = [c for c in reader.fieldnames or [] if c and c.strip() not in COLUMNS]
    if unknown:
        raise ValidationError(
            [f"line 1: unknown column(s) {', '.join(unknown)}; columns are {','.join(COLUMNS)}"]
        )
    return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]


class _Resolver:
    """Unit and grid codes to rows, cached over the file, and the catalog's categories."""

    def __init__(self) -> None:
        self.units: dict[str, Unit | None] = {}
        self.grids: dict[str, Grid | None] = {}
        self.categories = set(Category.objects.values_list("kind", "code"))

    def unit(self, code: str) -> Unit | None:
        if code not in self.units:
            self.units[code] = Unit.objects.filter(code=code).first()
        return self.units[code]

    def grid(self, code: str, on: dt.date) -> Grid | None:
        if code not in self.grids:
            versions = Grid.objects.filter(code=code)
            self.grids[code] = (
                versions.filter(valid_from__lte=on)
                .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
                .first()
                or versions.order_by("-valid_from").first()
            )
        return self.grids[code]


def _date(value: str, field: str, errors: dict[str, str]) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        errors[field] = f"{value!r} is not a date (YYYY-MM-DD)"
        return None


def _int(value: str, field: str, errors: dict[str, str]) -> int | None:
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        errors[field] = f"{value!r} is not a whole number"
        return None


def parse_row(
    row: Mapping[str, Any], resolver: _Resolver, default_from: dt.date
) -> tuple[Rule, dict[str, str]]:
    """An unsaved rule from one line, and the problems found (field → message)."""
    get = {k: str(row.get(k) if row.get(k) is not None else "").strip() for k in COLUMNS}
    errors: dict[str, str] = {f: "required" for f in REQUIRED if not get[f]}
    rule = Rule(
        name=get["name"],
        purpose=get["purpose"] or "dispatch",
        kind=get["kind"],
        category_code=get["category"],
        level=get["level"] or "district",
        target=get["target"],
        note=get["note"],
        source=Source.IMPORT,
    )
    rule.condition_number = _int(get["condition"], "condition", errors)
    rule.priority = _int(get["priority"], "priority", errors) or 0
    rule.valid_from = _date(get["valid_from"], "valid_from", errors) or default_from
    rule.valid_to = _date(get["valid_to"], "valid_to", errors)
    flag = get["auto_dispatch"].lower()
    if flag not in TRUE | FALSE:
        errors["auto_dispatch"] = f"{get['auto_dispatch']!r}: write 1 or 0 (true/false, yes/no, 是/否)"
    rule.auto_dispatch = flag in TRUE
    if get["area"]:
        unit = resolver.unit(get["area"])
        grid = None if unit else resolver.grid(get["area"], rule.valid_from)
        if unit is None and grid is None:
            errors["area"] = f"no unit or grid with code {get['area']}"
        rule.area_unit, rule.area_grid = unit, grid
    if get["target_unit"]:
        rule.target_unit = resolver.unit(get["target_unit"])
        if rule.target_unit is None:
            errors["target_unit"] = f"no unit with code {get['target_unit']}"
    if not errors:
        try:
            check_rule(rule, categories=resolver.categories)
        except ValidationError as exc:
            renamed = {"category_code": "category", "condition_number": "condition", "area_unit": "area"}
            errors.update({renamed.get(f, f): " ".join(m) for f, m in exc.message_dict.items()})
    return rule, errors


def parse_rules(
    rows: Iterable[Mapping[str, Any]], *, default_from: dt.date, first_line: int = 2
) -> list[Rule]:
    """Unsaved rules for every row, or ``ValidationError`` listing every bad line (nothing saved)."""
    resolver = _Resolver()
    rules, problems = [], []
    for line, row in enumerate(rows, start=first_line):
        rule, errors = parse_row(row, resolver, default_from)
        problems += [f"line {line}, {field}: {message}" for field, message in errors.items()]
        rules.append(rule)
    if problems:
        raise ValidationError(problems)
    return rules


def identity(rule: Rule) -> tuple[Any, ...]:
    """What makes two rules the same rule (an identical line imported again changes nothing)."""
    return tuple(getattr(rule, f) for f in IDENTITY)


def stored_identities() -> set[tuple[Any, ...]]:
    return set(Rule.objects.values_list(*IDENTITY))
