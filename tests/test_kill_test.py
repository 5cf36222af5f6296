"""The kill test's consistency check (bench/kill_test.py) finds a broken case and passes a sound one."""

from __future__ import annotations

import pytest

from bench.kill_test import MARKER, case_problems
from cityloop.cases.models import CaseStep
from cityloop.core.models import AuditEntry
from tests.cases.conftest import loop  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def _parts(case):
    events = list(case.events.order_by("seq"))
    audit = list(
        AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk))
        .order_by("id")
        .values_list("pk", flat=True)
    )
    steps = list(CaseStep.objects.filter(case=case).select_related("timer"))
    return events, audit, steps


def test_a_sound_case_has_no_problems_and_a_broken_one_has(loop):  # noqa: F811
    case = loop.drive(loop.report(), "accept", "register", "dispatch")
    events, audit, steps = _parts(case)
    assert case_problems(case, events, audit, steps) == []

    case.state = "closed"  # the case says closed, its timeline does not
    assert any("last event" in p for p in case_problems(case, events, audit, steps))
    case.refresh_from_db()
    assert any("gaps" in p for p in case_problems(case, events[:-2] + events[-1:], audit, steps))
    assert "events and audit entries differ" in case_problems(case, events, audit[:-1], steps)
    case.current_step = "verify"
    assert any("current step" in p for p in case_problems(case, events, audit, steps))
    case.refresh_from_db()
    running = next(s for s in steps if s.ended_at is None)
    running.timer.ended_at = running.started_at  # a running step whose clock has stopped
    assert any("disagree" in p for p in case_problems(case, events, audit, steps))


def test_markers_name_one_report_each():
    assert MARKER.match("[kt-0a1b2c3d-t17] 杀进程测试").group(1) == "kt-0a1b2c3d-t17"
    assert MARKER.match("[kt-0a1b2c3d-a3] x").group(1) == "kt-0a1b2c3d-a3"
    assert MARKER.match("路面坑洼 [kt-0a1b2c3d-t1]") is None
