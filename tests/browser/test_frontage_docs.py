"""The frontage loop in a browser: the officer gives an imported shop its phone account and issues
letters (1440 px), the party signs one on a 375 px phone with a finger-drawn signature, a supervisor
inspects with a failed item (a notice), re-inspects after the deadline and the notice becomes a case
in the case loop."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from cityloop.cases.models import Case
from cityloop.core.models import User
from cityloop.frontage.actions import import_frontage
from cityloop.frontage.models import Letter, Notice, NoticeStatus, Party
from cityloop.frontage.uscc import make
from tests.cases import conftest as cases_conftest
from tests.cases.conftest import POINT_A

from .conftest import PHONE, follow
from .test_org_pages import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
loop = cases_conftest.loop
WIDE = {"width": 1440, "height": 900}
USCC = make("9", "1", "990100", "20260001")


def _check(page, viewport) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} is {width} px wide at {viewport['width']} px"
    # Codes, choices and what the officer types (a template's {placeholders}) are not the page's words.
    text = page.evaluate(
        "() => { const m = document.querySelector('main').cloneNode(true);"
        " m.querySelectorAll('code, select, textarea, .small').forEach(e => e.remove());"
        " return m.innerText; }"
    )
    words = [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in {"PDF", "SHA", "CSV"}]
    assert not words, (page.url, words)


def test_letters_sign_inspect_notice_recheck_case(browser, reference_data, live_server, loop, shots, media):
    lon, lat = POINT_A
    row = {
        "uscc": USCC,
        "name": "东街面馆",
        "contact_name": "王小明",
        "contact_phone": "13800000000",
        "geometry": f"LINESTRING ({lon + 0.0002} {lat}, {lon + 0.0003} {lat})",
        "depth": "5",
        "lon": str(lon + 0.00025),
        "lat": str(lat + 0.00002),
    }
    report = import_frontage([row], actor=loop.users["admin"])
    assert report.applied, [str(e) for e in report.errors]
    party = Party.objects.get(uscc=USCC)
    # Names show on the pages (the fixtures' users are named by their login, in English).
    User.objects.filter(username="supervisor_a").update(display_name="李巡查")
    errors: list[str] = []

    # The officer gives the imported shop its phone account on its page, then issues this year's letters.
    desk = browser.new_context(viewport=WIDE, locale="zh-CN")
    page = desk.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server.url, "street_a_manager")
    page.goto(f"{live_server.url}/frontage/parties/{USCC}/")
    page.fill("#account-username", "shop1")
    follow(page, "form[action$='/account'] button[type=submit]")
    shots(page, "party-account-given")
    _check(page, WIDE)
    temporary = page.inner_text("[data-testid=temporary-password]").strip()
    assert Party.objects.get(pk=party.pk).account is not None
    page.goto(live_server.url + "/frontage/letters/")
    with page.expect_navigation():
        page.click("[data-testid=issue-letters]")
    shots(page, "letters-issued")
    _check(page, WIDE)
    assert "东街面馆" in page.inner_text("main")
    letter = Letter.objects.get(party=party)

    # The party signs on its phone.
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", has_touch=True)
    page = phone.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server.url, "shop1", temporary)
    assert "/account/password/" in page.url  # the party first chooses its own password
    page.fill("#id_old_password", temporary)
    page.fill("#id_new_password", "Mianguan-2026-mine")
    page.fill("#id_new_password2", "Mianguan-2026-mine")
    follow(page, "main form button[type=submit]")
    page.goto(live_server.url + "/")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/frontage/my/")
    _check(page, PHONE)
    with page.expect_navigation():
        page.click("[data-testid=sign-letter]")
    page.fill("#s-name", "王小明")
    pad = page.locator("[data-signature-pad]")
    pad.scroll_into_view_if_needed()
    box = pad.bounding_box()
    page.mouse.move(box["x"] + 20, box["y"] + 80)
    page.mouse.down()
    for step in range(1, 15):
        page.mouse.move(box["x"] + 20 + step * 20, box["y"] + 80 + (step % 3 - 1) * 25)
    page.mouse.up()
    shots(page, "signature-drawn")
    _check(page, PHONE)
    with page.expect_navigation():
        page.click("[data-testid=submit-signature]")
    page.wait_for_selector("[data-testid=signed]")
    shots(page, "letter-signed")
    letter.refresh_from_db()
    assert letter.status == "signed" and letter.signer_name == "王小明"
    assert letter.pdf and letter.signature

    # A supervisor inspects on the phone and fails an item: a notice.
    inspector = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = inspector.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server.url, "supervisor_a")
    page.goto(f"{live_server.url}/frontage/inspect/{USCC}/")
    _check(page, PHONE)
    page.check("[data-testid=fail-ord_outside]")
    page.fill("#n-ord_outside", "桌椅摆到人行道")
    shots(page, "inspect")
    with page.expect_navigation():
        page.click("[data-testid=save-inspection]")
    assert page.inner_text("[data-testid=score]") == "85"
    shots(page, "inspected")
    _check(page, PHONE)
    notice = Notice.objects.get(party=party)

    # After the deadline the problem is still there: the re-inspection escalates it to a case.
    Notice.objects.filter(pk=notice.pk).update(deadline=notice.deadline - dt.timedelta(days=30))
    with page.expect_navigation():
        page.click("[data-testid=notice-link]")
    _check(page, PHONE)
    with page.expect_navigation():
        page.click("[data-testid=recheck]")
    page.check("[data-testid=fail-ord_outside]")
    with page.expect_navigation():
        page.click("[data-testid=save-inspection]")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.ESCALATED
    case = Case.objects.get(external_id=notice.number)
    assert case.category.code == "0504" and case.state == "reported"
    page.goto(f"{live_server.url}/frontage/notices/{notice.number}/")
    assert page.inner_text("[data-testid=case-number]") == case.number
    shots(page, "escalated")
    _check(page, PHONE)
    assert not errors


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["375", "1440"])
def test_officer_edits_the_letter_template_with_a_preview(
    browser, reference_data, live_server, loop, shots, viewport
):
    """责任书模板: the officer opens the template from the letters page, types a text, previews it
    filled in for the street's shop, saves it; the page then says the text is the street's own."""
    from cityloop.frontage.models import LetterTemplate

    lon, lat = POINT_A
    row = {
        "uscc": USCC,
        "name": "东街面馆",
        "geometry": f"LINESTRING ({lon + 0.0002} {lat}, {lon + 0.0003} {lat})",
        "depth": "5",
    }
    assert import_frontage([row], actor=loop.users["admin"]).applied
    User.objects.filter(username="street_a_manager").update(display_name="赵主任")
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server.url, "street_a_manager")
    page.goto(f"{live_server.url}/frontage/letters/")
    follow(page, "[data-testid=edit-template]")
    assert "系统内置文本" in page.locator("[data-testid=template-source]").inner_text()
    page.fill("#t-title", "东街门前三包责任书")
    page.fill("#t-body", "{party}：请做好{duties}，有效期{valid_from}至{valid_to}。")
    follow(page, "button[value=preview]")
    preview = page.locator("[data-testid=template-preview]").inner_text()
    assert "东街面馆：请做好" in preview and "{party}" not in preview
    assert not LetterTemplate.objects.exists()
    shots(page, "template-preview")
    _check(page, viewport)
    follow(page, "[data-testid=save-template]")
    assert "本街道自己的文本" in page.locator("[data-testid=template-source]").inner_text()
    shots(page, "template-saved")
    _check(page, viewport)
    assert LetterTemplate.objects.get(street=loop.org.street_a).title == "东街门前三包责任书"
    assert not errors
    context.close()
