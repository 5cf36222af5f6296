"""Writes to the component inventory: bulk import (idempotent upsert by ID), single records and edits.

Each is a domain action. An import writes one audit entry with its counts rather than one per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import User

from .bulk import refresh_statistics, widen_cache
from .importing import (
    BATCH_SIZE,
    UNIT_FIELDS,
    ComponentImportReport,
    Parsed,
    Resolver,
    RowError,
    locate_batch,
    write_batch,
)
from .models import Component, ComponentState

# After a large import the planner needs fresh statistics to keep using the H3 index for nearby queries.
ANALYZE_AFTER_ROWS = 10_000
EDITABLE = {"authority", "owner", "maintainer", "state", "source", "note", "lon", "lat", "geometry"}


@domain_action
def import_components(
    rows: Iterable[Mapping[str, Any]],
    *,
    actor: User,
    skip_invalid: bool = False,
    progress: bool = False,
    total: int | None = None,
    today: dt.date | None = None,
) -> ComponentImportReport:
    """Create or update components from rows (dicts with the columns of
    :data:`cityloop.assets.files.COLUMNS`), matched by their 16-digit ID.

    Every rejected row is reported with its position (``_where`` in the row, else "row N"), field and
    reason. If any row is bad nothing changes, unless ``skip_invalid``: then the good rows are
    imported. Importing the same rows again changes nothing. ``today`` (default: today) is the day
    IDs and grids are checked for and the date given to rows that carry no dates.
    """
    today = today or timezone.localdate()
    report = ComponentImportReport(skip_invalid=skip_invalid)
    resolver = Resolver(today)
    widen_cache()
    iterator = iter(rows)
    bar = tqdm(total=total, disable=not progress, unit=" rows", unit_scale=True, desc="components")
    position = 0
    while chunk := list(islice(iterator, BATCH_SIZE)):
        batch: list[Parsed] = []
        errors: list[RowError] = []
        for row in chunk:
            position += 1
            parsed, row_errors = resolver.parse(row, str(row.get("_where") or f"row {position}"))
            errors += row_errors
            if parsed is not None:
                batch.append(parsed)
        errors += locate_batch(batch, today)
        bad = {e.where for e in errors}
        batch = [p for p in batch if p.where not in bad]
        report.errors += errors
        report.total += len(chunk)
        # After the first bad row (without skip_invalid) nothing more is written, but every remaining
        # row is still checked so the report lists them all.
        if skip_invalid or not report.errors:
            write_batch(batch, today, report)
        bar.update(len(chunk))
    bar.close()
    if report.errors and not skip_invalid:
        report.applied = False
        transaction.set_rollback(True)
        return report
    if report.created + report.updated >= ANALYZE_AFTER_ROWS:
        refresh_statistics()
    record(actor, "component.import", object_type="assets.component", object_id="", after=report.counts())
    return report


def _raise_for(errors: list[RowError]) -> None:
    if errors:
        by_field: dict[str, list[str]] = {}
        for error in errors:
            by_field.setdefault(error.field, []).append(error.reason)
        raise ValidationError(by_field)


@domain_action
def record_component(*, actor: User, today: dt.date | None = None, **fields: Any) -> Component:
    """Record one new component (fields as in an import row: ``id``, ``owner`` code, ``lon``, ``lat``
    …). Raises ``ValidationError`` per field when something is wrong or the ID is taken."""
    today = today or timezone.localdate()
    code = str(fields.get("id", "")).strip()
    if Component.objects.filter(code=code).exists():
        raise ValidationError({"id": f"component {code} already exists"})
    resolver = Resolver(today)
    parsed, errors = resolver.parse(fields, "form")
    _raise_for(errors)
    assert parsed is not None
    _raise_for(locate_batch([parsed], today))
    first = parsed.first_recorded or today
    component = Component.objects.create(
        code=code, first_recorded=first, changed=parsed.changed or first, **parsed.values
    )
    record(actor, "component.create", component, after=snapshot(component))
    return component


@domain_action
def update_component(
    *, actor: User, component: Component, on: dt.date | None = None, **changes: Any
) -> Component:
    """Change a component's owner, maintenance unit, authority (unit codes or names; '' for none),
    state, source, note or location (``lon``/``lat`` or ``geometry``; the grid follows). The changed
    date becomes ``on`` (today by default)."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationError(
            dict.fromkeys(sorted(unknown), "this field cannot be changed; re-code the component")
        )
    on = on or timezone.localdate()
    before = snapshot(component)
    row: dict[str, Any] = {
        "id": component.code,
        **{f: getattr(component, f).code if getattr(component, f"{f}_id") else "" for f in UNIT_FIELDS},
        "state": component.state.code,
        "source": component.source,
        "note": component.note,
        "lon": component.lon,
        "lat": component.lat,
        "_geometry": shapely_or_none(component),
        "first_recorded": component.first_recorded.isoformat(),
    }
    if ("lon" in changes) != ("lat" in changes):
        raise ValidationError({"lon/lat": "give both lon and lat to move a component"})
    if "geometry" in changes or "lon" in changes:
        row.update(lon="", lat="", _geometry=None)
    row.update({k: ("" if v is None else v) for k, v in changes.items()})
    if "geometry" in changes:
        row["_geometry"], row["geometry"] = changes["geometry"], ""
    # The ID is judged as of the day the component was recorded: a since-retired subclass keeps its
    # components, and they stay editable.
    parsed, errors = Resolver(on, ids_on=component.first_recorded).parse(row, "form")
    _raise_for(errors)
    assert parsed is not None
    _raise_for(locate_batch([parsed], on))
    for name, value in parsed.values.items():
        setattr(component, name, value)
    component.changed = on
    component.save()
    record(actor, "component.update", component, before=before, after=snapshot(component))
    return component


def shapely_or_none(component: Component) -> Any:
    return component.geometry if component.geom_wkb else None


@domain_action
def save_component_state(
    *, actor: User, code: str, name: str, name_en: str = "", order: int = 0
) -> ComponentState:
    """Add a component state or rename one (by code)."""
    if not code.strip() or not name.strip():
        raise ValidationError({"code": "give a code and a name for the state"})
    state = ComponentState.objects.filter(code=code.strip()).first()
    before = snapshot(state) if state else None
    state = state or ComponentState(code=code.strip())
    state.name, state.name_en, state.order = name.strip(), name_en.strip(), order
    state.save()
    record(actor, "component_state.save", state, before=before, after=snapshot(state))
    return state


# The states of GB/T 30428.2 (the migration loads the same ones).
STANDARD_STATES = (
    ("intact", "完好", "intact", 10),
    ("damaged", "破损", "damaged", 20),
    ("missing", "丢失", "missing", 30),
    ("occupied", "占用", "occupied", 40),
)


@domain_action
def load_standard_states(*, actor: User) -> int:
    """Create the standard component states that are missing (after a flush, say); returns how many."""
    created = 0
    for code, name, name_en, order in STANDARD_STATES:
        _, made = ComponentState.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "order": order}
        )
        created += made
    if created:
        record(
            actor,
            "component_state.load_standard",
            object_type="assets.componentstate",
            object_id="",
            after={"created": created},
        )
    return created
