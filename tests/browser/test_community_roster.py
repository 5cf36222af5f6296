"""A street's manager sets up a community from a sheet (三长一站), on a phone (375 px) and at a desk
(1440 px), in Chinese: first a sheet with a bad row (every problem named, nothing written), then the
corrected sheet (the counts of what was created)."""

from __future__ import annotations

import re

import pytest

from cityloop.community.models import Post, Station
from tests.community.test_roster import csv_bytes, good_sheet, row, xlsx

from .conftest import follow
from .test_org_pages import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _chinese_only(page, width: int) -> None:
    text = page.evaluate(
        "() => { const m = document.querySelector('main').cloneNode(true);"
        " m.querySelectorAll('code, input[type=file]').forEach(e => e.remove()); return m.innerText; }"
    )
    assert not re.findall(r"[A-Za-z]{3,}", text), re.findall(r".{0,20}[A-Za-z]{3,}.{0,20}", text)
    assert page.evaluate("document.documentElement.scrollWidth") <= width, f"{page.url} is wider than {width}"


@pytest.mark.parametrize("width", [375, 1440])
def test_a_street_manager_imports_the_community_set_up(
    browser, reference_data, live_server, org, width, shots
):
    from cityloop.core.actions import create_user
    from cityloop.core.audit import system_actor
    from cityloop.core.models import Role

    for login in ("wang_head", "liu_lane", "zhao_building", "li_plumber"):
        create_user(
            actor=system_actor(),
            username=login,
            password=None,
            roles=[(org.community_a, Role.COMMUNITY_HEAD)],
        )
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = live_server.url
    _login(page, base, "street_a_manager")

    page.goto(base + "/community/street/")
    follow(page, "a[href='/community/import/']")
    _chinese_only(page, width)
    shots(page, "import-page")

    bad = [*good_sheet(org), row("工作站", org.community_b.code, name="西一社区工作站")]
    page.set_input_files(
        "#id_file", files=[{"name": "社区.csv", "mimeType": "text/csv", "buffer": csv_bytes(bad, "gb18030")}]
    )
    follow(page, "main form button[type=submit]")
    assert "西一社区" in page.inner_text("table.roster-errors") and not Station.objects.exists()
    _chinese_only(page, width)
    shots(page, "bad-row")

    page.set_input_files(
        "#id_file", files=[{"name": "社区.xlsx", "mimeType": XLSX, "buffer": xlsx(good_sheet(org))}]
    )
    follow(page, "main form button[type=submit]")
    assert "已导入" in page.inner_text("main")
    assert Station.objects.count() == 1 and Post.objects.count() == 3
    _chinese_only(page, width)
    shots(page, "imported")
    assert not errors
    context.close()
