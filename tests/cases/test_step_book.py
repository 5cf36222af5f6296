"""The step book a transition reads a case's steps through (cases.clocks.StepBook)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from cityloop.cases.clocks import StepBook
from cityloop.cases.engine import perform
from cityloop.cases.models import CaseStep


def _returned_once(loop):
    """A case dispatched, returned by the unit and dispatched again: its dispatch step ran twice."""
    case = loop.report()
    for name in ("accept", "register", "dispatch", "request_return", "approve_return"):
        case = perform(case, name, actor=loop.default_user(name), payload=loop.payload(name, case))
    return case


def test_the_book_has_the_running_steps_with_their_timers_and_counts_every_occurrence(loop):
    case = _returned_once(loop)
    steps = list(CaseStep.objects.filter(case=case).order_by("id"))
    running = [s for s in steps if s.ended_at is None]
    assert running, "the case waits for its dispatch again"
    case.refresh_from_db()
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        book = StepBook(case)
        timers = [s.timer for s in book.open]  # read (and locked) with the steps in one query
        book.occurrences("dispatch")  # how often each step ran: the case itself says
    assert len(queries.captured_queries) == 1
    assert [s.pk for s in book.open] == [s.pk for s in running]
    assert [t.pk for t in timers] == [s.timer_id for s in running]
    assert all(t.ended_at is None for t in timers)
    for step in {s.step for s in steps}:
        assert book.occurrences(step) == sum(1 for s in steps if s.step == step)
    assert book.occurrences("dispatch") == 2
    assert case.step_runs == {s: book.occurrences(s) for s in {s.step for s in steps}}


def test_a_step_without_its_timer_is_refused_by_the_schema(loop):
    case = _returned_once(loop)
    running = CaseStep.objects.get(case=case, ended_at__isnull=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseStep.objects.filter(pk=running.pk).update(timer=None)
