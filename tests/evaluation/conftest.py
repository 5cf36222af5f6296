"""Cases driven at chosen moments of October 2026, and schemes without minimum volumes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone

from cityloop.cases.actions import submit_report
from cityloop.cases.engine import perform
from cityloop.cases.models import Case
from cityloop.core.models import User
from cityloop.evaluation.actions import save_scheme
from cityloop.evaluation.defaults import INDEX_SCHEMES
from tests.cases.conftest import POINT_A, Loop, loop  # noqa: F401  (the fixture)

# The evaluated month, and "now" well after it (every fact of October is final).
PERIOD = "2026-10"
AFTER = timezone.make_aware(dt.datetime(2026, 11, 20, 12, 0))


def at(day: int, hour: int, minute: int = 0, month: int = 10) -> dt.datetime:
    """A moment of 2026 in Shanghai time (working days of October: 12–16, 19–23, 26–30)."""
    return timezone.make_aware(dt.datetime(2026, month, day, hour, minute))


@dataclass
class Driver:
    """Reports and transitions at explicit times, on the small city of the ``loop`` fixture."""

    loop: Loop

    def user(self, name: str) -> User:
        return self.loop.users[name]

    def report(
        self, when: dt.datetime, channel: str = "supervisor", point: tuple[float, float] = POINT_A, **kw: Any
    ) -> Case:
        actor = kw.pop("actor", None) or self.user("supervisor_a" if channel == "supervisor" else "operator")
        case, _ = submit_report(
            actor=actor,
            channel=channel,
            description="路边有暴露垃圾",
            lon=point[0],
            lat=point[1],
            at=when,
            **kw,
        )
        return case

    def act(self, case: Case, name: str, when: dt.datetime, user: User | None = None, **payload: Any) -> Case:
        user = user or self.loop.default_user(name)
        body = self.loop.payload(name, case)
        body.update(payload)
        return perform(case, name, actor=user, payload=body, at=when)

    def run(self, case: Case, *steps: tuple[str, dt.datetime]) -> Case:
        for name, when in steps:
            case = self.act(case, name, when)
        return case


@pytest.fixture
def drive(loop: Loop) -> Driver:  # noqa: F811  (``loop`` is the imported fixture)
    return Driver(loop)


@pytest.fixture
def no_minimums(actor: User) -> None:
    """Worked examples have a handful of cases: rank everyone (a version in force from 2026)."""
    for subject, config in INDEX_SCHEMES.items():
        save_scheme(
            actor=actor,
            subject=subject,
            config={**config, "minimum": {}},
            valid_from=dt.date(2026, 1, 1),
            note="tests: no minimum volume",
        )
