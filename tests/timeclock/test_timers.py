"""Step timers: start, hold, resume, extend, stop; what is frozen; the audit trail; calendar choice."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from cityloop.core.audit import ActorRequired
from cityloop.core.models import AuditEntry
from cityloop.timeclock import actions, calendar_actions, calendars
from cityloop.timeclock.actions import (
    current_light,
    extend_timer,
    pause_timer,
    resume_timer,
    start_timer,
    stop_timer,
)
from cityloop.timeclock.models import StepTimer, WorkCalendar

from .conftest import at

pytestmark = pytest.mark.django_db


def _start(org: Any, actor: Any, **kw: Any) -> StepTimer:
    options: dict[str, Any] = {
        "actor": actor,
        "subject": ("cases.case", 17),
        "step": "dispose",
        "started_at": at("2026-02-13 16:00"),
        "amount": 4,
        "unit": "working_hour",
        "district": org.district,
        "responsible_unit": org.sanitation,
        "rule_ref": {"condition": "0101", "version": 3},
    }
    return start_timer(**{**options, **kw})


def test_start_computes_deadline_and_warning_moment(org: Any, actor: Any) -> None:
    timer = _start(org, actor)
    assert timer.deadline_at == at("2026-02-14 11:00")
    # 80% of 4 working hours = 3h12m: 1.5 h on Friday, then 1h42m from Saturday 08:30.
    assert timer.warn_at == at("2026-02-14 10:12")
    assert timer.light == "green" and not timer.provisional
    assert timer.district_id == org.district.pk and timer.subject_id == "17"
    assert timer.rule_ref == {"condition": "0101", "version": 3}
    assert timer.calendar is not None and timer.calendar.is_default
    entry = AuditEntry.objects.get(action="timer.start")
    assert entry.object_id == str(timer.pk) and entry.actor_label == "system"


def test_start_refuses_bad_input(org: Any, actor: Any) -> None:
    with pytest.raises(ValidationError, match="more than zero"):
        _start(org, actor, amount=0)
    with pytest.raises(ValidationError, match="unknown time unit"):
        _start(org, actor, unit="weeks")
    with pytest.raises(ValidationError, match="aware"):
        _start(org, actor, started_at=at("2026-02-13 16:00").replace(tzinfo=None))
    with pytest.raises(ActorRequired):
        start_timer(
            subject=("cases.case", 1), step="x", started_at=at("2026-02-13 16:00"), amount=1, unit="hour"
        )  # type: ignore[call-arg]
    _start(org, actor)
    with pytest.raises(ValidationError, match="already running"):
        _start(org, actor)
    assert StepTimer.objects.count() == 1


def test_2027_deadline_is_provisional(org: Any, actor: Any) -> None:
    timer = _start(org, actor, started_at=at("2026-12-31 16:00"), amount=2, unit="working_day")
    assert timer.provisional and timer.deadline_at == at("2027-01-04 16:00")


def test_hold_and_resume_move_the_deadline(org: Any, actor: Any) -> None:
    timer = _start(org, actor, started_at=at("2026-03-02 09:00"))  # deadline Monday 15:00
    assert timer.deadline_at == at("2026-03-02 15:00")
    pause_timer(timer, actor=actor, at=at("2026-03-02 10:00"))
    assert timer.is_paused and timer.deadline_at is None and timer.warn_at is None
    assert current_light(timer, at("2026-03-09 10:00")) == "green"  # frozen while on hold
    with pytest.raises(ValidationError, match="already on hold"):
        pause_timer(timer, actor=actor, at=at("2026-03-02 11:00"))
    resume_timer(timer, actor=actor, at=at("2026-03-03 10:00"))  # 7 working hours on hold
    assert timer.deadline_at == at("2026-03-03 15:00")
    with pytest.raises(ValidationError, match="not on hold"):
        resume_timer(timer, actor=actor, at=at("2026-03-03 11:00"))
    actions_logged = list(
        AuditEntry.objects.filter(object_type="timeclock.steptimer", object_id=str(timer.pk)).values_list(
            "action", flat=True
        )
    )
    assert actions_logged == ["timer.start", "timer.pause", "timer.resume"]


def test_extension_adds_time_and_clears_marks_it_undoes(org: Any, actor: Any) -> None:
    timer = _start(org, actor, started_at=at("2026-03-02 09:00"))
    actions.mark_overdue(timer, actor=actor, now=at("2026-03-02 16:00"))
    timer.refresh_from_db()
    assert timer.light == "red" and timer.overdue_at == at("2026-03-02 15:00")
    extend_timer(timer, actor=actor, amount=7, at=at("2026-03-02 16:00"))
    assert timer.deadline_at == at("2026-03-03 15:00")
    assert timer.extension == 7 and timer.revision == 1
    assert timer.light == "green" and timer.overdue_at is None and timer.warned_at is None
    with pytest.raises(ValidationError, match="more than zero"):
        extend_timer(timer, actor=actor, amount=0)


def test_stop_freezes_the_outcome(org: Any, actor: Any) -> None:
    timer = _start(org, actor, started_at=at("2026-03-02 09:00"))
    stop_timer(timer, actor=actor, at=at("2026-03-02 14:00"))  # 3 working hours of 4
    assert timer.on_time is True and timer.elapsed == 3 and timer.light == "green"
    assert timer.ended_at == at("2026-03-02 14:00")
    with pytest.raises(ValidationError, match="already ended"):
        stop_timer(timer, actor=actor, at=at("2026-03-02 15:00"))
    # The calendar may change later; the frozen figures do not.
    assert current_light(timer, at("2026-04-01 10:00")) == "green"


def test_stop_late_and_at_lunch(org: Any, actor: Any) -> None:
    late = _start(org, actor, started_at=at("2026-03-02 09:00"))
    stop_timer(late, actor=actor, at=at("2026-03-02 16:00"))
    assert late.on_time is False and late.elapsed == 5 and late.light == "red"
    # 3 working hours from 09:00 end at noon; ending at 13:59 used no more working time.
    lunch = _start(org, actor, step="check", started_at=at("2026-03-02 09:00"), amount=3)
    stop_timer(lunch, actor=actor, at=at("2026-03-02 13:59"))
    assert lunch.on_time is True


def test_stop_while_on_hold_closes_the_hold(org: Any, actor: Any) -> None:
    timer = _start(org, actor, started_at=at("2026-03-02 09:00"))
    pause_timer(timer, actor=actor, at=at("2026-03-02 10:00"))
    stop_timer(timer, actor=actor, at=at("2026-03-05 10:00"))
    assert timer.elapsed == 1 and timer.on_time and timer.pauses[-1][1] is not None


def test_the_responsible_units_calendar_applies(org: Any, actor: Any) -> None:
    round_the_clock = calendar_actions.save_calendar_object(
        actor=actor,
        obj=WorkCalendar(
            name="24小时", unit=org.water, all_day=True, weekdays="1234567", follow_holidays=False
        ),
    )
    assert calendars.calendar_id_for_unit(org.water) == round_the_clock.pk
    assert calendars.calendar_id_for_unit(org.street_a) == calendars.state().default_id
    timer = _start(org, actor, responsible_unit=org.water)
    assert timer.calendar_id == round_the_clock.pk
    assert timer.deadline_at == at("2026-02-13 20:00")


def test_a_district_calendar_covers_the_units_under_it(org: Any, actor: Any) -> None:
    district_cal = calendar_actions.save_calendar_object(
        actor=actor,
        obj=WorkCalendar(name="示范区", unit=org.district, periods=[["09:00", "12:00"], ["13:00", "18:00"]]),
    )
    assert calendars.calendar_id_for_unit(org.community_a) == district_cal.pk
    assert calendars.calendar_id_for_unit(org.community_a.pk) == district_cal.pk
    timer = _start(org, actor, started_at=at("2026-03-02 17:00"), responsible_unit=org.street_a)
    assert timer.deadline_at == at("2026-03-03 12:00")


def test_calendar_validation(actor: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        calendar_actions.save_calendar_object(
            actor=actor, obj=WorkCalendar(name="bad", periods=[["12:00", "08:00"]], weekdays="189")
        )
    assert set(exc.value.message_dict) == {"periods", "weekdays"}
