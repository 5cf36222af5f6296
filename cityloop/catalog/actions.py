"""Writes to the catalog: classes and subclasses, registration conditions and step limits.

Each is a domain action (audited, in one transaction). Changing a condition or a step limit never
edits the row in force: it ends that version and starts a new one, so earlier cases keep their rules.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, TextIO

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import Unit, User

from . import standard
from .defaults import default_conditions
from .models import EPOCH, Category, Condition, Kind, Step, StepLimit, Urgency, is_local_code
from .versions import (
    check_condition,
    new_condition,
    resolve_rows,
    revise_version,
    row_values,
)


@domain_action
def load_standard(*, actor: User) -> dict[str, int]:
    """Load the standard catalog shipped with CityLoop, the urgency levels and the default step
    limits. Safe to run again: existing rows are kept (names refreshed), nothing is duplicated."""
    counts = standard.load_standard_data(Category, Urgency, StepLimit)
    record(actor, "catalog.load_standard", object_type="catalog.category", object_id="", after=counts)
    return counts


@domain_action
def import_categories(source: str | Path | TextIO, *, actor: User) -> dict[str, int]:
    """Add or rename classes and subclasses from a file in ``catalog.csv``'s format.

    New codes must be local extensions (classes 07 and up, subclasses 90–99); the whole file is
    refused, with every bad line named, if any line is wrong.
    """
    rows = standard.read_catalog(source)
    known = set(Category.objects.values_list("kind", "code"))
    errors = [
        f"line {r.line}, code: {r.kind} {r.code} is not in the catalog and is not a local code "
        "(local classes are 07 and up, local subclasses 90–99)"
        for r in rows
        if (r.kind, r.code) not in known and not (is_local_code(r.code) or r.code.endswith("99"))
    ]
    if errors:
        raise ValidationError(errors)
    created, updated = standard.sync_catalog(Category, rows)
    counts = {"rows": len(rows), "created": created, "updated": updated}
    record(actor, "catalog.import", object_type="catalog.category", object_id="", after=counts)
    return counts


@domain_action
def add_local_category(
    *,
    actor: User,
    kind: str,
    code: str,
    name: str,
    name_en: str = "",
    valid_from: dt.date | None = None,
) -> Category:
    """Add a local class (07 and up) or a local subclass (90–99 under an existing class)."""
    if kind not in Kind.values:
        raise ValidationError({"kind": f"unknown kind {kind!r}; use component or event"})
    if not (code.isdigit() and len(code) in (2, 4)):
        raise ValidationError({"code": f"{code!r}: a class code has 2 digits, a subclass code 4"})
    if not (is_local_code(code) or (len(code) == 4 and code.endswith("99"))):
        raise ValidationError(
            {
                "code": f"{code} is reserved for the national standard; local classes are 07 and up, "
                "local subclasses 90–98 (99 is 'other')"
            }
        )
    if Category.objects.filter(kind=kind, code=code).exists():
        raise ValidationError({"code": f"{kind} {code} already exists"})
    if not name.strip():
        raise ValidationError({"name": "give the Chinese name"})
    parent = None
    if len(code) == 4:
        parent = Category.objects.filter(kind=kind, code=code[:2]).first()
        if parent is None:
            raise ValidationError({"code": f"there is no {kind} class {code[:2]}; add the class first"})
    category = Category.objects.create(
        kind=kind,
        code=code,
        name=name.strip(),
        name_en=name_en.strip(),
        parent=parent,
        is_local=is_local_code(code),
        valid_from=valid_from or EPOCH,
    )
    record(actor, "category.create", category, after=snapshot(category))
    return category


@domain_action
def rename_category(
    *, actor: User, category: Category, name: str | None = None, name_en: str | None = None
) -> Category:
    """Change the Chinese and/or English name of a class or subclass."""
    before = snapshot(category)
    if name is not None:
        if not name.strip():
            raise ValidationError({"name": "the Chinese name cannot be empty"})
        category.name = name.strip()
    if name_en is not None:
        category.name_en = name_en.strip()
    category.save(update_fields=["name", "name_en"])
    record(actor, "category.rename", category, before=before, after=snapshot(category))
    return category


@domain_action
def set_duplicate_window(
    *, actor: User, category: Category, radius_m: int | None, days: int | None
) -> Category:
    """Set how near (metres) and how close in time (days) two reports of ``category`` must be to be
    offered as likely duplicates; None falls back to the class's window, then the default."""
    before = snapshot(category, ["duplicate_radius_m", "duplicate_days"])
    category.duplicate_radius_m, category.duplicate_days = radius_m, days
    category.full_clean(validate_unique=False, validate_constraints=False)
    category.save(update_fields=["duplicate_radius_m", "duplicate_days"])
    after = snapshot(category, ["duplicate_radius_m", "duplicate_days"])
    record(actor, "category.duplicate_window", category, before=before, after=after)
    return category


