"""The whole loop in Chromium, as people do it: a citizen reports on a phone, the operator sends it for
verification, a supervisor verifies on a phone, the operator accepts, the shift leader registers, the
dispatcher dispatches, the department disposes with a photo, the supervisor checks on a 375 px
phone, the shift leader closes, and the citizen sees it closed and rates it."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from cityloop.cases.models import Case
from tests.cases import conftest as cases_conftest

from .conftest import DESKTOP, PHONE, follow

# A live server needs committed data (transactional tests); ``reference_data`` brings back what the
# migrations loaded after another transactional test emptied the tables.
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
loop = cases_conftest.loop  # the small city of the case tests
PASSWORD = "demo-pass-2026"


def jpeg(color: str) -> dict[str, Any]:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(buffer, "JPEG")
    return {"name": f"{color}.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}


class Person:
    """One browser context: a user (or a citizen) at a screen size."""

    def __init__(
        self,
        browser: Any,
        base: str,
        viewport: dict[str, int],
        username: str | None = None,
        where: tuple[float, float] | None = None,
    ) -> None:
        located: dict[str, Any] = {}
        if where is not None:
            located = {
                "geolocation": {"longitude": where[0], "latitude": where[1]},
                "permissions": ["geolocation"],
            }
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", **located)
        self.context.set_default_timeout(15000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.base = base
        if username:
            self.page.goto(f"{base}/login/")
            self.page.fill("#id_username", username)
            self.page.fill("#id_password", PASSWORD)
            self.page.click("button[type=submit]")
            self.page.wait_for_load_state("networkidle")

    def go(self, path: str) -> Any:
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        return self.page

    def act(
        self, name: str, fill: dict[str, str] | None = None, files: list[dict[str, Any]] | None = None
    ) -> None:
        """Open the action's form, fill it in, submit it (htmx), and wait for the confirmation."""
        page = self.page
        details = page.locator(f"#action-{name}")
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        for selector, value in (fill or {}).items():
            field = details.locator(selector)
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(value)
            elif field.get_attribute("type") == "radio":
                field.check()
            else:
                field.fill(value)
        if files:
            details.locator("input[type=file]").set_input_files(files)
        details.locator("button[type=submit]").click()
        page.wait_for_selector(".msg.success")
        page.wait_for_load_state("networkidle")

    def close(self) -> None:
        assert not self.errors, f"JavaScript errors: {self.errors}"
        self.context.close()


def test_the_whole_loop_in_the_browser(browser, reference_data, live_server, loop, media, shots):
    base = live_server.url

    # A citizen reports from a phone, without an account.
    citizen = Person(browser, base, PHONE)
    page = citizen.go("/public/report/")
    page.fill("#id_description", "人行道上的垃圾堆了好几天")
    page.fill("#place-q", "东一")
    page.click("[data-pick-place]")
    page.wait_for_selector("[data-located]")
    page.set_input_files("#id_photos", [jpeg("gray")])
    page.fill("#id_reporter_phone", "13900000000")
    shots(page, "citizen-report")
    page.click("button.primary.wide")
    page.wait_for_selector("#tracking-code")
    code = page.inner_text("#tracking-code").strip()
    shots(page, "citizen-receipt")
    case = Case.objects.get(tracking_code=code)
    assert case.channel.code == "citizen_web" and case.state == "reported"

    # The operator finds it in the queue and sends it for on-site verification.
    operator = Person(browser, base, DESKTOP, "operator")
    page = operator.go("/cases/")
    follow(page, f"text={case.number}")
    shots(page, "operator-case")
    operator.act("send_for_verification")

    # A supervisor verifies on a phone.
    # Standing some 150 m south-west of the problem, with the phone's location on.
    supervisor = Person(browser, base, PHONE, "supervisor_a", where=(case.lon - 0.0012, case.lat - 0.0008))
    page = supervisor.go("/m/")
    follow(page, f"a[href='/m/cases/{case.pk}/']")
    supervisor.act("verify", {"input[value=true]": "on"})
    shots(page, "supervisor-verified")

    # The operator accepts it with a category found by Chinese text; the shift leader registers it.
    page = operator.go(f"/cases/{case.pk}/")
    page.locator("#action-accept input[type=search]").fill("垃圾")
    page.click("#action-accept [data-pick-category][data-code='0102'][data-kind='event']")
    shots(page, "operator-accept")
    operator.act("accept")
    shift = Person(browser, base, DESKTOP, "shift_leader")
    shift.go(f"/cases/{case.pk}/")
    shift.act("register", {"select[name=register-condition]": "1"})
    shots(shift.page, "shift-leader-registered")

    # The dispatcher sends it to the sanitation department.
    dispatcher = Person(browser, base, DESKTOP, "dispatcher")
    page = dispatcher.go("/cases/")
    follow(page, f"text={case.number}")
    dispatcher.act("dispatch", {"select[name=dispatch-unit]": str(loop.org.sanitation.pk)})
    shots(page, "dispatcher-dispatched")

    # The department disposes with a photo.
    handler = Person(browser, base, DESKTOP, "sanitation_handler")
    page = handler.go("/tasks/")
    follow(page, f"text={case.number}")
    handler.act("dispose", {"textarea[name=dispose-feedback]": "已清理干净"}, [jpeg("green")])
    shots(page, "department-disposed")

    # The operator sends it for check; the supervisor checks on a 375 px phone.
    operator.go(f"/cases/{case.pk}/")
    operator.act("send_for_check")
    page = supervisor.go("/m/")
    follow(page, f"a[href='/m/cases/{case.pk}/']")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.wait_for_function("document.getElementById('directions-text').textContent.includes('m')")
    shots(page, "supervisor-check")
    supervisor.act("check_pass", files=[jpeg("white")])
    shots(page, "supervisor-checked")

    # The shift leader closes it.
    shift.go(f"/cases/{case.pk}/")
    shift.act("close")
    shots(shift.page, "shift-leader-closed")
    case.refresh_from_db()
    assert case.state == "closed" and case.attachments.count() == 3

    # The citizen sees it closed and rates the result.
    page = citizen.go(f"/public/track/{code}/")
    assert page.inner_text("#public-state") == "已结案"
    shots(page, "citizen-sees-closed")
    page.check("input[name=rating][value='5']")
    # Only the reporter rates: the last four digits of the phone given with the report prove it.
    page.fill("form.rating input[name=phone_last4]", "0000")
    follow(page, "form.rating button[type=submit]")
    shots(page, "citizen-rated")
    case.refresh_from_db()
    assert case.citizen_rating == 5

    for person in (citizen, operator, supervisor, shift, dispatcher, handler):
        person.close()
