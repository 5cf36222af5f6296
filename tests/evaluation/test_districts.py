"""A city of two districts: the city's evaluation ranks them against each other (recomputed
independently from the cases' timelines), a city-level user reads both, a district's people only
their own; a district's own evaluation does not rank districts."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from openpyxl import load_workbook
from pypdf import PdfReader

from cityloop.evaluation.actions import compute_period, publish_period
from cityloop.evaluation.compute import evaluate
from cityloop.evaluation.models import Score
from cityloop.evaluation.periods import parse_period
from tests.evaluation import scenario
from tests.evaluation.conftest import AFTER, PERIOD
from tests.evaluation.test_recompute import check_districts
from tests.web.test_translations import english_words


@pytest.fixture
def two_districts(drive, second_district):
    return scenario.build(drive), scenario.build_east(drive, second_district)


@pytest.fixture
def published(two_districts, no_minimums, org, actor):
    run = compute_period(actor=actor, period=PERIOD, scope=org.city, now=AFTER).run
    publish_period(actor=actor, run=run, now=AFTER)
    return run


def test_two_districts_ranked_as_recomputed(two_districts, no_minimums, org):
    result = evaluate(parse_period(PERIOD), org.city, now=AFTER)
    districts = {s.subject.label: s for s in check_districts(result, minimum=0).values()}
    west, east = districts["示范区"], districts["东区"]
    # 示范区: 1 of 5 registered first reported by the public, 3 of 4 closed, 2 on time; 东区: 1 of 3,
    # 2 of 3 closed, 1 on time; both well under 2 cases per 10,000 m².
    assert (west.outcome.index, west.outcome.grade, west.outcome.rank) == (Decimal("76.25"), "B", 1)
    assert (east.outcome.index, east.outcome.grade, east.outcome.rank) == (Decimal("66.67"), "C", 2)
    assert east.subject.area_m2 == pytest.approx(40_044, rel=1e-3)  # four ~100 m grids
    assert west.subject.codes == ("990100", "990000") and west.subject.unit_kind == "district"


def test_small_districts_are_listed_but_not_ranked(two_districts, org):
    """Under the standard scheme a district needs 50 registered cases to take part in the ranking."""
    result = evaluate(parse_period(PERIOD), org.city, now=AFTER)
    districts = check_districts(result, minimum=50)
    assert len(districts) == 2
    for s in districts.values():
        assert not s.outcome.ranked and s.outcome.rank is None
        assert s.outcome.note.startswith("below the minimum volume: 50 needed")


def test_a_district_evaluation_does_not_rank_districts(two_districts, org, actor):
    result = evaluate(parse_period(PERIOD), org.district, now=AFTER)
    assert "district" not in result.scores and "street" in result.scores
    with pytest.raises(ValidationError) as refused:
        evaluate(parse_period(PERIOD), org.district, subjects=["district"], now=AFTER)
    assert "subject" in refused.value.message_dict
    run = compute_period(actor=actor, period=PERIOD, scope=org.district, now=AFTER).run
    assert not run.scores.filter(subject="district").exists() and "district" not in run.schemes


def ranking(api, subject: str = "district", **params) -> list[str]:
    response = api.get("/api/v1/evaluations", period=PERIOD, subject=subject, **params)
    assert response.status_code == 200, response.json()
    return [s["label"] for s in response.json()["scores"]]


def test_api_city_users_read_every_district_a_district_its_own(published, org, second_district, api_as):
    admin = api_as(org.users["admin"])
    city_chief = api_as(second_district.users["city_chief"])
    east_leader = api_as(second_district.users["east_leader"])
    west_leader = api_as(org.users["leader"])
    assert ranking(admin, "district") == ["示范区", "东区"]
    assert ranking(city_chief, "district") == ["示范区", "东区"]
    assert ranking(east_leader, "district") == ["东区"]
    assert ranking(west_leader, "district") == ["示范区"]
    assert ranking(api_as(org.users["street_a_manager"]), "district") == []
    body = city_chief.get("/api/v1/evaluations", period=PERIOD, subject="district").json()
    assert body["run"]["scope"] == org.city.code and body["run"]["schemes"]["district"]["code"] == (
        "standard-district"
    )
    west = next(s for s in body["scores"] if s["label"] == "示范区")
    east = next(s for s in body["scores"] if s["label"] == "东区")
    assert (west["index"], west["grade"], west["rank"], west["unit"]) == ("76.25", "B", 1, "990100")
    assert (east["index"], east["rank"]) == ("66.67", 2)

    # the breakdown and the cases behind a count, for whoever may read the score
    detail = city_chief.get(f"/api/v1/evaluations/scores/{east['id']}").json()
    assert detail["measures"]["public_cases"] == 1 and detail["measure_labels"]["public_cases"] == (
        "公众举报立案数"
    )
    cases = city_chief.get(f"/api/v1/evaluations/scores/{east['id']}/cases", measure="closed").json()
    east_cases = published_numbers(second_district)
    assert {row["number"] for row in cases["items"]} == east_cases["closed"]

    # a district's people never read the other district's score, its breakdown or its cases
    assert east_leader.get(f"/api/v1/evaluations/scores/{west['id']}").status_code == 404
    assert (
        east_leader.get(f"/api/v1/evaluations/scores/{west['id']}/cases", measure="cases").status_code == 404
    )
    assert west_leader.get(f"/api/v1/evaluations/scores/{east['id']}").status_code == 404
    assert east_leader.get(f"/api/v1/evaluations/scores/{east['id']}").status_code == 200
    trend = east_leader.get("/api/v1/evaluations/trend", period=PERIOD, subject="district", count=2).json()
    assert trend[-1]["index"] == 66.67  # the mean over what the reader sees: its own district


def published_numbers(east) -> dict[str, set[str]]:
    from cityloop.cases.models import Case

    mine = Case.objects.filter(district=east.district)
    return {"closed": set(mine.filter(closed_at__isnull=False).values_list("number", flat=True))}


def test_api_refuses_districts_below_the_city(published, org, actor, api_as):
    compute_period(actor=actor, period=PERIOD, scope=org.district, now=AFTER)
    leader = api_as(org.users["leader"])
    refused = leader.get("/api/v1/evaluations", period=PERIOD, subject="district", scope=org.district.code)
    assert refused.status_code == 400 and refused.json()["errors"]["subject"]
    assert "city's evaluation" in refused.json()["detail"]
    xlsx = leader.get("/api/v1/evaluations/export.xlsx", period=PERIOD, subject="district", scope="990100")
    assert xlsx.status_code == 400 and "subject" in xlsx.json()["errors"]
    compute = api_as(org.users["admin"]).post(
        "/api/v1/evaluations/compute", {"period": "2026-09", "scope": "990100", "subjects": ["district"]}
    )
    assert compute.status_code == 400 and "subject" in compute.json()["errors"]


def test_exports_rank_the_districts(published, org, second_district, api_as):
    admin = api_as(org.users["admin"])
    book = load_workbook(
        io.BytesIO(admin.get("/api/v1/evaluations/export.xlsx", period=PERIOD, subject="district").content)
    )
    assert book.sheetnames == ["区排名（已发布）", "区计数明细"]
    rows = list(book["区排名（已发布）"].iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[1], r[4], r[5]) for r in rows] == [(1, "示范区", 76.25, "B"), (2, "东区", 66.67, "C")]
    everything = load_workbook(
        io.BytesIO(admin.get("/api/v1/evaluations/export.xlsx", period=PERIOD).content)
    )
    names = everything.sheetnames
    assert (
        names.index("处置部门排名（已发布）")
        < names.index("区排名（已发布）")
        < names.index("街道排名（已发布）")
    )
    east = api_as(second_district.users["east_leader"])
    own = load_workbook(
        io.BytesIO(east.get("/api/v1/evaluations/export.xlsx", period=PERIOD, subject="district").content)
    )
    assert [r[1] for r in own["区排名（已发布）"].iter_rows(min_row=3, values_only=True)] == ["东区"]
    for api, seen, unseen in ((admin, "76.25", None), (east, "66.67", "76.25")):
        pdf = api.get("/api/v1/evaluations/report.pdf", period=PERIOD)
        assert pdf.status_code == 200
        text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        assert "区排名" in text and "东区" in text and seen in text
        if unseen:
            assert unseen not in text


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_console_ranks_districts_for_the_city(published, org, second_district):
    west_score = Score.objects.get(subject="district", unit=org.district)
    east_score = Score.objects.get(subject="district", unit=second_district.district)
    city = client_for(second_district.users["city_chief"])
    index = city.get("/evaluation/").content.decode()
    assert f'href="/evaluation/{PERIOD}/district/?scope={org.city.code}"' in index
    page = city.get(f"/evaluation/{PERIOD}/district/")
    html = page.content.decode()
    assert page.status_code == 200
    assert f"/evaluation/score/{west_score.pk}/" in html and f"/evaluation/score/{east_score.pk}/" in html
    assert "示范市 2026-10 区排名" in html and 'class="grade grade-b"' in html and "76.25" in html
    assert not english_words(html, frozenset({"city_chief"}))
    card = city.get(f"/evaluation/score/{east_score.pk}/")
    assert card.status_code == 200 and "万平方米案件数" in card.content.decode()
    assert not english_words(card.content.decode(), frozenset({"city_chief"}))
    behind = city.get(f"/evaluation/score/{east_score.pk}/cases/public_cases/")
    assert behind.status_code == 200 and scenario_number(second_district) in behind.content.decode()


def scenario_number(east) -> str:
    """The number of the second district's hotline case (its one public report)."""
    from cityloop.cases.models import Case

    return Case.objects.get(district=east.district, channel__code="hotline_12345").number


