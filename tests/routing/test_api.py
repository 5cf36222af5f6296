"""The routing API: previews, the dispute graph, rulings, the case's decision, and rule CRUD limited to
administrators of the rule's area."""

from __future__ import annotations

import json

from cityloop.core.actions import create_user
from cityloop.core.models import Role
from cityloop.routing.models import Rule

from .conftest import A1, B1, B3


def _rules(city, actor):
    city.rule(actor, name="部件先属主", kind="component", area_unit=city.district, target="owner")
    city.rule(actor, name="事件先属地", kind="event", area_unit=city.district, target="grid")
    city.rule(
        actor,
        name="游商交执法",
        kind="event",
        category_code="0501",
        area_unit=city.district,
        target="unit",
        target_unit=city.enforcement,
    )


def test_preview_for_owned_unowned_and_events_in_two_streets(city, actor, api_as):
    _rules(city, actor)
    client = api_as(city.users["dispatcher"])
    owned = client.post(
        "/api/v1/routing/preview", {"lon": A1[0], "lat": A1[1], "component": "9901000101000001"}
    )
    assert owned.status_code == 200, owned.json()
    body = owned.json()
    assert body["unit"]["code"] == "D-WATER" and body["basis"] == "owner_first"
    assert "部件先属主" in body["explanation"] and body["rule"]["name"] == "部件先属主"
    unowned = client.post(
        "/api/v1/routing/preview", {"lon": A1[0], "lat": A1[1], "component": "9901000102000001"}
    ).json()
    assert unowned["unit"]["code"] == city.street_a.code and "territorial_fallback" in unowned["flags"]
    east = client.post("/api/v1/routing/preview", {"lon": A1[0], "lat": A1[1], "category": "0103"}).json()
    west = client.post("/api/v1/routing/preview", {"lon": B3[0], "lat": B3[1], "category": "0103"}).json()
    managed = client.post("/api/v1/routing/preview", {"lon": B1[0], "lat": B1[1], "category": "0103"}).json()
    assert (east["unit"]["code"], west["unit"]["code"], managed["unit"]["code"]) == (
        city.street_a.code,
        city.street_b.code,
        "D-WY",
    )
    vendor = client.post("/api/v1/routing/preview", {"lon": B3[0], "lat": B3[1], "category": "0501"}).json()
    assert vendor["unit"]["code"] == "D-ZF" and vendor["basis"] == "line_department"
    assert vendor["chain"][0]["outcome"] == "chosen"


def test_preview_explains_bad_input(city, api_as):
    client = api_as(city.users["dispatcher"])
    outside = client.post("/api/v1/routing/preview", {"lon": 100.0, "lat": 20.0, "category": "0102"})
    assert outside.status_code == 400 and "outside every unit grid" in outside.json()["detail"]
    unknown = client.post("/api/v1/routing/preview", {"lon": A1[0], "lat": A1[1], "category": "9999"})
    assert unknown.status_code == 400
    mismatch = client.post(
        "/api/v1/routing/preview",
        {"lon": A1[0], "lat": A1[1], "category": "0102", "component": "9901000101000001"},
    )
    assert mismatch.status_code == 400 and "component" in mismatch.json()["detail"]
    assert api_as(None).post("/api/v1/routing/preview", {"lon": A1[0], "lat": A1[1]}).status_code == 401


