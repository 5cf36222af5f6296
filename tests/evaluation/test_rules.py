"""Periods, rounding, ladders, grades, region classes, scheme validation and the command."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from openpyxl import load_workbook
from pypdf import PdfReader

from cityloop.core.models import AuditEntry
from cityloop.evaluation.actions import save_scheme
from cityloop.evaluation.deductions import deduct
from cityloop.evaluation.defaults import DEDUCTION_SCHEMES, INDEX_SCHEMES
from cityloop.evaluation.models import EvaluationRun, Scheme
from cityloop.evaluation.periods import parse_period
from cityloop.evaluation.schemes import in_force
from cityloop.evaluation.scoring import grade_of, ladder_score, rank, region_class, round2, score
from tests.evaluation import scenario


def test_periods():
    month = parse_period("2026-10")
    assert (month.kind, month.key, month.label) == ("month", "2026-10", "2026年10月")
    assert (
        month.start.isoformat() == "2026-10-01T00:00:00+08:00"
        and month.end.isoformat() == "2026-11-01T00:00:00+08:00"
    )
    quarter = parse_period("2026-q4")
    assert (quarter.key, quarter.first_day, quarter.last_day) == (
        "2026-Q4",
        dt.date(2026, 10, 1),
        dt.date(2026, 12, 31),
    )
    year = parse_period("2026")
    assert (year.key, year.label, year.last_day) == ("2026", "2026年度", dt.date(2026, 12, 31))
    assert [p.key for p in parse_period("2026-01").previous(2)] == ["2025-11", "2025-12"]
    assert [p.key for p in quarter.previous(2)] == ["2026-Q2", "2026-Q3"]
    for bad in ("2026-13", "October", "2026-Q5", ""):
        with pytest.raises(ValidationError):
            parse_period(bad)


def test_rounding_ladders_grades():
    assert round2(Fraction(1, 8) * 100 / 100) == Decimal("0.13")  # half up, not half even
    assert round2(Fraction(7616666, 100000)) == Decimal("76.17")
    assert round2(Fraction(200, 3)) == Decimal("66.67")
    volume = INDEX_SCHEMES["operator"]["parts"][0]["ladder"]
    volumes = (0, 100, 101, 300, 301, 500, 501, 1200, 1201, 2000, 2001)
    assert [ladder_score(volume, Fraction(n)) for n in volumes] == [0, 0, 40, 40, 60, 60, 75, 75, 90, 90, 100]
    count = INDEX_SCHEMES["department"]["parts"][0]["ladder"]
    counts = (0, 50, 51, 100, 101, 200, 201, 500, 501, 1000, 1001)
    assert [ladder_score(count, Fraction(n)) for n in counts] == [100, 100, 90, 90, 75, 75, 60, 60, 40, 40, 0]
    bands = INDEX_SCHEMES["supervisor"]["bands"]
    assert [grade_of(Decimal(v), bands) for v in ("90", "89.99", "75", "60", "40", "39.99")] == [
        "A",
        "B",
        "B",
        "C",
        "D",
        "E",
    ]
    assert grade_of(None, bands) == ""


def test_region_classes_and_groups():
    config = {**INDEX_SCHEMES["community"], "class_of": {"990100002": "2"}}
    # a grid of street 990100002 falls back to its street's class
    assert region_class(config, ("990100002001003", "990100002001", "990100002", "990100")) == "2"
    assert region_class(config, ("990100001001", "990100001")) == "1"
    counts = {
        "cases": 6,
        "public_cases": 0,
        "closable": 6,
        "closed": 6,
        "closed_on_time": 6,
        "cases_reported": 6,
    }
    dense = score(config, counts, codes=("990100001001",), area_m2=20000)  # 3 per 10,000 m²
    sparse = score(config, counts, codes=("990100002001", "990100002"), area_m2=20000)
    assert [p["score"] for p in dense.parts][1] == "90.00"  # class 1: ≤ 4 → 90
    assert [p["score"] for p in sparse.parts][1] == "75.00"  # class 2: ≤ 4 → 75
    assert sparse.extra == {"region_class": "2", "region_class_label": "二类区域"}
    a, b, c = (
        score(
            INDEX_SCHEMES["operator"],
            {"accepted": 40, "accepted_on_time": 40, "check_sent": 2, "check_sent_on_time": n},
        )
        for n in (2, 2, 1)
    )
    for o in (a, b, c):
        o.ranked = True
    rank([a, b, c])
    assert (a.rank, b.rank, c.rank) == (1, 1, 3)  # 75, 75 and 57.5: ties share a rank
    grouped = {
        **INDEX_SCHEMES["department"],
        "groups": [{"key": "water", "label": "水务", "units": ["D-WATER"]}],
    }
    assert score(grouped, {}, unit_kind="company", codes=("D-WATER",)).group == "water"
    assert score(grouped, {}, unit_kind="department", codes=("D-SANI",)).group == "other"


def test_deduction_parts():
    config = DEDUCTION_SCHEMES["department"]
    nothing = deduct(config, {}, [])
    assert (nothing.base, nothing.final) == (Decimal("100.00"), Decimal("100.00")), "no data: full points"
    many_overdue = deduct(config, {"overdue_pending": 30, "due": 30}, [("", Decimal("-200"))])
    overdue = next(p for p in many_overdue.parts if p["key"] == "overdue")
    assert (overdue["kept"], overdue["lost"]) == ("0.00", "20.00"), "capped at the part"
    assert many_overdue.final == Decimal("0.00"), "never below zero"


def test_schemes_are_validated_and_versioned(actor):
    bad = {
        **INDEX_SCHEMES["department"],
        "parts": [{**p, "weight": 50} for p in INDEX_SCHEMES["department"]["parts"]],
    }
    with pytest.raises(ValidationError) as refused:
        save_scheme(actor=actor, subject="department", config=bad, valid_from=dt.date(2026, 1, 1))
    assert "add up to 200; they must add up to 100" in str(refused.value)
    unknown = {**INDEX_SCHEMES["supervisor"], "minimum": {"measure": "disposed", "at_least": 3}}
    with pytest.raises(ValidationError, match="'disposed' is not counted for supervisor"):
        save_scheme(actor=actor, subject="supervisor", config=unknown, valid_from=dt.date(2026, 1, 1))
    ladder = {**INDEX_SCHEMES["operator"]}
    ladder["parts"] = [
        {**ladder["parts"][0], "ladder": {"at_least": [[100, 40], [2001, 100]]}},
        *ladder["parts"][1:],
    ]
    with pytest.raises(ValidationError, match="descending order"):
        save_scheme(actor=actor, subject="operator", config=ladder, valid_from=dt.date(2026, 1, 1))
    deduction = {**DEDUCTION_SCHEMES["department"], "total": 90}
    with pytest.raises(ValidationError, match="must add up to the total 90"):
        save_scheme(
            actor=actor,
            subject="department",
            kind="deduction",
            config=deduction,
            valid_from=dt.date(2026, 1, 1),
        )

    assert in_force("department", dt.date(2026, 10, 1)).version == 1
    new = save_scheme(
        actor=actor, subject="department", config=INDEX_SCHEMES["department"], valid_from=dt.date(2026, 11, 1)
    )
    assert (new.version, new.code) == (2, "standard-department")
    assert in_force("department", dt.date(2026, 10, 1)).version == 1
    assert in_force("department", dt.date(2026, 11, 1)).version == 2
    assert AuditEntry.objects.filter(action="evaluation_scheme.create", object_id=str(new.pk)).exists()
    assert Scheme.objects.filter(kind="index").values("subject").distinct().count() == 9  # with districts


def test_the_command(drive, no_minimums, org, tmp_path):
    scenario.build(drive)
    out = StringIO()
    xlsx, pdf = tmp_path / "oct.xlsx", tmp_path / "oct.pdf"
    call_command(
        "evaluate",
        "--period",
        "2026-10",
        "--now",
        "2026-11-20T12:00",
        "--excel",
        str(xlsx),
        "--pdf",
        str(pdf),
        stdout=out,
    )
    text = out.getvalue()
    assert "2026-10 (2026年10月) over 示范市: draft computed" in text
    department = next(line for line in text.splitlines() if "(department)" in line)
    # ranked within groups: the water company leads the companies, sanitation the departments
    assert (
        department.strip()
        == "处置部门 (department): 2 listed, 2 ranked; first: 自来水公司 100.00 A, 环卫所 73.00 C"
    )
    assert load_workbook(xlsx).sheetnames[0] == "监督员排名（草稿）"
    assert len(PdfReader(pdf).pages) >= 9
    out = StringIO()
    call_command("evaluate", "--period", "2026-10", "--now", "2026-11-20T12:00", "--publish", stdout=out)
    assert "2026-10 published" in out.getvalue() and EvaluationRun.objects.get().published
    out = StringIO()
    call_command(
        "evaluate", "--period", "2026-10", "--subject", "street", "--now", "2026-11-21T12:00", stdout=out
    )
    assert "is published and computing it again gives the same numbers" in out.getvalue()
    with pytest.raises(Exception, match="not a period"):
        call_command("evaluate", "--period", "October", stdout=StringIO())
