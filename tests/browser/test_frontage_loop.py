"""A citizen's report in front of a shop goes to that shop first; the shop fixes it on a 375 px
phone page with a photo, and the case goes on to the supervisor's check and is closed. Another
shop lets its window run out, and the case goes to the street."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from cityloop.cases.actions import submit_report
from cityloop.cases.models import Case
from cityloop.core.audit import public_actor
from cityloop.frontage import index
from cityloop.frontage.correction_actions import expire_corrections
from cityloop.frontage.models import SelfCorrection
from tests.cases import conftest as cases_conftest
from tests.cases.conftest import POINT_A, png_bytes
from tests.frontage.loopkit import PASSWORD, shop_at_point_a

from .conftest import PHONE, follow
from .test_org_pages import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
loop = cases_conftest.loop


def citizen_report(loop) -> Case:
    """A citizen reports goods piled in front of the shop; a supervisor verifies it on site, the
    centre accepts and registers it."""
    case, _ = submit_report(
        actor=public_actor(),
        channel="citizen_web",
        description="便利店门口堆满纸箱，行人无法通过",
        lon=POINT_A[0],
        lat=POINT_A[1],
        reporter_name="李市民",
        reporter_phone="13912345678",
    )
    case = loop.drive(case, "send_for_verification", "verify")
    case = loop.act(case, "accept", category="0507", kind="event")
    return loop.act(case, "register")


def visible_text(page) -> str:
    return page.evaluate("() => document.querySelector('main').innerText")


def test_the_shop_fixes_it_on_its_phone_and_the_case_goes_on(
    browser, reference_data, live_server, loop, shots, media, tmp_path
):
    index.reset()
    party = shop_at_point_a(loop.users["admin"])
    case = citizen_report(loop)
    assert case.state == "dispatched" and case.routing["basis"] == "claimer"
    assert party.name in case.routing["explanation"]
    correction = SelfCorrection.objects.get(case_id=case.pk)

    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server.url, party.account.username, PASSWORD)
    assert page.url.endswith("/frontage/my/")
    with page.expect_navigation():
        page.click("nav a[href='/frontage/me/cases/']")
    shots(page, "cases")
    text = visible_text(page)
    assert "乱堆物堆料" in text and "纸箱" in text
    assert "李市民" not in text and "13912345678" not in text
    follow(page, f"a[href='/frontage/me/cases/{correction.pk}/']")
    shots(page, "case")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert not re.findall(r"[A-Za-z]{3,}", visible_text(page).replace(correction.zone.code, ""))
    photo = tmp_path / "fixed.png"
    photo.write_bytes(png_bytes("green"))
    page.set_input_files("#photo", str(photo))
    page.fill("#note", "纸箱已全部搬回店内")
    with page.expect_navigation():
        page.click("form[action$='/fixed'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    shots(page, "answered")
    assert "监督员" in visible_text(page)
    assert not errors
    context.close()

    case = Case.objects.get(pk=case.pk)
    assert case.state == "disposed" and case.attachments.filter(purpose="disposal").exists()
    case = loop.drive(case, "send_for_check", "check_pass", "close")
    assert case.state == "closed"


def test_no_answer_in_time_and_the_street_takes_it(browser, reference_data, live_server, loop, shots):
    index.reset()
    party = shop_at_point_a(loop.users["admin"])
    case = citizen_report(loop)
    correction = SelfCorrection.objects.get(case_id=case.pk)
    assert expire_corrections(correction.deadline_at + dt.timedelta(minutes=1))["expired"] == 1
    case = Case.objects.get(pk=case.pk)
    assert case.state == "dispatched" and case.responsible_unit_id == party.street_id

    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    _login(page, live_server.url, party.account.username, PASSWORD)
    page.goto(f"{live_server.url}/frontage/me/cases/")
    text = visible_text(page)
    assert "逾期未纠正" in text and 'name="photo"' not in page.content()
    page.goto(f"{live_server.url}/frontage/me/cases/{correction.pk}/")
    shots(page, "expired")
    assert page.locator("form[action$='/fixed']").count() == 0
    context.close()
    # The street's staff see why on the case's timeline.
    assert "未在时限内" in case.events.filter(transition="comment").last().note


WIDE = {"width": 1440, "height": 900}


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["375", "1440"])
def test_credit_and_overview_fit_and_speak_chinese(
    browser, reference_data, live_server, loop, shots, viewport
):
    from django.utils import timezone

    from cityloop.frontage.correction_actions import Photo, answer_fixed
    from cityloop.frontage.credit import add_months, month_start
    from cityloop.frontage.credit_actions import recompute_credit
    from cityloop.frontage.groups import create_group, join_group, set_leader
    from cityloop.frontage.models import CreditListing

    index.reset()
    actor = loop.users["admin"]
    party = shop_at_point_a(actor)
    case = citizen_report(loop)
    correction = SelfCorrection.objects.get(case_id=case.pk)
    answer_fixed(
        correction.pk, actor=party.account, photo=Photo("p.png", png_bytes(), "image/png", "png", "ef" * 32)
    )
    recompute_credit(actor=actor, month=add_months(month_start(timezone.localdate()), -1))
    CreditListing.objects.create(
        party=party, kind="black", since=dt.date(2026, 1, 1), reason="信用分过低", street=party.street
    )
    group = create_group(actor=actor, street=party.street, name="东街商户自治联盟")
    join_group(actor=actor, group=group, party=party)
    set_leader(actor=actor, group=group, party=party)
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server.url, "street_a_manager")
    for path, name in (("/frontage/credit/", "credit"), ("/frontage/overview/", "overview")):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        shots(page, name)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"{path} is {width} px wide at {viewport['width']} px"
        text = page.evaluate(
            "() => { const m = document.querySelector('main').cloneNode(true);"
            " m.querySelectorAll('code, select').forEach(e => e.remove()); return m.innerText; }"
        )
        assert not re.findall(r"[A-Za-z]{3,}", text), (path, text)
        assert party.name in text
    assert not errors
    context.close()
