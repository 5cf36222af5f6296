"""The backlog, disputes and trends pages: for leaders and the command centre, in Chinese, charts
fed from the embedded data, no inline script or style."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from cityloop.analytics import rollup
from tests.web.test_translations import english_words

from .test_backlog_disputes import _returns


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


def _data(html: str) -> dict:
    found = re.search(r'<script id="analytics-chart-data" type="application/json">(.*?)</script>', html, re.S)
    assert found
    return json.loads(found.group(1))


@pytest.fixture
def world(planter, grids, loop, actor):
    now = timezone.now()
    planter.cases(grids[0], [now - dt.timedelta(days=40)], state="dispatched")
    planter.cases(grids[0], [now - dt.timedelta(days=d) for d in range(1, 20)])
    planter.cases(
        grids[0], [now - dt.timedelta(days=364 + d) for d in range(1, 8)], closed_after=dt.timedelta(days=1)
    )
    _returns(loop, actor)
    rollup.refresh(now)


@pytest.mark.parametrize("path", ["/analytics/backlog/", "/analytics/disputes/", "/analytics/trends/"])
def test_pages_in_chinese_with_their_charts(world, loop, path) -> None:
    page = _client(loop.users["leader"]).get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>" not in html and " style=" not in html and "data-an-chart" in html
    assert not english_words(html, frozenset(u.username for u in loop.users.values()))
    data = _data(html)
    if path.endswith("backlog/"):
        assert sum(map(sum, (s["data"] for s in data["backlog"]["series"]))) == 20
        assert "积案" in html or "滞留" in html
    elif path.endswith("disputes/"):
        assert "环卫所" in html and data["matrix"]["cells"]
    else:
        assert len(data["trend"]["days"]) == 84 and sum(data["trend"]["year_ago"]) >= 1
        assert 'action="/api/v1/analytics/open-data"' in html  # a leader may export


def test_bad_input_is_explained_and_access_is_for_oversight(world, loop) -> None:
    leader = _client(loop.users["leader"])
    assert (
        'role="alert"'
        in leader.get("/analytics/disputes/", {"from": "2026-12-31", "to": "2026-01-01"}).content.decode()
    )
    assert leader.get("/analytics/trends/", {"by": "zz", "weeks": "x", "to": "no"}).status_code == 200
    dispatcher = _client(loop.users["dispatcher"]).get("/analytics/trends/").content.decode()
    assert "open-data" not in dispatcher  # the command centre sees trends, not the export
    assert _client(loop.users["street_a_manager"]).get("/analytics/backlog/").status_code == 403