@domain_action
def retire_category(*, actor: User, category: Category, on: dt.date) -> Category:
    """Retire a subclass (or a class with all its subclasses) from day ``on``: it can no longer be
    chosen for new cases or components, but everything recorded under it keeps it."""
    if on <= category.valid_from:
        raise ValidationError(
            {"on": f"{category} is in use from {category.valid_from}; retire it after that"}
        )
    before = snapshot(category)
    category.retired_from = on
    category.save(update_fields=["retired_from"])
    if category.is_class:
        category.subclasses.filter(Q(retired_from__isnull=True) | Q(retired_from__gt=on)).update(
            retired_from=on
        )
    record(actor, "category.retire", category, before=before, after=snapshot(category))
    return category


@domain_action
def reinstate_category(*, actor: User, category: Category) -> Category:
    """Undo a retirement (the subclass is in use again with no end date)."""
    before = snapshot(category)
    category.retired_from = None
    category.save(update_fields=["retired_from"])
    record(actor, "category.reinstate", category, before=before, after=snapshot(category))
    return category


@domain_action
def add_condition(
    *,
    actor: User,
    category: Category,
    number: int,
    description: str,
    urgency: Urgency | str,
    limit_amount: int,
    limit_unit: str,
    closure: str = "",
    description_en: str = "",
    closure_en: str = "",
    region: Unit | None = None,
    valid_from: dt.date | None = None,
    source_note: str = "",
) -> Condition:
    """Add registration condition ``number`` to a subclass, in force from ``valid_from`` (today by
    default), for everywhere or only for ``region`` (a district or street)."""
    values = {
        "description": description,
        "description_en": description_en,
        "closure": closure,
        "closure_en": closure_en,
        "urgency": urgency,
        "limit_amount": limit_amount,
        "limit_unit": limit_unit,
        "source_note": source_note,
    }
    condition = new_condition(
        category, number, values, region=region, valid_from=valid_from or timezone.localdate()
    )
    record(actor, "condition.create", condition, after=snapshot(condition))
    return condition


@domain_action
def revise_condition(
    *, actor: User, condition: Condition, on: dt.date | None = None, **changes: Any
) -> Condition:
    """Change a condition from day ``on`` (today by default): the version in force ends and a new
    version starts that day. Cases registered earlier keep the old version."""
    before = snapshot(condition)
    new = revise_version(condition, on or timezone.localdate(), changes)
    record(actor, "condition.revise", new, before=before, after=snapshot(new))
    return new


@domain_action
def end_condition(*, actor: User, condition: Condition, on: dt.date | None = None) -> Condition:
    """Stop a condition from day ``on``: new problems can no longer be registered under it."""
    on = on or timezone.localdate()
    if on <= condition.valid_from:
        raise ValidationError(
            {"on": f"the condition is in force from {condition.valid_from}; end it after that"}
        )
    before = snapshot(condition)
    condition.valid_to = on
    condition.save(update_fields=["valid_to"])
    record(actor, "condition.end", condition, before=before, after=snapshot(condition))
    return condition


@domain_action
def set_step_limit(
    *, actor: User, step: str, urgency: Urgency | str, amount: int, unit: str, on: dt.date | None = None
) -> StepLimit:
    """Set the time limit of a step for an urgency from day ``on`` (today by default); the limit in
    force until then keeps applying to earlier cases."""
    on = on or timezone.localdate()
    if step not in Step.values:
        raise ValidationError({"step": f"unknown step {step!r}; use one of {', '.join(Step.values)}"})
    values = check_condition({"urgency": urgency, "limit_amount": amount, "limit_unit": unit})
    level = values["urgency"]
    current = StepLimit.objects.valid_at(on).filter(step=step, urgency=level).first()
    later = (
        StepLimit.objects.filter(step=step, urgency=level, valid_from__gt=on).order_by("valid_from").first()
    )
    before = snapshot(current) if current else None
    if current is not None and current.valid_from == on:
        raise ValidationError(
            {"on": f"a {step} limit for {level.code} already starts on {on}; pick another day"}
        )
    if current is not None:
        current.valid_to = on
        current.save(update_fields=["valid_to"])
    row = StepLimit.objects.create(
        step=step,
        urgency=level,
        amount=values["limit_amount"],
        unit=values["limit_unit"],
        valid_from=on,
        valid_to=later.valid_from if later else None,
    )
    record(actor, "step_limit.set", row, before=before, after=snapshot(row))
    return row


