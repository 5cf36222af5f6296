"""The simulator drives the demo city through the real actions; its month agrees with the timelines."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.utils import timezone

from cityloop.cases.models import Case, CaseEvent, CaseStep
from cityloop.demo.simulate import simulate
from tests.cases.test_invariants import check_case

NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 18, 0))


def test_simulated_days_run_every_side_flow_consistently(demo_city, db):
    per_day: dict[dt.date, int] = {}
    report = simulate(days=4, per_day=45, seed=7, now=NOW, progress=per_day.__setitem__)
    cases = list(Case.objects.all())
    assert report.cases == len(cases) > 100
    # The progress line shows the cases each day really got (none after "now" on the last one).
    reported = Counter(timezone.localdate(c.reported_at) for c in cases)
    assert per_day == {day: reported[day] for day in per_day} and sum(per_day.values()) == len(cases)
    states = Counter(c.state for c in cases)
    assert states["closed"] > len(cases) / 3, states
    assert any(s in states for s in ("dispatched", "checking", "disposed", "registered")), (
        "no backlog left open"
    )
    done = Counter(CaseEvent.objects.values_list("transition", flat=True))
    for flow in (
        "send_for_verification",
        "verify",
        "approve_return",
        "approve_extension",
        "check_fail",
        "return_visit",
        "close",
        "dispose",
    ):
        assert done[flow] > 0, f"the simulator never took {flow}"
    for case in cases:
        check_case(case)
        assert case.reported_at <= NOW
    assert not CaseEvent.objects.filter(at__gt=NOW).exists(), "nothing may happen after 'now'"
    late = CaseStep.objects.filter(step="dispose", on_time=False).count()
    on_time = CaseStep.objects.filter(step="dispose", on_time=True).count()
    assert 0 < late < on_time


def test_demo_has_escalation_rules_for_overdue_steps(demo_city, db):
    from cityloop.timeclock.models import EscalationRule

    rules = {r.step: r for r in EscalationRule.objects.filter(district=demo_city.district)}
    assert set(rules) == {"dispose", "register", "dispatch"}
    assert rules["dispose"].after_unit == "working_day" and rules["dispose"].after_amount == 1
    assert all(
        r.action == "urge" and r.acting_unit == demo_city.unit("command_centre") for r in rules.values()
    )
