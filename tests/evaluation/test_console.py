"""The evaluation pages: rankings with grades, a scorecard down to its cases, the deduction table,
downloads, and the writes (compute, publish, adjust) for leaders and administrators only."""

from __future__ import annotations

import io

import pytest
import time_machine
from django.test import Client
from openpyxl import load_workbook

from cityloop.evaluation.actions import compute_period
from cityloop.evaluation.models import Adjustment, EvaluationRun, Score
from tests.evaluation import scenario
from tests.evaluation.conftest import AFTER, PERIOD


@pytest.fixture
def draft(drive, no_minimums, org, actor):
    october = scenario.build(drive)
    compute_period(actor=actor, period=PERIOD, scope=org.city, now=AFTER)
    return october


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_pages_show_grades_and_open_down_to_the_cases(draft, org):
    admin = client_for(org.users["admin"])
    page = admin.get("/evaluation/")
    assert page.status_code == 200 and "2026-10" in page.content.decode()
    page = admin.get(f"/evaluation/{PERIOD}/department/")
    html = page.content.decode()
    assert page.status_code == 200 and "环卫所" in html and 'class="grade grade-c"' in html
    assert 'id="evaluation-chart"' in html and "echarts.min.js" in html
    sani = Score.objects.get(subject="department", label="环卫所")
    card = admin.get(f"/evaluation/score/{sani.pk}/").content.decode()
    assert "按期处置率" in card and f"/evaluation/score/{sani.pk}/cases/due/" in card
    cases = admin.get(f"/evaluation/score/{sani.pk}/cases/overdue_pending/").content.decode()
    assert draft.cases["c8"].number in cases and draft.cases["c1"].number not in cases
    table = admin.get(f"/evaluation/{PERIOD}/deductions/").content.decode()
    assert "77.00" in table and "7700000.00" in table
    book = load_workbook(io.BytesIO(admin.get(f"/evaluation/{PERIOD}/department/?format=xlsx").content))
    assert book.sheetnames[0] == "处置部门排名（草稿）"
    assert admin.get(f"/evaluation/{PERIOD}/report.pdf").content.startswith(b"%PDF-")
    assert admin.get(f"/evaluation/{PERIOD}/mayor/").status_code == 404
    assert admin.get("/evaluation/2026-09/department/").status_code == 404


def test_street_staff_see_their_street_only(draft, org):
    street_a = client_for(org.users["street_a_manager"])
    html = street_a.get(f"/evaluation/{PERIOD}/street/").content.decode()
    assert "东街道" in html and "西街道" not in html
    sani = Score.objects.get(subject="department", label="环卫所")
    assert street_a.get(f"/evaluation/score/{sani.pk}/").status_code == 404
    # no compute form, no publish button, no adjustments
    assert "/evaluation/compute/" not in street_a.get("/evaluation/").content.decode()
    assert (
        street_a.post("/evaluation/compute/", {"period": PERIOD, "scope": org.city.code}).status_code == 403
    )
    assert street_a.post(f"/evaluation/{PERIOD}/publish/").status_code == 403
    assert (
        street_a.post(
            f"/evaluation/{PERIOD}/deductions/adjust/", {"unit": "D-SANI", "points": 1, "reason": "x"}
        ).status_code
        == 403
    )


def test_leaders_adjust_and_publish(draft, org):
    admin = client_for(org.users["admin"])
    response = admin.post(
        f"/evaluation/{PERIOD}/deductions/adjust/",
        {"unit": "D-SANI", "points": "2", "reason": "", "part": "praise"},
    )
    assert response.status_code == 302 and not Adjustment.objects.exists()  # refused: no reason
    admin.post(
        f"/evaluation/{PERIOD}/deductions/adjust/",
        {"unit": "D-SANI", "points": "2", "reason": "表扬", "part": "praise"},
    )
    assert Adjustment.objects.get().reason == "表扬"
    assert "79.00" in admin.get(f"/evaluation/{PERIOD}/deductions/").content.decode()
    run = EvaluationRun.objects.get()
    with time_machine.travel(AFTER):
        admin.post(f"/evaluation/{PERIOD}/publish/")
    run.refresh_from_db()
    assert run.published and run.published_by == org.users["admin"]
    page = admin.get(f"/evaluation/{PERIOD}/deductions/").content.decode()
    assert "/deductions/adjust/" not in page, "no adjustments once published"


def test_units_below_the_minimum_volume_show_no_index_or_grade(drive, org, actor):
    # The default schemes ask for a minimum volume that a handful of cases does not reach.
    scenario.build(drive)
    compute_period(actor=actor, period=PERIOD, scope=org.city, now=AFTER)
    sani = Score.objects.get(subject="department", label="环卫所")
    assert not sani.ranked and sani.note.startswith("below the minimum volume")
    admin = client_for(org.users["admin"])
    for page in (f"/evaluation/{PERIOD}/department/", f"/evaluation/score/{sani.pk}/"):
        html = admin.get(page).content.decode()
        assert "不参与排名" in html and "业务量不足最低要求" in html, page
        assert "below the minimum" not in html and 'class="grade grade-' not in html, page


def test_the_monthly_pdf_embeds_its_chinese_font(draft, org):
    pdf = client_for(org.users["admin"]).get(f"/evaluation/{PERIOD}/report.pdf").content
    # A TrueType font file inside the PDF (a subset of the glyphs used), not only a font's name.
    assert pdf.startswith(b"%PDF-") and b"/FontFile2" in pdf
    assert b"WenQuanYiMicroHei" in pdf and b"STSong" not in pdf
