"""Inspection rounds: planning, progress, done when every party is inspected, cancelling."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cityloop.frontage.inspections import cancel_round, checklist_for, plan_round, progress, record_inspection
from cityloop.frontage.models import RoundStatus

from .docs_fixtures import ticks

DAY = dt.date(2026, 3, 2)


def plan(org, shops, **kw):
    args = {
        "actor": org.users["street_a_manager"],
        "street": org.street_a,
        "title": "三月第一周巡查",
        "planned_on": DAY,
        "inspector": org.users["supervisor_a"],
        "parties": [shops["noodle"], shops["pharmacy"]],
    }
    return plan_round(**{**args, **kw})


def test_round_is_done_when_all_its_parties_are_inspected(org, shops):
    planned = plan(org, shops)
    assert progress(planned) == (0, 2)
    inspector = org.users["supervisor_a"]
    record_inspection(actor=inspector, party=shops["noodle"], ticks=ticks(), plan=planned)
    assert progress(planned) == (1, 2)
    record_inspection(actor=inspector, party=shops["pharmacy"], ticks=ticks(), plan=planned)
    planned.refresh_from_db()
    assert planned.status == RoundStatus.DONE
    with pytest.raises(ValidationError):
        record_inspection(actor=inspector, party=shops["pharmacy"], ticks=ticks(), plan=planned)


def test_round_refusals(org, shops):
    with pytest.raises(PermissionDenied):
        plan(org, shops, actor=org.users["street_b_manager"])
    with pytest.raises(PermissionDenied):
        plan(org, shops, actor=org.users["supervisor_a"])
    with pytest.raises(ValidationError) as exc:
        plan(org, shops, parties=[shops["flower"]])
    assert "parties" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        plan(org, shops, inspector=org.users["street_b_manager"])
    assert "inspector" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        plan(org, shops, title="")
    assert "title" in exc.value.message_dict


def test_party_outside_the_round_and_cancel(org, shops):
    planned = plan(org, shops, parties=[shops["noodle"]])
    with pytest.raises(ValidationError):
        record_inspection(
            actor=org.users["street_a_manager"], party=shops["pharmacy"], ticks=ticks(), plan=planned
        )
    with pytest.raises(PermissionDenied):
        cancel_round(actor=org.users["street_b_manager"], plan=planned, reason="雨天")
    cancel_round(actor=org.users["street_a_manager"], plan=planned, reason="雨天")
    assert planned.status == RoundStatus.CANCELLED
    with pytest.raises(ValidationError):
        cancel_round(actor=org.users["street_a_manager"], plan=planned, reason="雨天")


def test_checklist_follows_the_zone_duties(org, shops):
    assert len(checklist_for(shops["noodle"], DAY)) == 10
