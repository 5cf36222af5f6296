"""The leaders' dashboard and the map's data."""

from __future__ import annotations

import json

from django.test import override_settings

from .conftest import html


def test_dashboard_counts_today_and_this_month(loop, client_as, cases_ab):
    closed = loop.drive(
        loop.report(), "accept", "register", "dispatch", "dispose", "send_for_check", "check_pass", "close"
    )
    response = client_as("leader").get("/dashboard/")
    assert response.status_code == 200
    context = response.context
    assert context["now_figures"] == {"open": 2, "overdue": 0}
    assert context["day"]["new"] == 3 and context["day"]["closed"] == 1
    assert context["day"]["closed_on_time"] == 1 and context["month"]["new"] == 3
    names = {s["name"]: s for s in context["streets"]}
    assert names["东街道"]["new"] == 2 and names["西街道"]["open"] == 1
    charts = json.loads(
        html(response).split('id="dashboard-data" type="application/json">')[1].split("</script>")[0]
    )
    assert set(charts) == {"streets", "categories", "trend"} and "东街道" in charts["streets"]["names"]
    assert closed.number  # the closed case counts above


def test_dashboard_is_restricted_to_the_users_area(loop, client_as, cases_ab):
    from cityloop.core.actions import create_user
    from cityloop.core.models import Role

    create_user(actor=loop.users["admin"], username="leader_b", password="demo-pass-2026",
                roles=[(loop.org.street_b, Role.LEADER)])  # fmt: skip
    client = client_as("leader")
    client.force_login(
        __import__("cityloop.core.models", fromlist=["User"]).User.objects.get(username="leader_b")
    )
    context = client.get("/dashboard/").context
    assert context["now_figures"]["open"] == 1
    assert [s["name"] for s in context["streets"]] == ["西街道"]


def test_map_layers_and_cases(loop, client_as, cases_ab):
    operator = client_as("operator")
    page = html(operator.get("/map/"))
    assert 'data-map="overview"' in page and 'id="map-layers"' in page
    grids = operator.get("/map/grids.geojson").json()
    assert len(grids["features"]) == 8 and grids["features"][0]["properties"]["code"]
    boundaries = operator.get("/map/boundaries.geojson").json()
    assert {f["properties"]["kind"] for f in boundaries["features"]} == {"street", "community"}
    assert operator.get("/map/roads.geojson").status_code == 200
    cases = operator.get("/map/cases.json").json()
    assert cases["total"] == 2 and not cases["truncated"]
    row = next(r for r in cases["cases"] if r[0] == cases_ab["a"].pk)
    assert row[3] == cases_ab["a"].light and row[5] == cases_ab["a"].number
    assert cases["states"]["dispatched"] == "处置中"
    lon, lat = cases_ab["b"].lon, cases_ab["b"].lat
    boxed = operator.get(
        "/map/cases.json", {"bbox": f"{lon - 0.0001},{lat - 0.0001},{lon + 0.0001},{lat + 0.0001}"}
    )
    assert [r[0] for r in boxed.json()["cases"]] == [cases_ab["b"].pk]
    assert operator.get("/map/cases.json", {"scope": "overdue"}).json()["total"] == 0
    assert operator.get("/map/cases.json", {"light": "red"}).json()["total"] == 0


def test_the_case_map_shows_the_community_even_to_a_department(loop, client_as, cases_ab):
    handler = client_as("sanitation_handler")
    own = handler.get("/map/grids.geojson").json()
    assert own["features"] == []
    around = handler.get(f"/map/grids.geojson?case={cases_ab['a'].pk}").json()
    assert len(around["features"]) == 4
    assert handler.get(f"/map/grids.geojson?case={cases_ab['b'].pk}").status_code == 404


def test_the_maps_have_no_tiles_unless_configured(loop, client_as):
    page = html(client_as("operator").get("/map/"))
    assert '<script id="map-layers" type="application/json">[]</script>' in page
    with override_settings(CITYLOOP_MAP_TILE_URL="https://tiles.example/{z}/{x}/{y}.png"):
        assert '"url": "https://tiles.example/{z}/{x}/{y}.png"' in html(client_as("operator").get("/map/"))
