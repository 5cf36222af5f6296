"""The district ranking of a city's evaluation in Chromium, at phone and desktop widths, in Chinese."""

from __future__ import annotations

import pytest

from cityloop.evaluation.actions import compute_period
from tests.cases import conftest as cases_conftest
from tests.evaluation import conftest as evaluation_conftest
from tests.evaluation import scenario
from tests.web.test_translations import english_words

from .conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
loop = cases_conftest.loop  # the small city of the case tests …
drive = evaluation_conftest.drive
second_district = evaluation_conftest.second_district  # … with a second district
no_minimums = evaluation_conftest.no_minimums

WIDE = {"width": 1440, "height": 900}


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo-pass-2026")
    with page.expect_navigation():  # signed in once the login page has sent us on
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert "/login/" not in page.url, f"{username} could not sign in"


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["375", "1440"])
def test_district_ranking_in_chinese(
    browser, reference_data, live_server, drive, second_district, no_minimums, actor, shots, viewport
):
    scenario.build(drive)
    scenario.build_east(drive, second_district)
    compute_period(
        actor=actor, period=evaluation_conftest.PERIOD, scope=loop_city(drive), now=evaluation_conftest.AFTER
    )
    for username, seen, unseen in (
        ("city_chief", ["示范区", "东区"], []),
        ("east_leader", ["东区"], ["76.25"]),
    ):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc, errors=errors: errors.append(str(exc)))
        _login(page, live_server.url, username)
        page.goto(f"{live_server.url}/evaluation/{evaluation_conftest.PERIOD}/district/")
        page.wait_for_load_state("networkidle")
        assert page.locator("h1").inner_text().endswith("区排名")
        rows = page.locator("table tbody tr th a").all_inner_texts()
        assert rows == seen, rows
        html = page.content()
        assert not [u for u in unseen if u in html]
        assert not english_words(html, frozenset({username}))
        # the charts drew (ECharts puts a canvas in each)
        assert page.locator("#chart-trend canvas").count() == 1
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], (
            f"the district ranking is {width} px wide at {viewport['width']} px"
        )
        shots(page, f"{username}-district-ranking-{viewport['width']}")
        assert not errors, errors
        context.close()


def loop_city(drive):
    return drive.loop.org.city