def test_console_a_district_sees_its_own_score_only(published, org, second_district):
    west_score = Score.objects.get(subject="district", unit=org.district)
    east_score = Score.objects.get(subject="district", unit=second_district.district)
    east = client_for(second_district.users["east_leader"])
    html = east.get(f"/evaluation/{PERIOD}/district/").content.decode()
    assert f"/evaluation/score/{east_score.pk}/" in html and "66.67" in html
    assert f"/evaluation/score/{west_score.pk}/" not in html and "76.25" not in html
    assert east.get(f"/evaluation/score/{west_score.pk}/").status_code == 404
    assert east.get(f"/evaluation/score/{west_score.pk}/cases/cases/").status_code == 404
    west = client_for(org.users["leader"])
    assert west.get(f"/evaluation/score/{east_score.pk}/").status_code == 404
    assert "66.67" not in west.get(f"/evaluation/{PERIOD}/district/").content.decode()


def test_console_offers_no_district_ranking_below_the_city(published, org, actor):
    compute_period(actor=actor, period=PERIOD, scope=org.district, now=AFTER)
    leader = client_for(org.users["leader"])
    page = leader.get(f"/evaluation/{PERIOD}/street/?scope={org.district.code}").content.decode()
    assert f"/evaluation/{PERIOD}/district/?scope={org.district.code}" not in page
    assert f"/evaluation/{PERIOD}/district/?scope={org.city.code}" not in page
    assert leader.get(f"/evaluation/{PERIOD}/district/?scope={org.district.code}").status_code == 404
    index = leader.get("/evaluation/").content.decode()
    assert f"/evaluation/{PERIOD}/district/?scope={org.city.code}" in index
    assert f"/evaluation/{PERIOD}/district/?scope={org.district.code}" not in index


def test_unranked_districts_say_so_in_chinese(two_districts, org, actor):
    compute_period(actor=actor, period=PERIOD, scope=org.city, now=AFTER)
    html = client_for(org.users["admin"]).get(f"/evaluation/{PERIOD}/district/").content.decode()
    assert html.count("不参与排名") == 2 and "业务量不足最低要求：50（要求），5（实际）" in html
