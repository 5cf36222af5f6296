"""Who lands where, who may open which page, and that a street never sees another street's cases."""

from __future__ import annotations

import pytest
from django.test import Client

from cityloop.cases.engine import perform

from .conftest import html

HOMES = {
    "operator": "/cases/",
    "shift_leader": "/cases/",
    "dispatcher": "/cases/",
    "leader": "/dashboard/",
    "sanitation_handler": "/m/",
    "street_a_manager": "/tasks/",
    "supervisor_a": "/m/",
    "community_head_a": "/m/",
}


@pytest.mark.parametrize(("username", "target"), HOMES.items())
def test_home_goes_straight_to_the_roles_work(client_as, username, target):
    client = client_as(username)
    home, page = client.get("/"), client.get(target)
    assert home.status_code == 200 and page.status_code == 200
    assert home.templates[0].name == page.templates[0].name


def test_admin_home_is_the_overview_with_every_tool(client_as):
    page = client_as("admin").get("/")
    assert page.status_code == 200
    for link in ("/cases/", "/map/", "/dashboard/", "/admin/", "/evaluation/"):
        assert f'href="{link}"' in html(page)


def test_anonymous_users_are_sent_to_log_in(loop):
    client = Client()
    for url in (
        "/",
        "/cases/",
        "/map/",
        "/tasks/",
        "/m/",
        "/dashboard/",
        "/report/hotline/",
        "/map/cases.json",
    ):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/"), url


def test_login_and_logout(loop):
    client = Client()
    page = client.get("/login/")
    assert page.status_code == 200 and 'name="username"' in html(page)
    bad = client.post("/login/", {"username": "operator", "password": "wrong-password"})
    assert bad.status_code == 200 and 'class="error' in html(bad)
    good = client.post("/login/", {"username": "operator", "password": "demo-pass-2026"})
    assert good.status_code == 302
    assert client.get("/").status_code == 200
    assert client.post("/logout/").status_code == 302
    assert client.get("/cases/").status_code == 302


FORBIDDEN = [
    ("sanitation_handler", "/cases/"),
    ("sanitation_handler", "/dashboard/"),
    ("sanitation_handler", "/m/report/"),
    ("supervisor_a", "/cases/"),
    ("supervisor_a", "/tasks/"),
    ("supervisor_a", "/dashboard/"),
    ("supervisor_a", "/map/"),
    ("leader", "/report/hotline/"),
    ("leader", "/tasks/"),
    ("dispatcher", "/report/hotline/"),
    ("operator", "/m/report/"),
    ("street_a_manager", "/report/hotline/"),
]


@pytest.mark.parametrize(("username", "url"), FORBIDDEN)
def test_pages_of_other_roles_are_refused(client_as, username, url):
    response = client_as(username).get(url)
    assert response.status_code == 403
    assert "Not allowed" in html(response) or "不允许" in html(response) or "无权" in html(response)


def test_navigation_shows_the_roles_links_and_evaluation_to_oversight(client_as):
    operator = html(client_as("operator").get("/cases/"))
    assert 'href="/report/hotline/"' in operator and 'href="/evaluation/"' in operator
    handler = html(client_as("sanitation_handler").get("/tasks/"))
    assert 'href="/evaluation/"' not in handler and 'href="/cases/"' not in handler
    supervisor = html(client_as("supervisor_a").get("/m/"))
    assert 'href="/m/report/"' in supervisor and 'href="/evaluation/"' not in supervisor
    assert 'href="/evaluation/"' in html(client_as("leader").get("/dashboard/"))


def test_a_street_never_sees_another_streets_cases(loop, client_as, cases_ab):
    in_a, in_b = cases_ab["a"], cases_ab["b"]
    street_a = client_as("street_a_manager")
    area = html(street_a.get("/tasks/?tab=area"))
    assert in_a.number in area and in_b.number not in area
    assert street_a.get(f"/cases/{in_a.pk}/").status_code == 200
    assert street_a.get(f"/cases/{in_b.pk}/").status_code == 404
    assert in_b.number not in html(street_a.get("/map/cases.json?scope=all"))
    street_b = client_as("street_b_manager")
    assert street_b.get(f"/cases/{in_a.pk}/").status_code == 404
    assert in_a.number not in html(street_b.get("/tasks/?tab=area"))
    # Nor their photos.
    photo = loop.photo(loop.users["supervisor_b"], "report")
    perform(
        in_b, "comment", actor=loop.users["supervisor_b"], payload={"note": "照片", "attachments": [photo]}
    )
    assert street_a.get(f"/attachments/{photo}/").status_code == 404
    assert street_b.get(f"/attachments/{photo}/").status_code == 200


def test_a_department_sees_what_was_sent_to_it_and_nothing_else(client_as, cases_ab):
    page = html(client_as("sanitation_handler").get("/tasks/"))
    assert cases_ab["a"].number in page and cases_ab["b"].number not in page
    water = client_as("water_handler")
    assert cases_ab["a"].number not in html(water.get("/tasks/?tab=area"))
    assert water.get(f"/cases/{cases_ab['a'].pk}/").status_code == 404


def test_supervisor_tasks_are_their_own_areas_only(loop, client_as):
    in_a = loop.drive(loop.report(channel="hotline_12345"), "send_for_verification")
    in_b = loop.drive(loop.report(channel="hotline_12345", point=cases_point_b()), "send_for_verification")
    page = html(client_as("supervisor_a").get("/m/"))
    assert f"/m/cases/{in_a.pk}/" in page and f"/m/cases/{in_b.pk}/" not in page
    assert client_as("supervisor_a").get(f"/m/cases/{in_b.pk}/").status_code == 404


def cases_point_b() -> tuple[float, float]:
    from .conftest import POINT_B

    return POINT_B
