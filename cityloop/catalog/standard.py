"""The standard catalog shipped with the package, and the parsing of catalog and condition files.

The functions that write take the model classes as arguments so the data migration can run them with
its historical models; :mod:`cityloop.catalog.actions` wraps them in audited actions.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from django.core.exceptions import ValidationError

DATA_DIR = Path(__file__).resolve().parent / "data"
STANDARD_CSV = DATA_DIR / "catalog.csv"
CONDITIONS_EXAMPLE_CSV = DATA_DIR / "conditions-example.csv"
EPOCH = dt.date(2000, 1, 1)

CATALOG_COLUMNS = ("kind", "code", "name_zh", "name_en", "class_code", "class_name_zh")
CONDITION_COLUMNS = (
    "kind",
    "code",
    "condition_no",
    "registration_condition_zh",
    "urgency",
    "time_limit",
    "time_unit",
)

# code, name, English name, counts clock time, order
URGENCIES: tuple[tuple[str, str, str, bool, int], ...] = (
    ("urgent", "紧急", "urgent", True, 10),
    ("normal", "一般", "normal", False, 20),
)

# step → urgency → (amount, unit). Minutes count working time for normal cases and clock time for
# urgent ones (the urgency decides); the check step of a normal case allows two working hours.
DEFAULT_STEP_LIMITS: dict[str, dict[str, tuple[int, str]]] = {
    "accept": {"normal": (30, "minute"), "urgent": (10, "minute")},
    "verify": {"normal": (30, "minute"), "urgent": (10, "minute")},
    "register": {"normal": (30, "minute"), "urgent": (10, "minute")},
    "dispatch": {"normal": (30, "minute"), "urgent": (10, "minute")},
    "send_check": {"normal": (30, "minute"), "urgent": (10, "minute")},
    "check": {"normal": (2, "working_hour"), "urgent": (1, "hour")},
    "close": {"normal": (1, "working_hour"), "urgent": (30, "minute")},
}

UNIT_ALIASES = {
    "minute": "minute",
    "minutes": "minute",
    "min": "minute",
    "分钟": "minute",
    "working_hour": "working_hour",
    "working_hours": "working_hour",
    "工作时": "working_hour",
    "工作小时": "working_hour",
    "hour": "hour",
    "hours": "hour",
    "clock_hour": "hour",
    "小时": "hour",
    "working_day": "working_day",
    "working_days": "working_day",
    "工作日": "working_day",
    "calendar_day": "calendar_day",
    "calendar_days": "calendar_day",
    "day": "calendar_day",
    "自然日": "calendar_day",
    "天": "calendar_day",
}


def normalise_unit(value: str) -> str:
    """The canonical time unit for a spelling found in files (``clock_hour`` → ``hour`` …)."""
    unit = UNIT_ALIASES.get(value.strip().lower())
    if unit is None:
        raise ValidationError(
            {
                "time_unit": f"unknown time unit {value!r}; use minute, working_hour, hour (clock hours), "
                "working_day or calendar_day"
            }
        )
    return unit


@dataclass(frozen=True)
class CatalogRow:
    """One line of a catalog file: a class (2-digit code) or a subclass (4-digit code)."""

    line: int
    kind: str
    code: str
    name: str
    name_en: str
    class_code: str
    class_name: str


@dataclass(frozen=True)
class ConditionRow:
    """One line of a conditions file."""

    line: int
    kind: str
    code: str
    number: int
    description: str
    description_en: str
    urgency: str
    limit_amount: int
    limit_unit: str
    closure: str
    closure_en: str
    source_note: str
    region: str


def _open(source: str | Path | TextIO) -> TextIO:
    if isinstance(source, str | Path):
        return io.StringIO(Path(source).read_text(encoding="utf-8-sig"))
    return source


def _reader(source: str | Path | TextIO, required: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(_open(source))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise ValidationError({"file": f"missing column(s) {', '.join(missing)} in the header line"})
    for row in reader:
        # The header is line 1, so the first data row is line 2.
        yield reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}


def read_catalog(source: str | Path | TextIO) -> list[CatalogRow]:
    """Parse a file in ``catalog.csv``'s format; every bad line is reported (line, field, reason)."""
    rows: list[CatalogRow] = []
    errors: list[str] = []
    for line, raw in _reader(source, CATALOG_COLUMNS):
        code, class_code, kind = raw["code"], raw["class_code"], raw["kind"]
        problems = []
        if kind not in {"component", "event"}:
            problems.append(f"kind: {kind!r} is neither component nor event")
        if not (code.isdigit() and len(code) in (2, 4)):
            problems.append(f"code: {code!r} must be 2 digits (class) or 4 digits (subclass)")
        elif code[:2] != class_code:
            problems.append(f"class_code: {class_code!r} does not match the first two digits of {code}")
        if not raw["name_zh"]:
            problems.append("name_zh: the Chinese name is empty")
        errors += [f"line {line}, {p}" for p in problems]
        if not problems:
            rows.append(
                CatalogRow(line, kind, code, raw["name_zh"], raw["name_en"], class_code, raw["class_name_zh"])
            )
    if errors:
        raise ValidationError(errors)
    return rows


