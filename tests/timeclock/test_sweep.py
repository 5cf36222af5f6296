"""The worker's sweep: lights turn yellow and red, notices go out once, escalations fire once."""

from __future__ import annotations

import json
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from cityloop.notify.models import InboxMessage, Outbox
from cityloop.notify.worker import run_sweep
from cityloop.timeclock import actions, calendar_actions, signals
from cityloop.timeclock.models import Escalation, EscalationRule, StepTimer
from cityloop.timeclock.sweep import sweep_timers

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def timer(org: Any, actor: Any) -> StepTimer:
    """Monday 2 March 09:00, 4 working hours: yellow from 12:12+2h = 14:12, red after 15:00."""
    return actions.start_timer(
        actor=actor,
        subject=("cases.case", 7),
        step="dispose",
        started_at=at("2026-03-02 09:00"),
        amount=4,
        unit="working_hour",
        district=org.district,
        responsible_unit=org.water,
    )


def _kinds() -> list[str]:
    return list(Outbox.objects.order_by("id").values_list("kind", flat=True))


def _inbox(user: Any) -> list[str]:
    return list(InboxMessage.objects.filter(user=user).order_by("id").values_list("kind", flat=True))


def test_yellow_then_red_each_noticed_once(org: Any, timer: StepTimer) -> None:
    assert timer.warn_at == at("2026-03-02 14:12")
    assert run_sweep(at("2026-03-02 14:00"))["timers"] == {"warned": 0, "overdue": 0, "escalated": 0}
    result = run_sweep(at("2026-03-02 14:30"))
    assert result["timers"]["warned"] == 1
    assert result["deliver"]["dispatched"] == 1
    timer.refresh_from_db()
    assert timer.light == "yellow" and timer.warned_at == at("2026-03-02 14:12")
    run_sweep(at("2026-03-02 14:40"))
    assert _kinds() == ["timeclock.warning"]
    assert _inbox(org.users["water_handler"]) == ["timeclock.warning"]

    result = run_sweep(at("2026-03-02 15:30"))
    assert result["timers"]["overdue"] == 1
    run_sweep(at("2026-03-02 16:00"))
    timer.refresh_from_db()
    assert timer.light == "red" and timer.overdue_at == at("2026-03-02 15:00")
    assert _kinds() == ["timeclock.warning", "timeclock.overdue"]
    assert _inbox(org.users["water_handler"]) == ["timeclock.warning", "timeclock.overdue"]
    # The district hears about the overdue step, not about the warning.
    assert _inbox(org.users["leader"]) == ["timeclock.overdue"]
    message = InboxMessage.objects.get(user=org.users["leader"])
    assert "超时" in message.title and message.subject_id == "7"


def test_a_timer_found_already_red_is_not_warned_too(timer: StepTimer) -> None:
    run_sweep(at("2026-03-03 10:00"))
    timer.refresh_from_db()
    assert timer.light == "red" and timer.warned_at is not None
    assert _kinds() == ["timeclock.overdue"]


def test_held_and_stopped_timers_are_left_alone(org: Any, actor: Any, timer: StepTimer) -> None:
    actions.pause_timer(timer, actor=actor, at=at("2026-03-02 10:00"))
    other = actions.start_timer(
        actor=actor,
        subject=("cases.case", 8),
        step="dispose",
        started_at=at("2026-03-02 09:00"),
        amount=1,
        unit="working_hour",
    )
    actions.stop_timer(other, actor=actor, at=at("2026-03-02 09:30"))
    assert run_sweep(at("2026-03-09 10:00"))["timers"] == {"warned": 0, "overdue": 0, "escalated": 0}
    assert _kinds() == []


def test_extension_after_overdue_sends_fresh_notices_for_the_new_deadline(
    actor: Any, timer: StepTimer
) -> None:
    run_sweep(at("2026-03-02 16:00"))
    actions.extend_timer(timer, actor=actor, amount=7, at=at("2026-03-02 16:00"))
    assert timer.deadline_at == at("2026-03-03 15:00")
    run_sweep(at("2026-03-02 17:00"))
    assert _kinds() == ["timeclock.overdue"]
    run_sweep(at("2026-03-03 16:00"))
    assert _kinds() == ["timeclock.overdue", "timeclock.overdue"]
    keys = list(Outbox.objects.order_by("id").values_list("dedupe_key", flat=True))
    assert keys == [f"timer:{timer.pk}:r0:overdue", f"timer:{timer.pk}:r1:overdue"]


