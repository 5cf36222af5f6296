"""The frontage officer's pages (门前三包) at 375 px and 1440 px in Chinese: they fit, say nothing in
English, and the map draws the zones."""

from __future__ import annotations

import re

import pytest

from cityloop.frontage.actions import import_frontage
from cityloop.frontage.uscc import make
from tests.cases import conftest as cases_conftest
from tests.cases.conftest import POINT_A

from .conftest import PHONE, follow
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
    # The officer forms a self-discipline group and lets a shop join it (商户自治联盟).
    page.goto(live_server.url + "/frontage/groups/")
    page.fill("#g-name", "东街商户自治联盟")
    follow(page, "[data-testid=create-group]")
    page.select_option("main form select[name=party]", rows[0]["uscc"])
    follow(page, "main form [data-testid^=join-]")
    shots(page, "groups")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"/frontage/groups/ is {width} px wide at {viewport['width']} px"
    text = page.evaluate(
        "() => { const m = document.querySelector('main').cloneNode(true);"
        " m.querySelectorAll('code, select').forEach(e => e.remove()); return m.innerText; }"
    )
    assert not re.findall(r"[A-Za-z]{3,}", text), text
    assert "东街商户自治联盟" in text and "东街1号便利店" in text
    assert not errors
    context.close()


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["375", "1440"])
def test_a_shop_inspects_a_fellow_member_of_its_group_on_the_phone(
    browser, reference_data, live_server, loop, shots, viewport
):
    from cityloop.frontage.accounts import create_party_account
    from cityloop.frontage.checklist import load_standard_checklist
    from cityloop.frontage.groups import create_group, join_group
    from cityloop.frontage.models import Party, PeerInspection

    lon, lat = POINT_A
    rows = [
        {
            "uscc": make("9", "1", "990100", f"QP{n:06d}"),
            "name": f"东街{n}号面馆",
            "geometry": f"LINESTRING ({lon + n * 0.0002} {lat}, {lon + n * 0.0002 + 0.0001} {lat})",
            "depth": "5",
        }
        for n in range(1, 3)
    ]
    admin = loop.users["admin"]
    assert import_frontage(rows, actor=admin).applied
    load_standard_checklist(actor=admin)
    me, other = (Party.objects.get(uscc=r["uscc"]) for r in rows)
    group = create_group(actor=admin, street=me.street, name="东街商户自治联盟")
    for party in (me, other):
        join_group(actor=admin, group=group, party=party)
    account = create_party_account(actor=admin, party=me, username="shop-peer", password="demo-pass-2026")
    type(account).objects.filter(pk=account.pk).update(display_name="王老板")
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server.url, "shop-peer")
    page.goto(live_server.url + "/frontage/my/peers/")
    shots(page, "peers")
    follow(page, f"[data-testid=peer-{other.uscc}]")
    page.locator("input[value=fail]").first.check()
    page.fill("#p-note", "门口有纸箱")
    shots(page, "checklist")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"]
    text = page.evaluate("() => document.querySelector('main').innerText")
    assert not re.findall(r"[A-Za-z]{3,}", text), text
    page.click("[data-testid=save-peer]")
    page.wait_for_url(re.compile(r"/frontage/my/peers/$"))
    shots(page, "saved")
    peer = PeerInspection.objects.get()
    assert peer.inspector_party == me and peer.inspection.party == other and not peer.inspection.passed
    assert not errors
    context.close()
