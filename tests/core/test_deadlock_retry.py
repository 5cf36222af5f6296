"""An action PostgreSQL aborts to break a deadlock runs again (core.audit.retry_on_deadlock)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError, transaction

from cityloop.core import audit


class _Deadlock(Exception):
    sqlstate = "40P01"


def _deadlock() -> OperationalError:
    error = OperationalError("deadlock detected")
    error.__cause__ = _Deadlock()
    return error


def _flaky(failures: list[BaseException]) -> Any:
    calls = {"n": 0}

    def run() -> str:
        calls["n"] += 1
        if failures:
            raise failures.pop(0)
        return "done"

    return run, calls


@pytest.mark.django_db(transaction=True)
def test_a_deadlock_victim_runs_again(monkeypatch: Any) -> None:
    monkeypatch.setattr(audit, "DEADLOCK_PAUSE_S", 0)
    run, calls = _flaky([_deadlock(), _deadlock()])
    assert audit.retry_on_deadlock(run, "test") == "done" and calls["n"] == 3


@pytest.mark.django_db(transaction=True)
def test_other_errors_and_a_lasting_deadlock_are_raised(monkeypatch: Any) -> None:
    monkeypatch.setattr(audit, "DEADLOCK_PAUSE_S", 0)
    run, calls = _flaky([OperationalError("disk full")])
    with pytest.raises(OperationalError, match="disk full"):
        audit.retry_on_deadlock(run, "test")
    assert calls["n"] == 1
    run, calls = _flaky([_deadlock() for _ in range(audit.DEADLOCK_ATTEMPTS)])
    with pytest.raises(OperationalError, match="deadlock"):
        audit.retry_on_deadlock(run, "test")
    assert calls["n"] == audit.DEADLOCK_ATTEMPTS


@pytest.mark.django_db(transaction=True)
def test_inside_a_callers_transaction_the_caller_decides() -> None:
    run, calls = _flaky([_deadlock()])
    with pytest.raises(OperationalError), transaction.atomic():
        audit.retry_on_deadlock(run, "test")
    assert calls["n"] == 1
