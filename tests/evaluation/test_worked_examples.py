"""A worked example for each subject: the October of ``scenario.py``, every number computed by hand.

Formulas: DOMAIN.md §7 and docs/evaluation.md. Index = Σ weight × part score / Σ weights of the parts
that have data, rounded half up to two decimals; grades A ≥ 90, B ≥ 75, C ≥ 60, D ≥ 40, E below.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from cityloop.evaluation.actions import adjust_deduction, compute_period
from cityloop.evaluation.compute import Evaluation, evaluate
from cityloop.evaluation.periods import parse_period
from cityloop.geo.models import Grid
from tests.evaluation import scenario
from tests.evaluation.conftest import AFTER, PERIOD


@pytest.fixture
def october(drive, no_minimums):
    return scenario.build(drive)


@pytest.fixture
def result(october, org) -> Evaluation:
    return evaluate(parse_period(PERIOD), org.city, now=AFTER)


def one(result: Evaluation, kind: str, label: str):
    found = [s for s in result.scores[kind] if s.subject.label == label]
    assert len(found) == 1, [s.subject.label for s in result.scores[kind]]
    return found[0]


def parts(scored, informative: bool = False) -> dict[str, str | None]:
    return {p["key"]: p["score"] for p in scored.outcome.parts if bool(p.get("informative")) == informative}


def test_supervisor(result):
    a = one(result, "supervisor", "supervisor_a")
    # reported c1 c2 c3 c4 c7 (5); registered c1 c2 c7 (3): valid-report rate 3/5
    # community A's registered cases c1 c2 c5 c7 (4), c5 first reported by the public: missed 1/4
    # verified c5 (on time) and c6 (late): 1/2; checks c1, c2 (late, failed), c2 again, c5: 3/4
    assert (
        a.subject.counts.items()
        >= {
            "reported": 5,
            "valid": 3,
            "area_cases": 4,
            "area_public_cases": 1,
            "verified": 2,
            "verified_on_time": 1,
            "checked": 4,
            "checked_on_time": 3,
        }.items()
    )
    assert parts(a) == {"valid": "60.00", "missed": "75.00", "verify": "50.00", "check": "75.00"}
    # (40×60 + 20×75 + 20×50 + 20×75) / 100 = 64
    assert (a.outcome.index, a.outcome.grade, a.outcome.rank) == (Decimal("64.00"), "C", 2)
    b = one(result, "supervisor", "supervisor_b")
    # c8: reported and registered (100), no public report in B (100), no verification or check:
    # those parts have no data and their weight goes to the others: (40×100 + 20×100) / 60
    assert (b.outcome.index, b.outcome.grade, b.outcome.rank) == (Decimal("100.00"), "A", 1)
    assert [p.get("empty", False) for p in b.outcome.parts] == [False, False, True, True]


def test_acceptance_operator(result):
    op = one(result, "operator", "operator")
    # accept steps: c1 c2 c3 c5 c6 c7 c8 on time, c4 accepted two hours after the report: 7/8
    # sends for check: c1, c2, c5 on time, c2's second one an hour after disposal: 3/4
    assert {
        k: op.subject.counts[k] for k in ("accepted", "accepted_on_time", "check_sent", "check_sent_on_time")
    } == {
        "accepted": 8,
        "accepted_on_time": 7,
        "check_sent": 4,
        "check_sent_on_time": 3,
    }
    # volume 8 is under the ladder's lowest step (101): 0
    assert parts(op) == {"volume": "0.00", "verify_sent": "87.50", "check_sent": "75.00"}
    # (25×0 + 40×87.5 + 35×75) / 100 = 61.25
    assert (op.outcome.index, op.outcome.grade) == (Decimal("61.25"), "C")


def test_shift_leader(result):
    sl = one(result, "shift_leader", "shift_leader")
    # registration decisions: c1 c2 c5 c7 c8 registered on time, c4 not registered late: 5/6
    # registered 5, of which c7 was voided: accurate (5 − 1) / 5
    # closing decisions: c1, c2 on time, c5 closed the next morning: 2/3
    assert {
        k: sl.subject.counts[k]
        for k in ("register_steps", "register_on_time", "registered", "registered_kept")
    } == {
        "register_steps": 6,
        "register_on_time": 5,
        "registered": 5,
        "registered_kept": 4,
    }
    assert (sl.subject.counts["close_steps"], sl.subject.counts["close_on_time"]) == (3, 2)
    assert parts(sl) == {"register_on_time": "83.33", "register_accurate": "80.00", "close_on_time": "66.67"}
    # (25×500/6 + 40×80 + 35×200/3) / 100 = 76.1666… → 76.17
    assert (sl.outcome.index, sl.outcome.grade) == (Decimal("76.17"), "B")


def test_dispatcher(result):
    dp = one(result, "dispatcher", "dispatcher")
    # dispatches: c1, c2, c8 (water), c8 again (sanitation) on time, c5 an hour late: 4/5
    # c8's first dispatch came back through an approved return: accurate (5 − 1) / 5
    assert {k: dp.subject.counts[k] for k in ("dispatched", "dispatched_on_time", "dispatched_kept")} == {
        "dispatched": 5,
        "dispatched_on_time": 4,
        "dispatched_kept": 4,
    }
    assert parts(dp) == {"volume": "0.00", "dispatch_on_time": "80.00", "dispatch_accurate": "80.00"}
    assert (dp.outcome.index, dp.outcome.grade) == (Decimal("64.00"), "C")


def test_department(result):
    sani = one(result, "department", "环卫所")
    # dispatched to sanitation and kept: c1 c2 c5 c8 (4), closed c1 c2 c5 (3)
    # disposals: c1, c2, c2's rework on time, c5 late (4 disposed, 3 on time); c8 overdue at the end
    # of October: due 4 + 1 = 5; one rework (c2); one extension (c1)
    assert {k: sani.subject.counts[k] for k in sani.subject.counts} == {
        "received": 4,
        "received_closed": 3,
        "reworked": 1,
        "disposed": 4,
        "disposed_on_time": 3,
        "returned": 0,
        "overdue_pending": 1,
        "extensions": 1,
        # c5, a 12345 case, was visited once (回访), satisfied
        "visited": 1,
        "satisfied": 1,
        "basically_satisfied": 0,
        "unsatisfied": 0,
        "due": 5,
        "satisfied_total": 1,
    }
    # count 4 ≤ 50: 100; closure 3/4; on time 3/5; rework 1 − 1/4
    assert parts(sani) == {"count": "100.00", "closure": "75.00", "on_time": "60.00", "rework": "75.00"}
    # shown, not weighted: disposal 4/5, overdue pending 1/5, extensions 1/5 (in per cent)
    assert parts(sani, informative=True) == {
        "disposal_rate": "80.00",
        "overdue_rate": "20.00",
        "extension_rate": "20.00",
    }
    # (10×100 + 30×75 + 30×60 + 30×75) / 100 = 73
    assert (sani.outcome.index, sani.outcome.grade, sani.outcome.group, sani.outcome.rank) == (
        Decimal("73.00"),
        "C",
        "department",
        1,
    )
    water = one(result, "department", "自来水公司")
    # the water company handed c8 back: nothing kept, one return; ranked in its own group (companies)
    assert (water.subject.counts["received"], water.subject.counts["returned"]) == (0, 1)
    assert water.outcome.group == "company"


def test_deduction_table(result, org, actor):
    line = next(d for d in result.deductions if d.subject.label == "环卫所")
    # disposal 30 × 4/5 = 24; on time 20 × 3/5 = 12; rework 20 × (1 − 1/4) = 15;
    # overdue pending 20 − 2 × 1 = 18; extensions 10 × (1 − 1/5) = 8: 77 points
    kept = {p["key"]: p.get("kept") for p in line.line.parts}
    assert kept == {
        "disposal": "24.00",
        "on_time": "12.00",
        "rework": "15.00",
        "overdue": "18.00",
        "extension": "8.00",
        "praise": None,
    }
    assert (line.line.base, line.line.final, line.line.deducted) == (
        Decimal("77.00"),
        Decimal("77.00"),
        Decimal("23.00"),
    )
    assert line.line.reward_yuan == Decimal("7700000.00")  # 100,000 yuan per point
    assert [d.subject.label for d in result.deductions] == ["环卫所"], "the water company kept no case"

    run = compute_period(actor=actor, period=PERIOD, scope=org.city, now=AFTER).run
    adjust_deduction(actor=actor, run=run, unit=org.sanitation, points=3, part="praise", reason="市领导表扬")
    adjust_deduction(actor=actor, run=run, unit=org.sanitation, points="-1.5", reason="台账不全")
    stored = run.deductions.get(unit=org.sanitation)
    # the praise bonus is capped at 5; 77 + 3 − 1.5 = 78.5
    assert (stored.bonus_points, stored.adjustment_points, stored.final_points) == (
        Decimal("3.00"),
        Decimal("-1.50"),
        Decimal("78.50"),
    )
    assert stored.reward_yuan == Decimal("7850000.00")
    again = compute_period(actor=actor, period=PERIOD, scope=org.city, now=AFTER).run
    assert again.deductions.get(unit=org.sanitation).final_points == Decimal("78.50"), (
        "a recomputed draft keeps its adjustments"
    )


def test_regions(result, org):
    street_a, street_b = one(result, "street", "东街道"), one(result, "street", "西街道")
    community_a = one(result, "community", "东一社区")
    # reported in A: c1–c7; registered c1 c2 c5 c7 (4); public c5; c7 voided: due for closure 3,
    # closed c1 c2 c5 (3), with every disposal on time c1 c2 (2)
    expected = {
        "cases_reported": 7,
        "cases": 4,
        "public_cases": 1,
        "closable": 3,
        "closed": 3,
        "closed_on_time": 2,
        "repeats": 0,
        # c5's return visit, satisfied
        "visited": 1,
        "satisfied": 1,
        "basically_satisfied": 0,
        "unsatisfied": 0,
        "satisfied_total": 1,
        # no satisfaction survey this month (docs/participation.md)
        "survey_answers": 0,
        "survey_satisfied": 0,
        # nothing handled in the community's own loop (cityloop.community)
        "community_solved": 0,
        "community_escalated": 0,
    }
    # Regions also count their community micro-loop (三长一站): none in this city; and (no case was
    # handed to a frontage party) the street's frontage counts are there, and zero.
    community_loop = {"community_solved": 0, "community_escalated": 0}
    frontage = {"frontage_cases": 0, "frontage_self_corrected": 0, "frontage_expired": 0}
    assert street_a.subject.counts == {**expected, **community_loop, **frontage}
    assert community_a.subject.counts == {**expected, **community_loop}
    area = sum(Grid.objects.filter(community=org.community_a).values_list("area_m2", flat=True))
    assert 20000 * 4 / 2 < area < 40000 * 1.01  # four grids of about 10,000 m²: ~1 case per 10,000 m² ≤ 2
    # public rate 1 − 1/4; density ≤ 2 per 10,000 m²: 100; closure 3/3; on-time closure 2/3
    assert parts(street_a) == {
        "public": "75.00",
        "density": "100.00",
        "closure": "100.00",
        "on_time_closure": "66.67",
    }
    # (25×75 + 25×100 + 25×100 + 25×200/3) / 100 = 85.4166… → 85.42
    assert (street_a.outcome.index, street_a.outcome.grade) == (Decimal("85.42"), "B")
    # B: c8 registered, not public, not closed: (25×100 + 25×100 + 0 + 0) / 100
    assert (street_b.outcome.index, street_b.outcome.grade) == (Decimal("50.00"), "D")
    assert (street_a.outcome.rank, street_b.outcome.rank) == (1, 2)

    grid = next(s for s in result.scores["grid"] if s.subject.counts["cases_reported"])
    # Every case of A lies in the same grid (grids have no surveys or community loop of their own).
    regional = ("survey_answers", "survey_satisfied", "community_solved", "community_escalated")
    assert grid.subject.counts == {k: v for k, v in expected.items() if k not in regional}
    assert 10000 < grid.subject.area_m2 < 20000  # one grid: 4 cases on a little over 10,000 m²
    # 4 × 10,000 / 10,011 = 3.996 per 10,000 m²: above 2, not above 4 on the class-1 ladder: 90
    assert (grid.outcome.parts[1]["density"], parts(grid)["density"]) == ("3.9956", "90.00")
    # (25×75 + 25×90 + 25×100 + 25×200/3) / 100 = 82.9166… → 82.92
    assert (grid.outcome.index, grid.outcome.grade) == (Decimal("82.92"), "B")
