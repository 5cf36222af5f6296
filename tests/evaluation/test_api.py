"""The evaluation API: rankings, breakdowns and cases within the caller's jurisdiction; exports."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from cityloop.evaluation.actions import compute_period, publish_period
from tests.evaluation import scenario
from tests.evaluation.conftest import AFTER, PERIOD, at


@pytest.fixture
def published(drive, no_minimums, org, actor):
    october = scenario.build(drive)
    run = compute_period(actor=actor, period=PERIOD, scope=org.city, now=AFTER).run
    publish_period(actor=actor, run=run, now=AFTER)
    return october


def ranking(api, subject: str) -> list[str]:
    response = api.get("/api/v1/evaluations", period=PERIOD, subject=subject)
    assert response.status_code == 200, response.json()
    return [s["label"] for s in response.json()["scores"]]


def test_rankings_follow_jurisdiction(published, org, loop, api_as):
    admin, street_a = api_as(org.users["admin"]), api_as(org.users["street_a_manager"])
    assert ranking(admin, "street") == ["东街道", "西街道"]
    assert ranking(street_a, "street") == ["东街道"]
    assert ranking(street_a, "community") == ["东一社区"]
    assert ranking(street_a, "supervisor") == ["supervisor_a"]
    assert ranking(street_a, "department") == []
    assert ranking(api_as(org.users["water_handler"]), "department") == ["自来水公司"]
    body = admin.get("/api/v1/evaluations", period=PERIOD, subject="department").json()
    assert body["run"]["status"] == "published" and body["run"]["schemes"]["department"]["version"] == 2
    sani = next(s for s in body["scores"] if s["label"] == "环卫所")
    assert (sani["index"], sani["grade"], sani["rank"], sani["group"]) == ("73.00", "C", 1, "department")


def test_breakdown_and_cases_behind_a_count(published, org, api_as):
    admin = api_as(org.users["admin"])
    scores = admin.get("/api/v1/evaluations", period=PERIOD, subject="department").json()["scores"]
    sani = next(s for s in scores if s["label"] == "环卫所")
    detail = admin.get(f"/api/v1/evaluations/scores/{sani['id']}").json()
    assert detail["measures"]["due"] == 5 and detail["measure_labels"]["due"] == "应处置数"
    on_time = next(p for p in detail["score"]["parts"] if p["key"] == "on_time")
    assert (on_time["num"], on_time["den"], on_time["num_measure"], on_time["den_measure"]) == (
        3,
        5,
        "disposed_on_time",
        "due",
    )
    c = published.cases

    def numbers(api, score_id: int, measure: str) -> set[str]:
        response = api.get(f"/api/v1/evaluations/scores/{score_id}/cases", measure=measure)
        assert response.status_code == 200, response.json()
        return {row["number"] for row in response.json()["items"]}

    assert numbers(admin, sani["id"], "disposed_on_time") == {c["c1"].number, c["c2"].number}
    assert numbers(admin, sani["id"], "due") == {c[k].number for k in ("c1", "c2", "c5", "c8")}
    assert numbers(admin, sani["id"], "overdue_pending") == {c["c8"].number}
    assert numbers(admin, sani["id"], "reworked") == {c["c2"].number}
    bad = admin.get(f"/api/v1/evaluations/scores/{sani['id']}/cases", measure="valid")
    assert bad.status_code == 400 and "not counted for department" in bad.json()["detail"]

    supervisors = admin.get("/api/v1/evaluations", period=PERIOD, subject="supervisor").json()["scores"]
    a = next(s for s in supervisors if s["label"] == "supervisor_a")
    assert numbers(admin, a["id"], "area_public_cases") == {c["c5"].number}
    assert numbers(admin, a["id"], "verified_on_time") == {c["c5"].number}

    # the water company counted c8's return, but c8 now belongs to sanitation: it may not open it
    water_api = api_as(org.users["water_handler"])
    water = water_api.get("/api/v1/evaluations", period=PERIOD, subject="department").json()["scores"][0]
    assert water_api.get(f"/api/v1/evaluations/scores/{water['id']}").json()["measures"]["returned"] == 1
    assert numbers(water_api, water["id"], "returned") == set()
    assert numbers(admin, water["id"], "returned") == {c["c8"].number}
    # another street's score is not found at all
    street_b = api_as(org.users["street_b_manager"])
    assert street_b.get(f"/api/v1/evaluations/scores/{sani['id']}").status_code == 404


def test_errors_and_writes(published, org, api_as):
    admin, leader = api_as(org.users["admin"]), api_as(org.users["leader"])
    malformed = admin.get("/api/v1/evaluations", period="2026-13")
    assert malformed.status_code == 422 and malformed.json()["errors"][0]["field"] == "period"
    missing = admin.get("/api/v1/evaluations", period="2026-09")
    assert missing.status_code == 404 and "cityloop evaluate --period 2026-09" in missing.json()["detail"]
    assert admin.get("/api/v1/evaluations", period=PERIOD, subject="mayor").status_code == 400
    assert api_as(None).get("/api/v1/evaluations", period=PERIOD).status_code == 401
    # the leader works for the district: the city's evaluation is not theirs to compute
    assert leader.post("/api/v1/evaluations/compute", {"period": PERIOD}).status_code == 403
    recheck = admin.post("/api/v1/evaluations/compute", {"period": PERIOD})
    assert recheck.status_code == 200 and recheck.json()["differences"] == []
    adjust = admin.post(
        "/api/v1/evaluations/adjustments", {"period": PERIOD, "unit": "D-SANI", "points": 1, "reason": "表扬"}
    )
    assert adjust.status_code == 400 and "published" in adjust.json()["detail"]
    lines = admin.get("/api/v1/evaluations/deductions", period=PERIOD).json()["lines"]
    assert [(line["unit"], line["final_points"], line["reward_yuan"]) for line in lines] == [
        ("D-SANI", "77.00", "7700000.00")
    ]
    trend = admin.get("/api/v1/evaluations/trend", period=PERIOD, subject="street", count=3).json()
    assert [p["period"] for p in trend] == ["2026-08", "2026-09", "2026-10"]
    assert trend[-1]["index"] == round((85.42 + 50.0) / 2, 2) and trend[0]["index"] is None


def test_excel_and_pdf_read_back(published, org, api_as):
    admin = api_as(org.users["admin"])
    response = admin.get("/api/v1/evaluations/export.xlsx", period=PERIOD)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert "处置部门排名（已发布）" in book.sheetnames and "扣分考核表" in book.sheetnames
    sheet = book["处置部门排名（已发布）"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert ("环卫所", 73.0, "C") in {(r[1], r[4], r[5]) for r in rows}
    assert sheet.cell(row=2, column=5).value == "综合指标值"
    deductions = list(book["扣分考核表"].iter_rows(min_row=3, values_only=True))
    assert deductions[0][1] == "环卫所" and deductions[0][-2:] == (77.0, 7700000.0)

    street = admin.get("/api/v1/evaluations/export.xlsx", period=PERIOD, subject="street")
    assert load_workbook(io.BytesIO(street.content)).sheetnames[0] == "街道排名（已发布）"

    pdf = admin.get("/api/v1/evaluations/report.pdf", period=PERIOD)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) >= 9  # a title page, eight subjects, the deduction table
    text = "\n".join(page.extract_text() for page in reader.pages)
    for expected in (
        "示范市2026年10月城市管理综合评价报告",
        "处置部门排名",
        "环卫所",
        "扣分考核表",
        "等级分布",
        "73.00",
    ):
        assert expected in text, expected


def test_pdf_when_nobody_is_ranked(drive, org, actor, api_as):
    """With the default minimum volumes a month of one case ranks no one: every trend is empty, and
    the report still renders (it used to fail with reportlab's "Polyline must have 2 or more
    points", a 500 for every reader)."""
    drive.report(at(13, 9, 0))
    compute_period(actor=actor, period=PERIOD, scope=org.city, now=AFTER)
    pdf = api_as(org.users["street_a_manager"]).get("/api/v1/evaluations/report.pdf", period=PERIOD)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "东街道" in text and "暂无参与排名的结果" in text


@pytest.mark.parametrize("user", ["street_a_manager", "water_handler"])
def test_pdf_for_a_street_and_a_department(published, org, api_as, user):
    """A reader below the district sees one evaluated period, a single point on each trend line, and
    still gets the report (an empty trend was reportlab's "Polyline must have 2 or more points")."""
    pdf = api_as(org.users[user]).get("/api/v1/evaluations/report.pdf", period=PERIOD)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "近六期平均综合指标值" in text
