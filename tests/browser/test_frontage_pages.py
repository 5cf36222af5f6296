"""The frontage officer's pages (门前三包) at 375 px and 1440 px in Chinese: they fit, say nothing in
English, and the map draws the zones."""

from __future__ import annotations

import re

import pytest

from cityloop.frontage.actions import import_frontage
from cityloop.frontage.uscc import make
from tests.cases import conftest as cases_conftest
from tests.cases.conftest import POINT_A

from .conftest import PHONE
from .test_org_pages import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
loop = cases_conftest.loop
WIDE = {"width": 1440, "height": 900}


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["375", "1440"])
def test_frontage_pages_fit_speak_chinese_and_draw_zones(
    browser, reference_data, live_server, loop, shots, viewport
):
    lon, lat = POINT_A
    rows = [
        {
            "uscc": make("9", "1", "990100", f"QD{n:06d}"),
            "name": f"东街{n}号便利店",
            "contact_name": "王小明",
            "contact_phone": "13800000000",
            "geometry": f"LINESTRING ({lon + n * 0.0002} {lat}, {lon + n * 0.0002 + 0.0001} {lat})",
            "depth": "5",
        }
        for n in range(1, 4)
    ]
    report = import_frontage(rows, actor=loop.users["admin"])
    assert report.applied, [str(e) for e in report.errors]
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server.url, "street_a_manager")
    for path, name in (("/frontage/", "list"), (f"/frontage/parties/{rows[0]['uscc']}/", "party")):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        page.wait_for_function("document.querySelector('#frontage-map canvas, #frontage-map svg') !== null")
        shots(page, name)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{path} is {width} px wide at {viewport['width']} px"
        text = page.evaluate(
            "() => { const m = document.querySelector('main').cloneNode(true);"
            " m.querySelectorAll('code, select, .leaflet-control-attribution').forEach(e => e.remove());"
            " return m.innerText; }"
        )
        assert not re.findall(r"[A-Za-z]{3,}", text), (path, text)
        assert "便利店" in text
    assert not errors
    context.close()
