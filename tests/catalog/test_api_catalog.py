"""The catalog API as a client sees it: the tree, conditions, search; readable by any signed-in user."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from cityloop.catalog import actions
from cityloop.catalog.models import Category
from cityloop.catalog.standard import STANDARD_CSV
from cityloop.core.actions import create_user


@pytest.fixture
def client(api_as, org):
    return api_as(org.users["supervisor_a"])


def test_anonymous_is_refused(api_as, org):
    assert api_as(None).get("/api/v1/catalog/categories").status_code == 401


def test_tree_lists_every_row_of_catalog_csv(client):
    body = client.get("/api/v1/catalog/categories").json()
    listed = {}
    for cls in body:
        listed[(cls["kind"], cls["code"])] = cls
        for sub in cls["subclasses"]:
            assert sub["parent"] == cls["code"] and sub["kind"] == cls["kind"]
            listed[(sub["kind"], sub["code"])] = sub
    with STANDARD_CSV.open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            item = listed[(row["kind"], row["code"])]
            assert (item["name"], item["name_en"]) == (row["name_zh"], row["name_en"])
    components = {c["code"]: c for c in body if c["kind"] == "component"}
    events = {c["code"]: c for c in body if c["kind"] == "event"}
    assert {"code": "0101", "name": "上水井盖"}.items() <= next(
        s for s in components["01"]["subclasses"] if s["code"] == "0101"
    ).items()
    vendor = next(s for s in events["05"]["subclasses"] if s["code"] == "0501")
    assert (vendor["name"], vendor["parent"], vendor["kind"]) == ("无照经营游商", "05", "event")


def test_tree_filters_by_kind_text_and_date(client, actor):
    events = client.get("/api/v1/catalog/categories", kind="event").json()
    assert {c["kind"] for c in events} == {"event"}
    covers = client.get("/api/v1/catalog/categories", q="井盖").json()
    assert [c["code"] for c in covers] == ["01"]
    codes = {s["code"] for s in covers[0]["subclasses"]}
    assert {"0101", "0111", "0114"} <= codes and "0118" not in codes
    special = Category.objects.get(kind="component", code="0130")
    actions.retire_category(actor=actor, category=special, on=dt.date(2025, 1, 1))
    before = client.get("/api/v1/catalog/categories", kind="component", at="2024-12-31").json()
    after = client.get("/api/v1/catalog/categories", kind="component", at="2025-01-01").json()
    assert "0130" in {s["code"] for s in before[0]["subclasses"]}
    assert "0130" not in {s["code"] for s in after[0]["subclasses"]}
    assert client.get("/api/v1/catalog/categories", kind="thing").status_code == 400


def test_conditions_by_code_with_limits(client, actor):
    actions.load_demo_conditions(actor=actor)
    body = client.get("/api/v1/catalog/conditions", code="0101", kind="component").json()
    assert [c["number"] for c in body] == [1, 2]
    missing = body[1]
    assert missing["urgency"] == "urgent" and missing["counts_clock_time"] is True
    assert (missing["limit_amount"], missing["limit_unit"]) == (2, "hour")
    assert missing["closure_en"] == "cover replaced or area fenced"
    whole_class = client.get("/api/v1/catalog/conditions", code="05", kind="event").json()
    assert {c["code"] for c in whole_class} >= {"0501", "0504", "0505"}
    damaged = client.get("/api/v1/catalog/conditions", q="破损", kind="component").json()
    assert damaged and all("破损" in c["description"] or "破损" in c["category_name"] for c in damaged)
    assert client.get("/api/v1/catalog/conditions", code="0188", kind="event").status_code == 404
    assert client.get("/api/v1/catalog/conditions", code="x1").status_code == 400


def test_conditions_for_a_region(client, actor, org):
    actions.load_demo_conditions(actor=actor)
    vendor = Category.objects.get(kind="event", code="0501")
    actions.add_condition(
        actor=actor,
        category=vendor,
        number=1,
        region=org.street_a,
        description="东街道游商",
        urgency="normal",
        limit_amount=1,
        limit_unit="working_hour",
        valid_from=dt.date(2020, 1, 1),
    )
    general = client.get("/api/v1/catalog/conditions", code="0501", kind="event").json()
    assert {c["region"] for c in general} == {None, org.street_a.code}
    in_a = client.get(
        "/api/v1/catalog/conditions", code="0501", kind="event", region=org.street_a.code
    ).json()
    assert [(c["number"], c["limit_amount"], c["region"]) for c in in_a] == [(1, 1, org.street_a.code)]
    in_b = client.get(
        "/api/v1/catalog/conditions", code="0501", kind="event", region=org.street_b.code
    ).json()
    assert [(c["number"], c["limit_amount"], c["region"]) for c in in_b] == [(1, 2, None)]
    assert client.get("/api/v1/catalog/conditions", region="nowhere").status_code == 400


def test_search_endpoint(client, actor):
    actions.load_demo_conditions(actor=actor)
    body = client.get("/api/v1/catalog/search", q="井盖").json()
    codes = [h["code"] for h in body]
    assert "0101" in codes and "0114" in codes
    first = body[0]
    assert first["matched"][0] == "name" and first["conditions"]
    assert client.get("/api/v1/catalog/search", q=" ").status_code == 400


def test_step_limits_endpoint(client):
    body = client.get("/api/v1/catalog/step-limits").json()
    assert {(r["step"], r["urgency"]) for r in body} >= {("verify", "normal"), ("check", "urgent")}


def test_any_signed_in_user_may_read_the_catalog(api_as, org, actor):
    loner = create_user(actor=actor, username="loner", password="demo-pass-2026")  # no role anywhere
    body = api_as(loner).get("/api/v1/catalog/categories", kind="event").json()
    assert len(body) == 6
