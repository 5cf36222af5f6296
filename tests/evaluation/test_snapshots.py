"""Drafts, publishing, a published month that does not move, adjustments, the minimum-volume rule."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from cityloop.catalog.actions import set_step_limit
from cityloop.core.models import AuditEntry
from cityloop.evaluation.actions import adjust_deduction, compute_period, publish_period, save_scheme
from cityloop.evaluation.compute import evaluate
from cityloop.evaluation.defaults import INDEX_SCHEMES
from cityloop.evaluation.models import Score
from cityloop.evaluation.periods import parse_period
from tests.evaluation import scenario
from tests.evaluation.conftest import AFTER, PERIOD, at


def frozen(run) -> list[tuple]:
    return list(
        Score.objects.filter(run=run)
        .order_by("subject", "id")
        .values_list("subject", "label", "index", "grade", "rank", "ranked", "measures", "parts")
    )


def test_published_month_stays_the_same_after_the_rules_change(drive, no_minimums, org, actor):
    october = scenario.build(drive)
    run = compute_period(actor=actor, period=PERIOD, scope=org.city, now=AFTER).run
    publish_period(actor=actor, run=run, now=AFTER)
    before = frozen(run)
    lines = list(run.deductions.values_list("unit_id", "final_points"))

    # The rules change: new weights from 2026, a longer dispatch limit; and the work goes on in
    # November (c8 is finally disposed), after the month ended.
    changed = {**INDEX_SCHEMES["department"], "minimum": {}}
    changed["parts"] = [{**p, "weight": w} for p, w in zip(changed["parts"], [40, 20, 20, 20], strict=True)]
    save_scheme(actor=actor, subject="department", config=changed, valid_from=dt.date(2026, 1, 1))
    set_step_limit(
        actor=actor, step="dispatch", urgency="normal", amount=2, unit="working_hour", on=dt.date(2026, 1, 1)
    )
    drive.act(october.cases["c8"], "dispose", at(2, 9, 0, month=11))

    outcome = compute_period(actor=actor, period=PERIOD, scope=org.city, now=AFTER + dt.timedelta(days=3))
    assert outcome.run.pk == run.pk
    assert frozen(run) == before, "a published month never changes"
    assert list(run.deductions.values_list("unit_id", "final_points")) == lines
    run.refresh_from_db()
    assert run.schemes["department"]["version"] == 2, "the snapshot keeps the scheme version it used"
    # … but computing it again shows what would differ: only the department index (new weights).
    changed_fields = {(d.subject, d.label, d.field) for d in outcome.differences}
    assert changed_fields == {("department", "环卫所", "index"), ("department", "环卫所", "grade")}
    sani = next(d for d in outcome.differences if d.label == "环卫所")
    # (40×100 + 20×75 + 20×60 + 20×75) / 100 = 82.00 (B), published 73.00 (C); the water company's
    # only part with data is its case count (100 under either weights): no change
    assert (sani.published, sani.now) == (Decimal("73.00"), Decimal("82.00"))
    assert AuditEntry.objects.filter(action="evaluation.recheck").count() == 1

    with pytest.raises(ValidationError, match="published"):
        publish_period(actor=actor, run=run, now=AFTER)
    with pytest.raises(ValidationError, match="published"):
        adjust_deduction(actor=actor, run=run, unit=org.sanitation, points=1, reason="迟到的表扬")


def test_facts_after_the_month_do_not_count(drive, no_minimums, org):
    october = scenario.build(drive)
    first = evaluate(parse_period(PERIOD), org.city, now=AFTER)
    drive.act(october.cases["c8"], "dispose", at(2, 9, 0, month=11))
    later = evaluate(parse_period(PERIOD), org.city, now=AFTER + dt.timedelta(days=3))
    for kind in first.scores:
        assert [s.subject.counts for s in first.scores[kind]] == [
            s.subject.counts for s in later.scores[kind]
        ]


def test_a_running_month_counts_up_to_now(drive, no_minimums, org):
    scenario.build(drive)
    # On 14 Oct at 15:00 the month is running: c5's disposal (due 13 Oct 16:30) is overdue and not
    # done yet; c8's (due 14 Oct 16:20) is running but not late yet; c1 and c2 are disposed.
    result = evaluate(parse_period(PERIOD), org.city, now=at(14, 15, 0))
    sani = next(s for s in result.scores["department"] if s.subject.label == "环卫所")
    assert (sani.subject.counts["overdue_pending"], sani.subject.counts["disposed"]) == (1, 3)
    assert result.window.cutoff == at(14, 15, 0)


def test_draft_rules(drive, no_minimums, org, actor):
    scenario.build(drive)
    run = compute_period(actor=actor, period=PERIOD, scope=org.city, now=at(20, 12, 0)).run
    with pytest.raises(ValidationError, match="publish it after it ends"):
        publish_period(actor=actor, run=run, now=at(20, 12, 0))
    with pytest.raises(ValidationError, match="compute it again first"):
        publish_period(actor=actor, run=run, now=AFTER)
    run = compute_period(actor=actor, period=PERIOD, scope=org.city, now=AFTER).run
    assert publish_period(actor=actor, run=run, now=AFTER).published
    assert AuditEntry.objects.filter(action="evaluation.publish", object_id=str(run.pk)).exists()


def test_adjustments_need_a_reason(drive, no_minimums, org, actor):
    scenario.build(drive)
    run = compute_period(actor=actor, period=PERIOD, scope=org.city, now=AFTER).run
    with pytest.raises(ValidationError) as refused:
        adjust_deduction(actor=actor, run=run, unit=org.sanitation, points=2, reason="  ")
    assert "reason" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        adjust_deduction(actor=actor, run=run, unit=org.sanitation, points=2, reason="好", part="gifts")
    assert "bonus part" in str(refused.value.message_dict["part"])
    with pytest.raises(ValidationError) as refused:
        adjust_deduction(actor=actor, run=run, unit=org.sanitation, points="lots", reason="好")
    assert "points" in refused.value.message_dict
    adjustment = adjust_deduction(
        actor=actor, run=run, unit=org.sanitation, points=10, reason="抢险表现突出", part="praise"
    )
    entry = AuditEntry.objects.get(action="evaluation.adjust")
    assert entry.after["reason"] == "抢险表现突出" and entry.object_id == str(adjustment.pk)
    # a bonus is capped at its maximum (5)
    assert run.deductions.get(unit=org.sanitation).bonus_points == Decimal("5.00")


def test_minimum_volume_lists_but_does_not_rank(drive, org):
    scenario.build(drive)
    result = evaluate(parse_period(PERIOD), org.city, now=AFTER)  # the standard minimums
    sani = next(s for s in result.scores["department"] if s.subject.label == "环卫所")
    # sanitation kept 4 cases; the standard asks for 5 before a department is ranked
    assert sani.outcome.index == Decimal("73.00") and sani.outcome.grade == "C"
    assert (sani.outcome.ranked, sani.outcome.rank) == (False, None)
    assert sani.outcome.note == "below the minimum volume: 5 needed, 4 counted"
    small = ("supervisor", "operator", "shift_leader", "dispatcher", "department", "street", "community")
    assert all(s.outcome.rank is None for kind in small for s in result.scores[kind])
    # a grid needs 3 registered cases: A's busy grid (4) is ranked, the empty ones are not
    assert [s.outcome.rank for s in result.scores["grid"] if s.outcome.ranked] == [1]

    config = {**INDEX_SCHEMES["department"], "minimum": {"measure": "received", "at_least": 4}}
    save_scheme(
        actor=drive.user("admin"), subject="department", config=config, valid_from=dt.date(2026, 10, 1)
    )
    result = evaluate(parse_period(PERIOD), org.city, now=AFTER)
    ranked = {s.subject.label: s.outcome.rank for s in result.scores["department"]}
    assert ranked["环卫所"] == 1 and ranked["自来水公司"] is None
    # a scheme in force from November does not apply to October
    save_scheme(
        actor=drive.user("admin"),
        subject="department",
        config=INDEX_SCHEMES["department"],
        valid_from=dt.date(2026, 11, 1),
    )
    assert evaluate(parse_period(PERIOD), org.city, now=AFTER).schemes["department"].valid_from == dt.date(
        2026, 10, 1
    )


def test_quarters_and_years_add_up_the_months(drive, no_minimums, org):
    scenario.build(drive)  # every fact lies in October
    month = evaluate(parse_period(PERIOD), org.city, now=AFTER)
    for key in ("2026-Q4", "2026"):
        longer = evaluate(parse_period(key), org.city, now=AFTER)
        assert longer.window.start <= month.window.start and longer.window.cutoff == AFTER
        for kind in month.scores:
            assert [s.subject.counts for s in longer.scores[kind]] == [
                s.subject.counts for s in month.scores[kind]
            ]
