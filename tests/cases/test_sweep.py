"""The worker's sweep reaches the cases: lights on the case turn red, and escalation rules urge once."""

from __future__ import annotations

import datetime as dt

from cityloop.cases.actions import submit_report
from cityloop.cases.engine import perform
from cityloop.cases.models import Case
from cityloop.notify.worker import run_sweep
from cityloop.timeclock.calendar_actions import save_calendar_object
from cityloop.timeclock.models import EscalationRule

from .conftest import POINT_A

MONDAY_9 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Shanghai


def dispatched_case(loop) -> Case:
    users = loop.users
    case, _ = submit_report(
        actor=users["supervisor_a"],
        channel="supervisor",
        description="垃圾",
        lon=POINT_A[0],
        lat=POINT_A[1],
        at=MONDAY_9,
    )
    case = perform(
        case, "accept", actor=users["operator"], payload={"category": "0102", "kind": "event"}, at=MONDAY_9
    )
    case = perform(case, "register", actor=users["shift_leader"], payload={"condition": 1}, at=MONDAY_9)
    return perform(
        case, "dispatch", actor=users["dispatcher"], payload={"unit": loop.org.sanitation.code}, at=MONDAY_9
    )


def test_sweep_turns_the_case_red_and_an_escalation_urges_once(loop, actor):
    case = dispatched_case(loop)
    assert case.light == "green" and case.current_step == "dispose"
    deadline = case.deadline_at
    save_calendar_object(
        actor=actor,
        obj=EscalationRule(
            name="超时一个工作日区中心督办",
            step="dispose",
            condition="overdue",
            after_amount=1,
            after_unit="working_day",
            action="urge",
            acting_unit=loop.org.district,
        ),
    )
    run_sweep(deadline - dt.timedelta(minutes=10))
    assert Case.objects.get(pk=case.pk).light == "yellow"
    run_sweep(deadline + dt.timedelta(minutes=5))
    case.refresh_from_db()
    assert case.light == "red" and case.urges_count == 0
    later = deadline + dt.timedelta(days=3)
    run_sweep(later)
    run_sweep(later + dt.timedelta(minutes=1))
    case.refresh_from_db()
    assert case.urges_count == 1
    urge = case.events.get(transition="urge")
    assert urge.data["automatic"] is True and urge.actor.username == "system"
    assert "自动督办" in urge.note
