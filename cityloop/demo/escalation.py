"""The demo districts' escalation rules: overdue steps get urged (督办) by each district's command centre."""

from __future__ import annotations

from cityloop.core.models import User
from cityloop.timeclock.calendar_actions import save_calendar_object
from cityloop.timeclock.models import EscalationRule

from .city import DemoCity


def escalation_step(city: DemoCity, *, actor: User) -> None:
    """Escalation rules (督办)."""
    rules = [
        # A disposal red for more than one working day is urged by the district centre (DOMAIN.md §6).
        ("处置超时一个工作日，区指挥中心督办", "dispose", "overdue", 1, "working_day"),
        # A command-centre step (registration, dispatch) overdue by an hour is urged too.
        ("立案超时一小时督办", "register", "overdue", 1, "hour"),
        ("派遣超时一小时督办", "dispatch", "overdue", 1, "hour"),
    ]
    for district in city.districts:
        for name, step, condition, amount, unit in rules:
            save_calendar_object(
                actor=actor,
                obj=EscalationRule(
                    name=name,
                    step=step,
                    condition=condition,
                    after_amount=amount,
                    after_unit=unit,
                    action="urge",
                    acting_unit=district.unit("command_centre"),
                    district=district.district,
                ),
            )
    city.summary["escalation rules"] = len(rules) * len(city.districts)
