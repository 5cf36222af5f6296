"""The command centre's wall at 1920×1080 and the briefings page at phone and desktop widths, in
Chromium: drawn from the data, in Chinese, without a script error. Bounded: no wait for a poll."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cityloop.analytics import rollup
from cityloop.analytics.briefings.service import generate
from cityloop.analytics.open_rollup import refresh_open
from cityloop.cases.models import Case
from tests.analytics import conftest as analytics_conftest
from tests.cases import conftest as cases_conftest
from tests.web.test_translations import english_words

from .conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
loop = cases_conftest.loop
planter = analytics_conftest.planter
grids = analytics_conftest.grids

WALL = {"width": 1920, "height": 1080}
WIDE = {"width": 1440, "height": 900}


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo-pass-2026")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert "/login/" not in page.url, f"{username} could not sign in"


def _plant(planter, grids, loop) -> None:
    now = timezone.now()
    cases = planter.cases(grids[0], [now - dt.timedelta(minutes=m) for m in range(1, 6)])
    cases += planter.cases(grids[5], [now - dt.timedelta(minutes=7)], channel="hotline_12345")
    Case.objects.filter(pk__in=[c.pk for c in cases[:3]]).update(
        light="red", responsible_unit=loop.org.sanitation
    )
    rollup.refresh(now)
    refresh_open(now)


def test_wall_at_1920(browser, reference_data, live_server, planter, grids, loop, shots) -> None:
    _plant(planter, grids, loop)
    context = browser.new_context(viewport=WALL, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server.url, "leader")
    page.goto(f"{live_server.url}/bigscreen/")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("#red-list li .name")
    shots(page, "wall")
    assert page.locator("#intake-total").inner_text() == "6"
    assert page.locator("#kpi-red").inner_text() == "3"
    assert page.locator("#red-list li .name").first.inner_text() == loop.org.sanitation.name
    assert page.locator("#intake-channels li").count() >= 2
    assert page.locator("#wall-map canvas").count() >= 1  # Leaflet drew the layers and the lights
    assert page.locator("#intake-hours canvas").count() == 1  # ECharts drew the hours
    assert "更新于" in page.locator("#wall-status").inner_text()
    assert not english_words(page.content(), frozenset({"leader"}))
    assert not errors, errors
    context.close()


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["375", "1440"])
def test_briefings_page(
    browser, reference_data, live_server, planter, grids, loop, actor, shots, viewport
) -> None:
    _plant(planter, grids, loop)
    briefing = generate("weekly", timezone.localdate(), loop.org.district, actor=actor, deliver=False)
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server.url, "leader")
    page.goto(f"{live_server.url}/analytics/briefings/")
    page.wait_for_load_state("networkidle")
    assert briefing.title in page.content() and briefing.findings[0] in page.content()
    shots(page, "list")
    page.select_option("select[name=kind]", "monthly")
    with page.expect_navigation():
        page.click("form.an-filter button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "专报已生成" in page.content()
    shots(page, "written")
    assert not english_words(page.content(), frozenset({"leader"}))
    with page.expect_download() as download:
        page.locator("a.bf-download").first.click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert not errors, errors
    context.close()
