"""Public participation in Chromium at 375 px (and its pages at 1440 px): a citizen finds an existing
report on the public map and subscribes to its area; a volunteer signs up for a cleanup and records
it. The pages fit, speak Chinese, and raise no script errors."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from cityloop.core.audit import public_actor
from cityloop.participation import actions, verification
from cityloop.participation.models import AlertSubscription, CleanupRecord, Signup
from tests.cases import conftest as cases_conftest
from tests.cases.conftest import png_bytes
from tests.participation.conftest import last_code

from .conftest import PHONE
from .test_org_pages import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
loop = cases_conftest.loop
WIDE = {"width": 1440, "height": 900}


def _check(page, viewport, words: str = "") -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} is {width} px wide at {viewport['width']} px"
    text = page.evaluate(
        "() => { const m = document.querySelector('main').cloneNode(true);"
        " m.querySelectorAll('code, select, .leaflet-control-attribution').forEach(e => e.remove());"
        " return m.innerText; }"
    )
    english = [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in {"km"}]
    assert not english, (page.url, english)
    if words:
        assert words in text, (page.url, text[:500])


def test_citizen_finds_a_report_and_subscribes_to_its_area(
    browser, reference_data, live_server, loop, shots, media
):
    case = loop.report(description="路灯不亮")
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(60_000)
    page.goto(live_server.url + "/public/map/")
    page.wait_for_selector(f"#pm-list >> text={case.number}")
    page.wait_for_selector("#pm-summary >> text=1")
    shots(page, "map")
    _check(page, PHONE, case.number)
    with page.expect_navigation():
        page.click(f"#pm-list a[href*='{case.number}']")
    shots(page, "case")
    _check(page, PHONE, "已上报")
    page.go_back()
    page.wait_for_selector(f"#pm-list >> text={case.number}")
    box = page.locator("#public-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#pm-area-note >> text=500")
    assert page.input_value("#pm-lon")
    page.fill("#pm-address", "citizen@example.cn")
    shots(page, "area")
    with page.expect_navigation():
        page.click("#pm-alert button[type=submit]")
    shots(page, "code")
    page.fill("#code", last_code("email:citizen@example.cn"))
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.wait_for_selector("#alert-live")
    shots(page, "subscribed")
    _check(page, PHONE)
    wide = browser.new_context(viewport=WIDE, locale="zh-CN").new_page()
    wide.on("pageerror", lambda exc: errors.append(str(exc)))
    wide.set_default_timeout(60_000)
    wide.goto(live_server.url + "/public/map/")
    wide.wait_for_selector(f"#pm-list >> text={case.number}")
    shots(wide, "map-1440")
    _check(wide, WIDE, case.number)
    sub = AlertSubscription.objects.get()
    assert sub.confirmed_at is not None and sub.geometry.covers(
        __import__("shapely").Point(case.lon, case.lat)
    )
    assert not errors


def test_volunteer_signs_up_for_a_cleanup_and_records_it(
    browser, reference_data, live_server, loop, shots, media, tmp_path
):
    manager = loop.users["street_a_manager"]
    citizen = verification.verified_citizen("13812345678")
    volunteer = actions.register_volunteer(
        actor=public_actor(), citizen=citizen, kind="volunteer", name="王小明", street=loop.org.street_a
    )
    actions.decide_volunteer(actor=manager, volunteer=volunteer, approve=True)
    start = timezone.now() + dt.timedelta(hours=2)
    activity = actions.save_activity(
        actor=manager,
        street=loop.org.street_a,
        title="清洁家园",
        theme="十二月主题",
        place="东街道文化广场",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        capacity=10,
    )
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(60_000)
    page.goto(live_server.url + "/public/me/")
    page.fill("#phone", "13812345678")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    shots(page, "phone")
    _check(page, PHONE)
    page.fill("#code", last_code("sms:13812345678"))
    with page.expect_navigation():
        page.click("main button[type=submit]")
    shots(page, "home")
    _check(page, PHONE, "清洁家园")
    with page.expect_navigation():
        page.click("main form button:has-text('报名')")
    assert Signup.objects.filter(activity=activity, volunteer=volunteer, cancelled_at__isnull=True).exists()
    # The morning of the cleanup: it has started.
    activity.starts_at = timezone.now() - dt.timedelta(minutes=30)
    activity.save()
    page.reload()
    with page.expect_navigation():
        page.click("a:has-text('记录清理成果')")
    photo = tmp_path / "cleanup.png"
    photo.write_bytes(png_bytes("green"))
    page.fill("#c-kg", "23.5")
    page.fill("#c-spots", "6")
    page.fill("#c-note", "清理河边垃圾")
    page.set_input_files("#c-photos", str(photo))
    shots(page, "cleanup")
    _check(page, PHONE)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    shots(page, "recorded")
    _check(page, PHONE, "谢谢")
    record = CleanupRecord.objects.get()
    assert (str(record.refuse_kg), record.spots_cleaned, record.photos.count()) == ("23.5", 6, 1)
    # The street's staff see it, on a wide screen too.
    for viewport in (PHONE, WIDE):
        staff = browser.new_context(viewport=viewport, locale="zh-CN").new_page()
        staff.on("pageerror", lambda exc: errors.append(str(exc)))
        _login(staff, live_server.url, "street_a_manager")
        for path, words in (
            ("/participation/", "清洁家园"),
            (f"/participation/activities/{activity.pk}/", "23.5"),
        ):
            staff.goto(live_server.url + path)
            shots(staff, f"staff-{viewport['width']}-{path.count('/')}")
            _check(staff, viewport, words)
    assert not errors


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["375", "1440"])
def test_a_representative_records_a_visit_whose_finding_becomes_a_report(
    browser, reference_data, live_server, loop, shots, viewport
):
    from cityloop.cases.models import Case
    from tests.cases.conftest import POINT_A

    citizen = verification.verified_citizen("13812345678")
    rep = actions.register_volunteer(
        actor=public_actor(), citizen=citizen, kind="representative", name="孙代表", street=loop.org.street_a
    )
    actions.decide_volunteer(actor=loop.users["street_a_manager"], volunteer=rep, approve=True)
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(60_000)
    page.goto(live_server.url + "/public/visits/")
    page.fill("#phone", "13812345678")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.fill("#code", last_code("sms:13812345678"))
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.goto(live_server.url + "/public/visits/")
    page.wait_for_load_state("networkidle")
    page.fill("#id_place", "东街道菜市场")
    page.fill("#id_summary", "早市秩序一般")
    page.fill("#id_finding", "占道经营")
    # The place of the finding, as the map picker sets it.
    page.evaluate(
        "([lon, lat]) => { document.querySelector('input[name=lon]').value = lon;"
        " document.querySelector('input[name=lat]').value = lat; }",
        list(POINT_A),
    )
    shots(page, "visit")
    _check(page, viewport, "记录一次走访")
    with page.expect_navigation():
        page.click("main form.report-form button[type=submit]")
    shots(page, "recorded")
    case = Case.objects.get(channel__code="citizen_rep")
    _check(page, viewport, "走访已记录")
    assert case.tracking_code in page.content() and "占道经营" in case.description
    assert not errors
