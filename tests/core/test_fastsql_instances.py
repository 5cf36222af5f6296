"""fastsql.build: a new row's instance made without Model.__init__ must be the ORM's instance."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.db.models.signals import post_init, pre_init
from django.test.utils import CaptureQueriesContext

from cityloop.cases.models import CaseEvent, CaseStep
from cityloop.core import fastsql
from cityloop.core.models import AuditEntry
from cityloop.timeclock.models import StepTimer

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _timer_values(org: Any) -> dict[str, Any]:
    return {
        "subject_type": "cases.case",
        "subject_id": "41",
        "district_id": org.district.pk,
        "responsible_unit": org.water,
        "step": "dispose",
        "started_at": START,
        "limit_amount": 2.5,
        "limit_unit": "working_day",
        "rule_ref": {"source": "condition"},
    }


def _same(built: Any, orm: Any) -> None:
    assert type(built) is type(orm)
    ours, theirs = dict(vars(built)), dict(vars(orm))
    ours_state, their_state = ours.pop("_state"), theirs.pop("_state")
    assert ours.keys() == theirs.keys()
    for name, value in ours.items():
        if isinstance(value, dt.datetime) and value != START:  # a default of "now": made a moment apart
            assert abs(value - theirs[name]) < dt.timedelta(seconds=5)
        else:
            assert value == theirs[name], name
    assert (ours_state.adding, ours_state.db) == (their_state.adding, their_state.db)
    assert ours_state.adding
    assert ours_state.fields_cache == their_state.fields_cache


def test_built_instances_are_the_orms(org, actor):
    _same(fastsql.build(StepTimer, **_timer_values(org)), StepTimer(**_timer_values(org)))
    event = {"seq": 3, "transition": "dispatch", "actor": actor, "actor_unit": None, "at": START}
    _same(fastsql.build(CaseEvent, **event), CaseEvent(**event))
    entry = {"actor": actor, "actor_label": actor.username, "action": "test.build", "after": {"a": 1}}
    _same(fastsql.build(AuditEntry, **entry), AuditEntry(**entry))


def test_related_objects_are_kept_both_ways_for_a_one_to_one(org, actor):
    timer = fastsql.build(StepTimer, **_timer_values(org))
    fastsql.insert(timer)
    with CaptureQueriesContext(connection) as queries:
        step = fastsql.build(CaseStep, step="dispose", timer=timer, started_by=actor, started_at=START)
        assert step.timer is timer and step.timer_id == timer.pk
        assert step.started_by is actor and step.started_by_id == actor.pk
        assert timer.responsible_unit is org.water
    assert not queries.captured_queries
    orm_timer = StepTimer.objects.get(pk=timer.pk)
    orm_step = CaseStep(step="dispose", timer=orm_timer, started_by=actor, started_at=START)
    # The timer knows its step, under the same (hidden) name as the ORM keeps it.
    assert orm_timer._state.fields_cache["+"] is orm_step
    assert timer._state.fields_cache["+"] is step
    assert vars(step).keys() == vars(orm_step).keys()


def test_defaults_are_fresh_for_each_instance(org):
    first = fastsql.build(StepTimer, **{**_timer_values(org), "rule_ref": None})
    second = fastsql.build(StepTimer, step="accept")
    assert first.pauses == [] and second.pauses == [] and first.pauses is not second.pauses
    assert second.revision == StepTimer._meta.get_field("revision").get_default()
    assert second.started_at is None and second.pk is None


@pytest.mark.parametrize(
    ("values", "error"),
    [
        ({"stepp": "dispose"}, TypeError),  # no such field
        ({"responsible_unit": "water"}, ValueError),  # not a unit
    ],
)
def test_what_the_orm_refuses_is_refused_with_its_error(values, error):
    with pytest.raises(error):
        StepTimer(**values)
    with pytest.raises(error):
        fastsql.build(StepTimer, **values)


def test_a_field_given_both_ways_is_left_to_the_orm(org):
    values = {"district": org.district, "district_id": org.street_a.pk, "step": "accept"}
    assert (
        fastsql.build(StepTimer, **values).district_id == StepTimer(**values).district_id == org.street_a.pk
    )


@pytest.mark.parametrize("signal", [pre_init, post_init])
def test_instances_somebody_listens_for_are_made_by_the_orm(org, signal):
    seen: list[Any] = []

    def note(sender: Any, **kwargs: Any) -> None:
        seen.append(sender)

    signal.connect(note, sender=StepTimer)
    try:
        timer = fastsql.build(StepTimer, **_timer_values(org))
    finally:
        signal.disconnect(note, sender=StepTimer)
    assert seen == [StepTimer]
    assert timer.responsible_unit_id == org.water.pk


def test_models_with_their_own_from_db_are_made_by_the_orm():
    class Loaded(StepTimer):
        @classmethod
        def from_db(cls, db: Any, field_names: Any, values: Any) -> Any:
            return super().from_db(db, field_names, values)

        class Meta:
            proxy = True
            app_label = "timeclock"

    assert fastsql.instances.watched(Loaded)
    assert not fastsql.instances.watched(StepTimer)
    assert isinstance(fastsql.build(Loaded, step="accept"), Loaded)
