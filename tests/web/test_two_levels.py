"""The console at two levels: the city centre's queue holds the cases it commands, shows every
district's cases in the other views, and the case page says who commands a case."""

from __future__ import annotations

from typing import Any

from cityloop.core.actions import create_unit
from cityloop.web.dashboard import by_area

from .conftest import html


def _city_case(loop: Any) -> Any:
    return loop.act(loop.report(description="市管道路不洁"), "accept", category="0104")


def test_the_city_queue_holds_the_cases_the_city_commands(loop, city_centre, client_as, cases_ab):
    city_case = _city_case(loop)
    district_case = loop.drive(loop.report(description="区管暴露垃圾"), "accept")
    client = client_as("city_shift_leader")
    mine = html(client.get("/cases/"))
    assert city_case.number in mine and district_case.number not in mine
    assert "市级" in mine  # the badge
    everything = html(client.get("/cases/?view=open"))
    assert district_case.number in everything and cases_ab["b"].number in everything
    only_district = html(client.get("/cases/?view=open&level=district"))
    assert city_case.number not in only_district and district_case.number in only_district

    # The district's shift leader no longer has the city's case as work, but still sees it.
    district = client_as("shift_leader")
    assert city_case.number not in html(district.get("/cases/"))
    assert city_case.number in html(district.get("/cases/?view=open"))


def test_the_district_filter_appears_for_those_who_see_several_districts(loop, city_centre, client_as, actor):
    create_unit(actor=actor, code="990200", name="东湖区", kind="district", parent=loop.org.city)
    city_page = html(client_as("city_dispatcher").get("/cases/?view=open"))
    assert 'name="district"' in city_page and "东湖区" in city_page
    district_page = html(client_as("dispatcher").get("/cases/?view=open"))
    assert 'name="district"' not in district_page


def test_the_case_page_names_the_commanding_centre_and_offers_the_referral(loop, city_centre, client_as):
    city_case = _city_case(loop)
    page = html(client_as("city_shift_leader").get(f"/cases/{city_case.pk}/"))
    assert "由市级指挥中心指挥" in page and "交区级办理" in page and "立案" in page
    district_case = loop.drive(loop.report(), "accept", "register")
    page = html(client_as("dispatcher").get(f"/cases/{district_case.pk}/"))
    assert "由示范区指挥中心指挥" in page and "上报市级" in page
    # The district dispatcher's unit list leaves out the city's own department.
    assert "市市政设施管理处" not in page
    # The city leader may urge the district's case, not dispatch it.
    leader = html(client_as("city_leader").get(f"/cases/{district_case.pk}/"))
    assert "督办" in leader and 'value="dispatch"' not in leader


def test_the_referral_through_the_console(loop, city_centre, client_as):
    case = loop.drive(loop.report(), "accept", "register")
    response = client_as("dispatcher").post(
        f"/cases/{case.pk}/act/refer_to_city/", {"refer_to_city-reason": "跨区问题"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.command_level == "city"
    assert case.events.filter(transition="refer_to_city").exists()


def test_districts_side_by_side_on_the_dashboard_figures(loop, city_centre, cases_ab):
    import datetime as dt

    from django.utils import timezone

    from cityloop.cases.models import Case

    now = timezone.now()
    rows = by_area(Case.objects.all(), "district_id", now - dt.timedelta(days=1), now, "—")
    assert [(r["name"], r["new"]) for r in rows] == [("示范区", 2)]
