"""The analytics page: for leaders and the command centre, within their jurisdiction, in Chinese."""

from __future__ import annotations

import datetime as dt

from django.test import Client
from django.utils import translation

from cityloop.analytics import rollup

from .conftest import END, START, local, weekly

PERIOD = {"from": START.isoformat(), "to": END.isoformat()}


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def test_hotspots_tab_lists_maps_and_tabulates(planter, grids, loop) -> None:
    planter.cases(grids[0], weekly(START - dt.timedelta(weeks=12), END, 2))
    planter.cases(grids[4], weekly(START, END, 9))
    rollup.refresh(local(END + dt.timedelta(days=1)))
    with translation.override("zh-hans"):
        page = _client(loop.users["leader"]).get("/analytics/", PERIOD)
    assert page.status_code == 200
    html = page.content.decode()
    assert "热点" in html and "回潮" in html and 'id="analytics-hexes"' in html
    assert 'data-map="hexes"' in html and "an-flag" in html  # the planted spot is marked
    assert html.count('class="heat-') == 7 * 24
    assert "<script>" not in html and " style=" not in html


def test_recurrence_tab(planter, grids, loop) -> None:
    first = local(START + dt.timedelta(days=2))
    closed = planter.cases(grids[1], [first], closed_after=dt.timedelta(days=1))
    again = planter.cases(grids[1], [first + dt.timedelta(days=4)])
    rollup.refresh(local(END + dt.timedelta(days=1)))
    page = _client(loop.users["dispatcher"]).get("/analytics/", {**PERIOD, "tab": "recurrence", "days": 7})
    assert page.status_code == 200
    html = page.content.decode()
    assert closed[0].number in html and again[0].number in html


def test_bad_filters_are_explained_not_failed(loop) -> None:
    page = _client(loop.users["leader"]).get("/analytics/", {"from": "2026-12-01", "to": "2026-01-01"})
    assert page.status_code == 200 and 'role="alert"' in page.content.decode()
    assert _client(loop.users["leader"]).get("/analytics/", {"level": "x", "days": "zz"}).status_code == 200


def test_for_oversight_roles_only(loop) -> None:
    assert _client(loop.users["street_a_manager"]).get("/analytics/").status_code == 403
    assert Client().get("/analytics/").status_code == 302
    nav = _client(loop.users["leader"]).get("/dashboard/").content.decode()
    assert 'href="/analytics/"' in nav
