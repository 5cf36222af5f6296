"""Snapshots for the audit log are JSON-ready once, and not walked again when recorded."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from cityloop.core import audit
from cityloop.core.audit import Snapshot, as_parts, record, snapshot
from cityloop.core.models import AuditEntry, Unit

pytestmark = pytest.mark.django_db


def test_a_snapshot_is_json_ready_and_passed_through_as_it_is(org, actor):
    unit = Unit.objects.get(code=org.district.code)
    taken = snapshot(unit)
    assert isinstance(taken, Snapshot)
    assert json.loads(json.dumps(taken)) == taken  # dates are ISO text already
    assert isinstance(taken["valid_from"], str)
    assert audit._jsonable(taken) is taken
    # A plain dict is still made JSON-ready, however deep.
    assert audit._jsonable({"at": dt.date(2026, 12, 3), "parts": [{"n": dt.time(8, 30)}]}) == {
        "at": "2026-12-03",
        "parts": [{"n": "08:30:00"}],
    }


def test_an_entry_with_snapshots_and_parts_is_written_as_recorded(org, actor):
    unit = Unit.objects.get(code=org.district.code)
    with audit.action_transaction():
        with as_parts() as parts:
            record(
                actor, "unit.update", unit, before=snapshot(unit, ["name"]), after=snapshot(unit, ["name"])
            )
        after = snapshot(unit, ["code", "valid_from"])
        after["parts"] = parts
        record(actor, "unit.create", unit, after=after)
    entry = AuditEntry.objects.filter(action="unit.create").latest("id")
    assert entry.after == {
        "code": unit.code,
        "valid_from": unit.valid_from.isoformat(),
        "parts": [
            {
                "action": "unit.update",
                "object_type": "core.unit",
                "object_id": str(unit.pk),
                "before": {"name": unit.name},
                "after": {"name": unit.name},
            }
        ],
    }
