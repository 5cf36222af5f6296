"""Pages at phone and desktop sizes, in Chinese and English, used with the keyboard."""

from __future__ import annotations

import pytest

from tests.cases import conftest as cases_conftest

from .conftest import DESKTOP, PHONE

# A live server needs committed data (transactional tests); ``reference_data`` brings back what the
# migrations loaded after another transactional test emptied the tables.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
loop = cases_conftest.loop  # the small city of the case tests


def _login(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo-pass-2026")
    page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")


def test_phone_pages_fit_375_px_in_english(browser, reference_data, live_server, loop, shots):
    loop.drive(loop.report(), "accept")
    context = browser.new_context(viewport=PHONE, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{live_server.url}/public/report/")
    page.select_option("#lang-select", "en")
    page.wait_for_load_state("networkidle")
    assert "Report a problem in the city" in page.content()
    shots(page, "public-report-en")
    _login(page, live_server.url, "supervisor_a")
    for path, name in [("/m/", "tasks"), ("/m/report/", "report")]:
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width} px wide on a 375 px phone"
        shots(page, f"supervisor-{name}-en")
    assert not errors
    context.close()


def test_the_queue_with_the_keyboard(browser, reference_data, live_server, loop, shots):
    case = loop.drive(loop.report(), "accept")
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    _login(page, live_server.url, "shift_leader")
    assert page.locator("#queue-results").count() == 1  # the shift leader lands on the queue
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    # The filters answer without a reload (htmx) and keep the query in the address bar.
    page.fill("#id_q", case.number)
    page.wait_for_url(f"**q={case.number}**")
    assert page.locator("#queue-results tbody tr").count() == 1
    shots(page, "queue-filtered")
    link = page.locator(f"#queue-results a:text('{case.number}')")
    link.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/cases/{case.pk}/")
    page.wait_for_load_state("networkidle")
    # The first action form is open; its fields are reachable with Tab and it submits with Enter.
    page.focus("#id_register-condition")
    page.keyboard.press("ArrowDown")
    page.locator("#action-register button[type=submit]").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(".msg.success")
    page.wait_for_load_state("networkidle")
    shots(page, "registered-with-the-keyboard")
    context.close()
