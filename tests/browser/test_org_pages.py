"""The organisation pages at 375 px and 1440 px in Chinese: they fit, say nothing in English, and the
first sign-in with a temporary password leads to choosing one's own."""

from __future__ import annotations

import re

import pytest

from cityloop.core.accounts import reset_password
from cityloop.core.actions import create_user, update_unit
from cityloop.core.models import AuditEntry, Role, User
from tests.cases import conftest as cases_conftest

from .conftest import PHONE

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
loop = cases_conftest.loop
WIDE = {"width": 1440, "height": 900}


def _login(page, base: str, username: str, password: str = "demo-pass-2026") -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    assert "/login/" not in page.url, f"{username} could not sign in"


def _english(page) -> list[str]:
    text = page.evaluate(
        "() => { const m = document.querySelector('main').cloneNode(true);"
        " m.querySelectorAll('code, select').forEach(e => e.remove()); return m.innerText; }"
    )
    # Logins are data, not words of the page (the test city's people are named by their logins).
    logins = {part for name in User.objects.values_list("username", flat=True) for part in name.split("_")}
    allowed = {"CSV", "xlsx", "csv", "API"} | logins
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in allowed]


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["375", "1440"])
def test_org_pages_fit_and_speak_chinese(browser, reference_data, live_server, loop, shots, viewport):
    admin = create_user(actor=loop.users["admin"], username="east_admin", password="demo-pass-2026",
                        display_name="东街道管理员", roles=[(loop.org.street_a, Role.ADMIN)])  # fmt: skip
    update_unit(actor=admin, unit=loop.org.community_a, name="东一社区（新）")
    entry = AuditEntry.objects.filter(action="unit.update").last()
    supervisor = loop.users["supervisor_a"]
    pages = [
        ("/org/", "units"),
        (f"/org/units/{loop.org.community_a.pk}/", "unit"),
        ("/org/units/new/", "unit-new"),
        ("/org/users/", "users"),
        (f"/org/users/{supervisor.pk}/", "user"),
        ("/org/users/new/", "user-new"),
        ("/org/roster/", "roster"),
        ("/org/audit/", "audit"),
        (f"/org/audit/{entry.pk}/", "audit-entry"),
        ("/account/password/", "password"),
    ]
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server.url, "east_admin")
    for path, name in pages:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        shots(page, name)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{path} is {width} px wide at {viewport['width']} px"
        assert not _english(page), (path, _english(page))
    assert not errors
    context.close()


def test_a_temporary_password_leads_to_choosing_ones_own(browser, reference_data, live_server, loop, shots):
    raw = reset_password(actor=loop.users["admin"], user=loop.users["supervisor_a"])
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    _login(page, live_server.url, "supervisor_a", raw)
    assert "/account/password/" in page.url
    shots(page, "forced")
    page.fill("#id_old_password", raw)
    page.fill("#id_new_password", "Lake-2931-view")
    page.fill("#id_new_password2", "Lake-2931-view")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")
    shots(page, "changed")
    assert "/account/password/" not in page.url
    context.close()