def test_rule_crud_is_for_administrators_of_the_area(city, actor, api_as):
    admin = api_as(city.users["admin"])
    body = {
        "name": "暴露垃圾交环卫所",
        "kind": "event",
        "category": "0102",
        "area": city.district.code,
        "target": "unit",
        "target_unit": "D-SANI",
        "auto_dispatch": True,
    }
    created = admin.post("/api/v1/routing/rules", body)
    assert created.status_code == 201, created.json()
    rule_id = created.json()["id"]
    assert created.json()["target_unit_name"] == "环卫所" and created.json()["area"] == city.district.code
    dispatcher = api_as(city.users["dispatcher"])
    assert dispatcher.post("/api/v1/routing/rules", body).status_code == 403
    listed = dispatcher.get("/api/v1/routing/rules", category="01").json()
    assert [r["id"] for r in listed["items"]] == [rule_id]
    patch = admin.client.patch(
        f"/api/v1/routing/rules/{rule_id}",
        json.dumps({"priority": 7}),
        content_type="application/json",
        headers=admin.headers,
    )
    assert patch.status_code == 200 and patch.json()["revision"] == 2 and patch.json()["priority"] == 7
    denied = dispatcher.client.patch(
        f"/api/v1/routing/rules/{rule_id}",
        json.dumps({"priority": 1}),
        content_type="application/json",
        headers=dispatcher.headers,
    )
    assert denied.status_code == 403
    bad = admin.post("/api/v1/routing/rules", {**body, "target": "owner"})
    assert bad.status_code == 400 and "target" in bad.json()["errors"]
    ended = admin.client.delete(f"/api/v1/routing/rules/{rule_id}", headers=admin.headers)
    assert (
        ended.status_code == 200 and ended.json()["deleted"] is True
    )  # it never came into force before today

    street_admin = create_user(
        actor=actor, username="street_b_admin", password="demo-pass-2026", roles=[(city.street_b, Role.ADMIN)]
    )
    street = api_as(street_admin)
    assert street.post("/api/v1/routing/rules", body).status_code == 403
    own = street.post("/api/v1/routing/rules", {**body, "area": city.street_b.code})
    assert own.status_code == 201
    assert street.get("/api/v1/routing/rules").json()["count"] == 1
    assert Rule.objects.count() == 1


def test_disputes_rulings_and_the_case_decision(loop, api_as):
    org = loop.org
    dispatcher = api_as(loop.users["dispatcher"])
    supervisor = api_as(loop.users["supervisor_a"])
    case_id = supervisor.post(
        "/api/v1/reports", {"channel": "supervisor", "description": "垃圾", "lon": 120.0005, "lat": 30.00135}
    ).json()["id"]
    api_as(loop.users["operator"]).post(f"/api/v1/cases/{case_id}/actions/accept", {"category": "0102"})
    registered = api_as(loop.users["shift_leader"]).post(
        f"/api/v1/cases/{case_id}/actions/register", {"condition": 1}
    )
    assert registered.json()["routing"]["unit"]["code"] == org.sanitation.code
    assert dispatcher.get(f"/api/v1/routing/cases/{case_id}").json()["unit"]["code"] == org.sanitation.code
    dispatcher.post(f"/api/v1/cases/{case_id}/actions/dispatch", {})
    for by, suggest in (("sanitation_handler", org.street_a.code), ("street_a_manager", org.sanitation.code)):
        api_as(loop.users[by]).post(
            f"/api/v1/cases/{case_id}/actions/request_return",
            {"reason": "不归我们管", "suggested_unit": suggest},
        )
        done = dispatcher.post(f"/api/v1/cases/{case_id}/actions/approve_return", {})
        if done.json()["state"] == "registered":
            dispatcher.post(f"/api/v1/cases/{case_id}/actions/dispatch", {})
    assert done.json()["state"] == "arbitration"
    graph = dispatcher.get("/api/v1/routing/disputes").json()
    assert graph["returns"] == 2 and len(graph["pairs"]) == 2
    assert {(p["from_unit"]["code"], p["to_unit"]["code"]) for p in graph["pairs"]} == {
        (org.sanitation.code, org.street_a.code),
        (org.street_a.code, org.sanitation.code),
    }
    assert graph["pairs"][0]["categories"][0]["code"] == "0102"
    assert [a["case_id"] for a in graph["open_arbitrations"]] == [case_id]
    assert len(graph["open_arbitrations"][0]["history"]) == 2
    assert api_as(loop.users["street_b_manager"]).get("/api/v1/routing/disputes").json()["returns"] == 0
    queue = dispatcher.get("/api/v1/routing/arbitrations").json()
    assert queue["count"] == 1

    ruling = {"unit": org.street_a.code, "reason": "会商：由街道负责", "rule_scope": "community"}
    assert dispatcher.post(f"/api/v1/routing/arbitrations/{case_id}/ruling", ruling).status_code == 403
    ruled = api_as(loop.users["shift_leader"]).post(f"/api/v1/routing/arbitrations/{case_id}/ruling", ruling)
    assert ruled.status_code == 200, ruled.json()
    out = ruled.json()
    assert out["case"]["state"] == "dispatched" and out["arbitration"]["state"] == "ruled"
    assert out["rule"]["area"] == org.community_a.code and out["rule"]["target_unit"] == org.street_a.code
    again = api_as(loop.users["shift_leader"]).post(f"/api/v1/routing/arbitrations/{case_id}/ruling", ruling)
    assert again.status_code == 409
    assert dispatcher.get("/api/v1/routing/disputes").json()["open_arbitrations"] == []