@pytest.fixture
def urge_rule(org: Any, actor: Any) -> EscalationRule:
    return calendar_actions.save_calendar_object(
        actor=actor,
        obj=EscalationRule(
            name="红灯超一个工作日自动督办",
            step="dispose",
            subject_type="cases.case",
            condition="overdue",
            after_amount=1,
            after_unit="working_day",
            action="urge",
            acting_unit=org.district,
        ),
    )


@pytest.fixture
def received() -> Iterator[list[dict[str, Any]]]:
    calls: list[dict[str, Any]] = []

    def receiver(sender: Any, **kwargs: Any) -> None:
        calls.append(kwargs)

    signals.escalation_due.connect(receiver, dispatch_uid="test-escalation")
    yield calls
    signals.escalation_due.disconnect(dispatch_uid="test-escalation")


def test_escalation_fires_once_after_a_working_day_red(
    org: Any, timer: StepTimer, urge_rule: EscalationRule, received: list[dict[str, Any]]
) -> None:
    run_sweep(at("2026-03-02 16:00"))  # red since 15:00 Monday
    assert run_sweep(at("2026-03-03 14:59"))["timers"]["escalated"] == 0
    assert run_sweep(at("2026-03-03 15:01"))["timers"]["escalated"] == 1
    assert run_sweep(at("2026-03-03 16:00"))["timers"]["escalated"] == 0
    assert len(received) == 1 and received[0]["timer"].pk == timer.pk and received[0]["rule"] == urge_rule
    escalation = Escalation.objects.get()
    assert escalation.action == "urge" and escalation.acting_unit == org.district
    assert escalation.due_at == at("2026-03-03 15:00")
    assert _inbox(org.users["leader"]) == ["timeclock.overdue", "timeclock.escalation"]


def test_a_failing_receiver_rolls_back_and_is_retried(timer: StepTimer, urge_rule: EscalationRule) -> None:
    attempts: list[int] = []

    def flaky(sender: Any, **kwargs: Any) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("cases app hiccup")

    signals.escalation_due.connect(flaky, dispatch_uid="test-flaky")
    try:
        run_sweep(at("2026-03-02 16:00"))
        assert run_sweep(at("2026-03-03 16:00"))["timers"]["escalated"] == 0
        assert not Escalation.objects.exists()
        assert run_sweep(at("2026-03-03 16:01"))["timers"]["escalated"] == 1
    finally:
        signals.escalation_due.disconnect(dispatch_uid="test-flaky")
    assert Escalation.objects.count() == 1 and len(attempts) == 2


def test_rules_outside_their_scope_do_not_fire(org: Any, actor: Any, timer: StepTimer) -> None:
    calendar_actions.save_calendar_object(
        actor=actor,
        obj=EscalationRule(
            name="核查超时", step="check", condition="overdue", action="urge", acting_unit=org.district
        ),
    )
    run_sweep(at("2026-03-02 16:00"))
    assert run_sweep(at("2026-03-10 16:00"))["timers"]["escalated"] == 0


def test_a_sweep_cut_short_is_finished_by_the_next(org: Any, timer: StepTimer) -> None:
    # The lights and the outbox were written, then the worker died before delivering anything.
    sweep_timers(at("2026-03-02 16:00"))
    assert Outbox.objects.get().status == "pending" and not InboxMessage.objects.exists()
    run_sweep(at("2026-03-02 16:01"))
    assert _inbox(org.users["water_handler"]) == ["timeclock.overdue"]
    assert Outbox.objects.get().status == "dispatched"


def test_worker_once_command(org: Any, timer: StepTimer) -> None:
    out = StringIO()
    call_command("worker", "--once", "--now", "2026-03-02T16:00+08:00", stdout=out)
    result = json.loads(out.getvalue())
    assert result["timers"]["overdue"] == 1 and result["deliver"]["dispatched"] == 1
    assert _inbox(org.users["water_handler"]) == ["timeclock.overdue"]
