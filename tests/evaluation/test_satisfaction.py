"""The hotline's return visits (回访) in the monthly evaluation: the first visit of each case counted
for the unit whose result was visited and for the case's regions, the rates 满意率 and 不满意率, the
热线满意度 subjects with their minimum volume, and the rates in schemes, pages, API and exports."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from openpyxl import load_workbook

from cityloop.evaluation.actions import compute_period, publish_period, save_scheme
from cityloop.evaluation.compute import Evaluation, evaluate
from cityloop.evaluation.defaults import DEDUCTION_SCHEMES, HOTLINE_SCHEMES, INDEX_SCHEMES
from cityloop.evaluation.models import Scheme, Score
from cityloop.evaluation.periods import parse_period
from cityloop.evaluation.reading import cases_behind
from tests.evaluation import scenario
from tests.evaluation.conftest import AFTER, PERIOD

VISITS = ("visited", "satisfied", "basically_satisfied", "unsatisfied", "satisfied_total")


@pytest.fixture
def october(drive, no_minimums):
    return {**scenario.build(drive).cases, **scenario.build_visits(drive).cases}


@pytest.fixture
def no_hotline_minimums(actor):
    for subject, config in HOTLINE_SCHEMES.items():
        save_scheme(
            actor=actor,
            subject=subject,
            config={**config, "minimum": {}},
            valid_from=dt.date(2026, 1, 1),
            note="tests: no minimum volume",
        )


def result(org) -> Evaluation:
    return evaluate(parse_period(PERIOD), org.city, now=AFTER)


def one(evaluation: Evaluation, kind: str, label: str):
    return next(s for s in evaluation.scores[kind] if s.subject.label == label)


def visits(scored) -> tuple[int, ...]:
    return tuple(scored.subject.counts[k] for k in VISITS)


def test_the_first_visit_of_each_case_counts_for_the_unit_and_the_regions(october, org):
    evaluation = result(org)
    # sanitation: c5 and v1 satisfied, v2 basically, v3 unsatisfied (its second, satisfied visit after
    # the reopen is not counted); water: v5 basically (v4 was visited in November)
    assert visits(one(evaluation, "department", "环卫所")) == (4, 2, 1, 1, 3)
    assert visits(one(evaluation, "department", "自来水公司")) == (1, 0, 1, 0, 1)
    assert visits(one(evaluation, "street", "东街道")) == (4, 2, 1, 1, 3)
    assert visits(one(evaluation, "street", "西街道")) == (1, 0, 1, 0, 1)
    assert visits(one(evaluation, "community", "东一社区")) == (4, 2, 1, 1, 3)
    assert visits(one(evaluation, "district", "示范区")) == (5, 2, 2, 1, 4)
    grids = [s for s in evaluation.scores["grid"] if s.subject.counts["visited"]]
    assert sum(s.subject.counts["visited"] for s in grids) == 5
    # The case itself says satisfied now (its last visit): the evaluation read the timeline.
    assert october["v3"].satisfaction == "satisfied"
    # November counts v4's visit, and nothing of October's cases visited before
    november = evaluate(parse_period("2026-11"), org.city, now=AFTER + dt.timedelta(days=30))
    assert visits(one(november, "department", "自来水公司")) == (1, 1, 0, 0, 1)
    assert visits(one(november, "department", "环卫所")) == (0, 0, 0, 0, 0)


def test_the_standard_schemes_do_not_weigh_the_visits(october, org):
    """The standard (GB/T) index schemes keep their parts: the visits are counts beside them."""
    for subject in ("department", "district", "street", "community", "grid"):
        used = {p.get(k) for p in INDEX_SCHEMES[subject]["parts"] for k in ("num", "den", "measure")}
        assert not used & set(VISITS), subject
    sani = one(result(org), "department", "环卫所")
    assert [p["key"] for p in sani.outcome.parts] == [
        "count",
        "closure",
        "on_time",
        "rework",
        "disposal_rate",
        "overdue_rate",
        "extension_rate",
    ]


def test_hotline_subjects_score_the_rates(october, org, no_hotline_minimums):
    evaluation = result(org)
    sani = one(evaluation, "hotline_department", "环卫所")
    parts = {p["key"]: p for p in sani.outcome.parts}
    # 满意率 3/4, 完全满意率 2/4, 不满意率 1/4: (80 × 75 + 20 × 50) / 100 = 70.00
    assert (parts["satisfaction"]["rate"], parts["fully_satisfied"]["rate"]) == ("0.7500", "0.5000")
    assert parts["unsatisfied_rate"]["rate"] == "0.2500" and parts["unsatisfied_rate"]["informative"]
    assert (sani.outcome.index, sani.outcome.grade, sani.outcome.rank) == (Decimal("70.00"), "C", 1)
    water = one(evaluation, "hotline_department", "自来水公司")
    assert (water.outcome.index, water.outcome.grade, water.outcome.rank) == (Decimal("80.00"), "B", 1)
    east, west = (one(evaluation, "hotline_street", n) for n in ("东街道", "西街道"))
    assert (east.outcome.index, west.outcome.index) == (Decimal("70.00"), Decimal("80.00"))
    assert one(evaluation, "hotline_district", "示范区").outcome.index == Decimal("72.00")


def test_without_enough_visits_a_unit_is_not_ranked(october, org):
    """The default schemes want 5 visits (departments, streets) and 20 (districts)."""
    evaluation = result(org)
    sani = one(evaluation, "hotline_department", "环卫所")
    assert (sani.outcome.ranked, sani.outcome.rank) == (False, None)
    assert sani.outcome.note == "below the minimum volume: 5 needed, 4 counted"
    assert sani.outcome.index == Decimal("70.00"), "the API keeps the index, with the reason"
    assert not any(
        s.outcome.ranked for kind in ("hotline_street", "hotline_district") for s in evaluation.scores[kind]
    )


def test_no_visits_no_rank(drive, no_minimums, org, actor):
    scenario.build(drive)
    with_none = one(result(org), "hotline_department", "自来水公司")
    assert (with_none.outcome.index, with_none.outcome.ranked) == (None, False)
    assert with_none.outcome.note == "below the minimum volume: 5 needed, 0 counted"


def test_a_city_weighs_the_rates_in_its_own_schemes(october, org, actor):
    """满意率 as a part of the department index, and "minus 2 per unsatisfied visit" in the
    deduction scheme: both are plain parts over the visit counts."""
    index = {**INDEX_SCHEMES["department"], "minimum": {}}
    index["parts"] = [
        *[{**p, "weight": w} for p, w in zip(index["parts"], [10, 30, 20, 20], strict=True)],
        {
            "key": "satisfaction",
            "label": "满意率",
            "weight": 20,
            "kind": "rate",
            "num": "satisfied_total",
            "den": "visited",
        },
    ]
    save_scheme(actor=actor, subject="department", config=index, valid_from=dt.date(2026, 10, 1))
    deduction = {**DEDUCTION_SCHEMES["department"]}
    deduction["parts"] = [
        *[{**p, "points": q} for p, q in zip(deduction["parts"], [30, 20, 20, 20, 5], strict=True)],
        {
            "key": "unsatisfied",
            "label": "不满意回访",
            "points": 5,
            "kind": "per_finding",
            "measure": "unsatisfied",
            "each": 2,
        },
    ]
    save_scheme(
        actor=actor, subject="department", kind="deduction", config=deduction, valid_from=dt.date(2026, 10, 1)
    )
    evaluation = result(org)
    sani = one(evaluation, "department", "环卫所")
    satisfaction = next(p for p in sani.outcome.parts if p["key"] == "satisfaction")
    assert (satisfaction["num"], satisfaction["den"], satisfaction["score"]) == (3, 4, "75.00")
    line = next(d.line for d in evaluation.deductions if d.subject.label == "环卫所")
    unsatisfied = next(p for p in line.parts if p["key"] == "unsatisfied")
    assert (unsatisfied["findings"], unsatisfied["kept"], unsatisfied["lost"]) == (1, "3.00", "2.00")


def test_drill_down_lists_the_cases_behind_each_visit_count(october, org, actor):
    run = compute_period(actor=actor, period=PERIOD, scope=org.city, now=AFTER).run
    admin = org.users["admin"]
    for subject in ("department", "hotline_department"):
        sani = Score.objects.get(run=run, subject=subject, label="环卫所")
        expected = {
            "visited": {"c5", "v1", "v2", "v3"},
            "satisfied": {"c5", "v1"},
            "basically_satisfied": {"v2"},
            "unsatisfied": {"v3"},
            "satisfied_total": {"c5", "v1", "v2"},
        }
        for measure, keys in expected.items():
            behind = cases_behind(sani, measure, admin)
            assert {c.pk for c in behind.cases} == {october[k].pk for k in keys}, (subject, measure)
            assert behind.current_count == behind.published_count == len(keys)
    west = Score.objects.get(run=run, subject="hotline_street", label="西街道")
    assert [c.pk for c in cases_behind(west, "visited", admin).cases] == [october["v5"].pk]


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pages_api_and_exports_show_the_rates(october, org, actor, api_as):
    compute_period(actor=actor, period=PERIOD, scope=org.city, now=AFTER)
    admin = client_for(org.users["admin"])
    html = admin.get(f"/evaluation/{PERIOD}/hotline_department/").content.decode()
    assert "处置部门热线满意度" in html and "环卫所" in html and "不参与排名" in html
    html = admin.get(f"/evaluation/{PERIOD}/department/").content.decode()
    assert "满意率（%）" in html and "不满意率（%）" in html and "75.0" in html and "25.0" in html
    sani = Score.objects.get(subject="department", label="环卫所")
    card = admin.get(f"/evaluation/score/{sani.pk}/").content.decode()
    assert "满意率" in card and "75.0%" in card and f"/evaluation/score/{sani.pk}/cases/unsatisfied/" in card
    cases = admin.get(f"/evaluation/score/{sani.pk}/cases/unsatisfied/").content.decode()
    assert october["v3"].number in cases and october["v1"].number not in cases

    api = api_as(org.users["admin"])
    body = api.get("/api/v1/evaluations", period=PERIOD, subject="department").json()
    found = next(s for s in body["scores"] if s["label"] == "环卫所")
    assert found["rates"] == {"satisfaction_rate": "0.7500", "unsatisfied_rate": "0.2500"}
    detail = api.get(f"/api/v1/evaluations/scores/{found['id']}").json()
    assert detail["measures"]["unsatisfied"] == 1 and detail["measure_labels"]["visited"] == "回访数"
    rate = next(r for r in detail["rates"] if r["key"] == "satisfaction_rate")
    assert (rate["label"], rate["num"], rate["den"], rate["num_measure"]) == (
        "满意率",
        3,
        4,
        "satisfied_total",
    )
    hotline = api.get("/api/v1/evaluations", period=PERIOD, subject="hotline_street").json()["scores"]
    assert {s["label"] for s in hotline} == {"东街道", "西街道"} and not any(s["ranked"] for s in hotline)

    book = load_workbook(io.BytesIO(admin.get(f"/evaluation/{PERIOD}/export.xlsx").content))
    sheet = next(book[n] for n in book.sheetnames if n.startswith("处置部门计数"))
    header = next(list(r) for r in sheet.iter_rows(values_only=True) if r[0] == "名称")
    assert "回访数" in header and "满意率（%）" in header and "不满意率（%）" in header
    row = next(r for r in sheet.iter_rows(values_only=True) if r[0] == "环卫所")
    assert row[header.index("满意率（%）")] == 75.0 and row[header.index("不满意数")] == 1
    assert any(n.startswith("处置部门热线满意度") for n in book.sheetnames)
    assert admin.get(f"/evaluation/{PERIOD}/report.pdf").content.startswith(b"%PDF-")


def test_default_hotline_schemes_come_from_the_migrations(db):
    for subject, config in HOTLINE_SCHEMES.items():
        scheme = Scheme.objects.get(subject=subject, version=1)
        assert (scheme.kind, scheme.config, scheme.valid_from) == ("index", config, dt.date(2000, 1, 1))
        assert scheme.code == f"hotline-{subject.removeprefix('hotline_')}"


def test_a_month_published_before_the_visits_were_counted_shows_no_differences(october, org, actor):
    """A snapshot without the visit counts (published before they existed) is not 'different' for it."""
    run = compute_period(actor=actor, period=PERIOD, scope=org.city, now=AFTER).run
    publish_period(actor=actor, run=run, now=AFTER)
    for score in Score.objects.filter(run=run):
        score.measures = {k: v for k, v in score.measures.items() if k not in VISITS}
        score.save(update_fields=["measures"])
    Score.objects.filter(run=run, subject__startswith="hotline_").delete()
    run.schemes = {k: v for k, v in run.schemes.items() if not k.startswith("hotline_")}
    run.save(update_fields=["schemes"])
    outcome = compute_period(actor=actor, period=PERIOD, scope=org.city, now=AFTER + dt.timedelta(days=1))
    assert outcome.differences == []