@domain_action
def import_conditions(
    source: str | Path | TextIO | list[standard.ConditionRow],
    *,
    actor: User,
    valid_from: dt.date | None = None,
) -> dict[str, int]:
    """Load registration conditions from a file in ``conditions-example.csv``'s format, in force from
    ``valid_from`` (today by default). A condition that already exists and differs gets a new version;
    an identical one is left alone. Any bad line refuses the whole file."""
    on = valid_from or timezone.localdate()
    rows = source if isinstance(source, list) else standard.read_conditions(source)
    counts = {"rows": len(rows), "created": 0, "revised": 0, "unchanged": 0}
    for row, cat, region in resolve_rows(rows):
        values = row_values(row)
        current = (
            Condition.objects.valid_at(on).filter(category=cat, number=row.number, region=region).first()
        )
        if current is None:
            new_condition(cat, row.number, values, region=region, valid_from=on)
            counts["created"] += 1
        elif all(
            (current.urgency.code if k == "urgency" else getattr(current, k)) == v for k, v in values.items()
        ):
            counts["unchanged"] += 1
        else:
            revise_version(current, on, values)
            counts["revised"] += 1
    record(actor, "condition.import", object_type="catalog.condition", object_id="", after=counts)
    return counts


@domain_action
def load_demo_conditions(*, actor: User, valid_from: dt.date = EPOCH) -> dict[str, int]:
    """Give every subclass registration conditions: the examples shipped in
    ``conditions-example.csv`` where they exist, sensible defaults by class for the rest (see
    :mod:`cityloop.catalog.defaults`). Conditions that already exist are kept; running it again
    changes nothing."""
    counts = {"from_examples": 0, "defaults": 0}
    for row, cat, region in resolve_rows(standard.read_conditions(standard.CONDITIONS_EXAMPLE_CSV)):
        if Condition.objects.filter(category=cat, number=row.number, region=region).exists():
            continue
        values = row_values(row)
        if not values["closure"]:
            # The example file gives closure conditions in English only; borrow the Chinese wording
            # of the default closure for that kind of subclass.
            defaults = {d.number: d for d in default_conditions(cat)}
            values["closure"] = (defaults.get(row.number) or defaults[1]).closure
        new_condition(cat, row.number, values, region=region, valid_from=valid_from)
        counts["from_examples"] += 1
    has_any = set(Condition.objects.values_list("category_id", flat=True))
    for sub in Category.objects.subclasses().exclude(pk__in=has_any).order_by("kind", "code"):
        for d in default_conditions(sub):
            values = {
                "description": d.description,
                "description_en": d.description_en,
                "closure": d.closure,
                "closure_en": d.closure_en,
                "urgency": d.urgency,
                "limit_amount": d.amount,
                "limit_unit": d.unit,
                "source_note": "CityLoop default",
            }
            new_condition(sub, d.number, values, region=None, valid_from=valid_from)
            counts["defaults"] += 1
    record(actor, "condition.load_demo", object_type="catalog.condition", object_id="", after=counts)
    return counts


@domain_action
def save_urgency(
    *, actor: User, code: str, name: str, name_en: str = "", counts_clock_time: bool = False, order: int = 0
) -> Urgency:
    """Add an urgency level or change one (by code). Urgent levels count clock time."""
    if not code.strip() or not name.strip():
        raise ValidationError({"code": "give a code and a name for the urgency level"})
    urgency = Urgency.objects.filter(code=code.strip()).first()
    before = snapshot(urgency) if urgency else None
    if urgency is None:
        urgency = Urgency(code=code.strip())
    urgency.name, urgency.name_en = name.strip(), name_en.strip()
    urgency.counts_clock_time, urgency.order = counts_clock_time, order
    urgency.save()
    record(actor, "urgency.save", urgency, before=before, after=snapshot(urgency))
    return urgency
