"""Units as the case loop reads them (core.units): kept per process, checked against the units'
counter on every read, so a change committed anywhere is seen on the next read."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from cityloop.core.actions import update_unit
from cityloop.core.models import SharedVersion, Unit
from cityloop.core.units import UNITS, units_by_id

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_kept_unit_costs_one_small_read_and_unknown_ids_are_left_out(org: Any) -> None:
    units_by_id([org.street_a.pk])
    with CaptureQueriesContext(connection) as asked:
        found = units_by_id([org.street_a.pk, None, 10**9])
    assert list(found) == [org.street_a.pk]
    assert len(asked.captured_queries) == 2  # the counter, and the id nobody knows
    assert "core_sharedversion" in asked.captured_queries[0]["sql"]


def test_a_unit_changed_through_its_action_is_seen_at_once(org: Any, actor: Any) -> None:
    assert units_by_id([org.street_a.pk])[org.street_a.pk].name == "东街道"
    update_unit(actor=actor, unit=Unit.objects.get(pk=org.street_a.pk), name="东城街道")
    assert units_by_id([org.street_a.pk])[org.street_a.pk].name == "东城街道"


def test_a_unit_changed_by_another_process_is_seen_on_the_next_read(org: Any) -> None:
    before = units_by_id([org.street_a.pk])[org.street_a.pk]
    # What another process's save does: the row and the counter, in one transaction of its own.
    Unit.objects.filter(pk=org.street_a.pk).update(path="/moved/")
    moved = SharedVersion.objects.filter(name=UNITS.name).update(counter=F("counter") + 1)
    assert moved == 1
    after = units_by_id([org.street_a.pk])[org.street_a.pk]
    assert after.path == "/moved/" and after is not before
