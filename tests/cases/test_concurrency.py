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


def test_two_dispatchers_at_once_one_wins(loop):
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


def test_same_idempotency_key_at_once_makes_one_case(loop):
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


def _report(loop, description: str = "噪音扰民"):
    from cityloop.cases.actions import submit_report

    from .conftest import POINT_A

    case, _ = submit_report(
        actor=loop.users["operator"],
        channel="hotline_12345",
        description=description,
        lon=POINT_A[0],
        lat=POINT_A[1],
    )
    return case


def test_reports_of_one_district_at_once_get_distinct_numbers(loop):
    """Eight reports of one district at the same moment: eight cases, numbered 1 to 8 without a
    gap (each number is taken in a short transaction of its own, see numbering.number_ahead)."""
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def submit(n: int) -> None:
        try:
            barrier.wait(timeout=10)
            _report(loop, f"同时上报 {n}")
        except BaseException as exc:  # the assertion below names it
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    numbers = sorted(Case.objects.values_list("number", flat=True))
    assert [n.rsplit("-", 1)[1] for n in numbers] == [f"{i:04d}" for i in range(1, 9)]


def test_a_report_transaction_does_not_hold_the_district_counter(loop):
    """While one report's transaction is still open, another report of the same district takes its
    number: the counter row was locked only while the first report took its number. (The second
    then waits for the audit chain's head, which the first holds until it commits: audit entries
    are chained in commit order, docs/audit.md.)"""
    from unittest import mock

    from cityloop.cases import reporting

    first_inside = threading.Event()
    second_numbered = threading.Event()
    real_apply, real_number_ahead = reporting.apply, reporting.number_ahead
    outcome: dict[str, object] = {}

    def slow_apply(ctx, effect):
        real_apply(ctx, effect)  # the report's rows are written, its transaction still open
        if threading.current_thread() is thread:
            first_inside.set()
            outcome["second_numbered_meanwhile"] = second_numbered.wait(timeout=10)

    def number_ahead(district, day):
        number = real_number_ahead(district, day)
        if threading.current_thread() is not thread:
            second_numbered.set()
        return number

    def first() -> None:
        try:
            outcome["first"] = _report(loop, "第一件").number
        finally:
            connections.close_all()

    thread = threading.Thread(target=first)
    with (
        mock.patch.object(reporting, "apply", slow_apply),
        mock.patch.object(reporting, "number_ahead", number_ahead),
    ):
        thread.start()
        assert first_inside.wait(timeout=20)
        outcome["second"] = _report(loop, "第二件").number
        thread.join(timeout=30)
    assert outcome["second_numbered_meanwhile"] is True
    assert str(outcome["first"]).endswith("-0001") and str(outcome["second"]).endswith("-0002")


def test_the_number_statement_leaves_a_clean_connection(loop):
    from unittest import mock

    from django.db import DatabaseError
    from django.utils import timezone

    from cityloop.cases import numbering

    broken = "SELECT no_such_column FROM cases_casesequence WHERE district_id = %s AND day = %s"
    with mock.patch.object(numbering, "_ahead_sql", lambda: broken), pytest.raises(DatabaseError):
        numbering.number_ahead(loop.org.district, timezone.localdate())
    # No transaction left open or aborted, and the number's own commit setting did not stay behind.
    assert not connection.connection.info.transaction_status
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
    assert _report(loop).number.endswith("-0001")


def test_the_number_commits_without_waiting_for_the_flush(loop):
    from django.utils import timezone

    from cityloop.cases import numbering

    day = timezone.localdate()
    numbering.number_ahead(loop.org.district, day)  # opens the day's counter
    # The same statement, answering with the setting its own transaction committed under.
    probe = numbering._ahead_sql().replace(
        "RETURNING last", "RETURNING current_setting('synchronous_commit')"
    )
    with connection.cursor() as cursor:
        cursor.execute(probe, [loop.org.district.pk, day])
        assert cursor.fetchall() == [("off",)]
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"
