"""Two users acting on the same case at the same moment: exactly one wins, the other gets 409."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from cityloop.cases.engine import TransitionError, perform
from cityloop.cases.models import Case, CaseEvent

# Real commits between threads; serialized_rollback puts the migrations' data (catalog, channels,
# calendar) back after the flush, so later tests still find it.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def needs_postgres() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "row locking between threads is tested on PostgreSQL (SQLite's test database is in memory)"
        )


def test_two_dispatchers_at_once_one_wins(needs_postgres, loop):
    case = loop.drive(loop.report(), "accept", "register")
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    units = [loop.org.sanitation.code, loop.org.street_a.code]

    def dispatch(unit_code: str) -> None:
        try:
            barrier.wait(timeout=10)
            perform(
                Case.objects.get(pk=case.pk),
                "dispatch",
                actor=loop.users["dispatcher"],
                payload={"unit": unit_code, "reason": "两人同时派遣"},
            )
            outcomes.append("ok")
        except TransitionError as exc:
            outcomes.append(str(exc.status))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=dispatch, args=(u,)) for u in units]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(outcomes) == ["409", "ok"]
    assert CaseEvent.objects.filter(case_id=case.pk, transition="dispatch").count() == 1
    assert Case.objects.get(pk=case.pk).version == case.version + 1


def test_same_idempotency_key_at_once_makes_one_case(needs_postgres, loop):
    from cityloop.cases.actions import submit_report

    from .conftest import POINT_A

    barrier = threading.Barrier(2)
    numbers: list[str] = []

    def submit() -> None:
        try:
            barrier.wait(timeout=10)
            case, _ = submit_report(
                actor=loop.users["operator"],
                channel="hotline_12345",
                description="重复提交",
                lon=POINT_A[0],
                lat=POINT_A[1],
                idempotency_key="same-key",
            )
            numbers.append(case.number)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(numbers) == 2 and numbers[0] == numbers[1]
    assert Case.objects.count() == 1