def read_conditions(source: str | Path | TextIO) -> list[ConditionRow]:
    """Parse a file in ``conditions-example.csv``'s format (optional columns: ``closure_condition_zh``,
    ``region``); every bad line is reported."""
    rows: list[ConditionRow] = []
    errors: list[str] = []
    for line, raw in _reader(source, CONDITION_COLUMNS):
        problems = []
        number = raw["condition_no"]
        amount = raw["time_limit"]
        if raw["kind"] not in {"component", "event"}:
            problems.append(f"kind: {raw['kind']!r} is neither component nor event")
        if not (raw["code"].isdigit() and len(raw["code"]) == 4):
            problems.append(f"code: {raw['code']!r} must be a 4-digit subclass code")
        if not number.isdigit() or int(number) < 1:
            problems.append(f"condition_no: {number!r} must be a whole number from 1")
        if not amount.isdigit() or int(amount) < 1:
            problems.append(f"time_limit: {amount!r} must be a whole number from 1")
        if not raw["registration_condition_zh"]:
            problems.append("registration_condition_zh: the condition text is empty")
        unit = ""
        try:
            unit = normalise_unit(raw["time_unit"])
        except ValidationError:
            problems.append(f"time_unit: unknown unit {raw['time_unit']!r}")
        errors += [f"line {line}, {p}" for p in problems]
        if not problems:
            rows.append(
                ConditionRow(
                    line=line,
                    kind=raw["kind"],
                    code=raw["code"],
                    number=int(number),
                    description=raw["registration_condition_zh"],
                    description_en=raw.get("registration_condition_en", ""),
                    urgency=raw["urgency"],
                    limit_amount=int(amount),
                    limit_unit=unit,
                    closure=raw.get("closure_condition_zh", ""),
                    closure_en=raw.get("closure_condition_en", ""),
                    source_note=raw.get("source_note", ""),
                    region=raw.get("region", ""),
                )
            )
    if errors:
        raise ValidationError(errors)
    return rows


def sync_catalog(category_model: Any, rows: Iterable[CatalogRow]) -> tuple[int, int]:
    """Create the classes and subclasses of ``rows`` that are missing and refresh the names of those
    that exist. Returns (created, updated). Retirement dates are left alone."""
    from .models import is_local_code

    created = updated = 0
    rows = sorted(rows, key=lambda r: (r.kind, len(r.code), r.code))  # classes before their subclasses
    existing = {(c.kind, c.code): c for c in category_model.objects.all()}
    for row in rows:
        parent = None
        if len(row.code) == 4:
            parent = existing.get((row.kind, row.class_code))
            if parent is None:
                parent = category_model.objects.create(
                    kind=row.kind,
                    code=row.class_code,
                    name=row.class_name or row.class_code,
                    is_local=is_local_code(row.class_code),
                    valid_from=EPOCH,
                )
                existing[(row.kind, row.class_code)] = parent
                created += 1
        current = existing.get((row.kind, row.code))
        if current is None:
            existing[(row.kind, row.code)] = category_model.objects.create(
                kind=row.kind,
                code=row.code,
                name=row.name,
                name_en=row.name_en,
                parent=parent,
                is_local=is_local_code(row.code),
                valid_from=EPOCH,
            )
            created += 1
        elif (current.name, current.name_en) != (row.name, row.name_en or current.name_en):
            current.name, current.name_en = row.name, row.name_en or current.name_en
            current.save(update_fields=["name", "name_en"])
            updated += 1
    return created, updated


def sync_urgencies(urgency_model: Any) -> int:
    """Create the standard urgency levels that are missing. Returns how many were created."""
    created = 0
    for code, name, name_en, clock, order in URGENCIES:
        _, made = urgency_model.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "counts_clock_time": clock, "order": order}
        )
        created += made
    return created


def sync_step_limits(step_limit_model: Any, urgency_model: Any) -> int:
    """Create the default step limit for each (step, urgency) that has none at all yet."""
    created = 0
    urgencies = {u.code: u for u in urgency_model.objects.all()}
    for step, by_urgency in DEFAULT_STEP_LIMITS.items():
        for code, (amount, unit) in by_urgency.items():
            urgency = urgencies.get(code)
            if urgency is None or step_limit_model.objects.filter(step=step, urgency=urgency).exists():
                continue
            step_limit_model.objects.create(
                step=step, urgency=urgency, amount=amount, unit=unit, valid_from=EPOCH
            )
            created += 1
    return created


def load_standard_data(category_model: Any, urgency_model: Any, step_limit_model: Any) -> dict[str, int]:
    """Everything a fresh installation needs: the standard catalog, urgencies and step limits."""
    created, updated = sync_catalog(category_model, read_catalog(STANDARD_CSV))
    return {
        "categories_created": created,
        "categories_updated": updated,
        "urgencies_created": sync_urgencies(urgency_model),
        "step_limits_created": sync_step_limits(step_limit_model, urgency_model),
    }
