"""三长一站 on a phone (375 px, Chinese): a leaking pipe a resident reported is solved inside the
community with a photo; a broken railing the community cannot fix is escalated to the district,
where a case now holds everything the community gathered."""

from __future__ import annotations

import io
import re

import pytest
from django.utils import timezone
from PIL import Image

from cityloop.cases.models import Case
from cityloop.community.models import Task
from tests.cases import conftest as cases_conftest
from tests.cases.conftest import POINT_A
from tests.community import conftest as community_conftest

from .conftest import PHONE, follow
from .test_org_pages import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
loop = cases_conftest.loop
community = community_conftest.community


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (32, 24), (40, 160, 80)).save(buffer, "PNG")
    return buffer.getvalue()


def _chinese_only(page) -> None:
    # (The timeline names people by their login where the test city gave them no display name.)
    text = page.evaluate(
        "() => { const m = document.querySelector('main').cloneNode(true);"
        " m.querySelectorAll('code, select, input[type=file], .leaflet-control-attribution,"
        " .timeline .case-meta').forEach(e => e.remove());"
        " return m.innerText; }"
    )
    assert not re.findall(r"[A-Za-z]{3,}", text), re.findall(r".{0,20}[A-Za-z]{3,}.{0,20}", text)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide"


def _raise(page, base: str, description: str) -> None:
    page.goto(base + "/community/")
    page.click("details.card summary")
    page.fill("#id_description", description)
    page.select_option("#id_source", "resident")
    # The place: as the phone's location would set it (the picker itself is tested with reports).
    page.evaluate(
        "([lon, lat]) => { document.querySelector('#id_lon').value = lon;"
        " document.querySelector('#id_lat').value = lat; }",
        list(POINT_A),
    )
    page.fill("#id_reporter_name", "张阿姨")
    follow(page, "form.report-form button[type=submit]")


def test_leak_solved_in_the_community_and_railing_escalated(
    browser, reference_data, live_server, community, media, shots
):
    context = browser.new_context(viewport=PHONE, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    base = live_server.url
    # People's names are data, not words of the page: the building head has a Chinese one, as in a city.
    type(community.users["building_head"]).objects.filter(username="community_head_a").update(
        display_name="赵楼长"
    )

    # A resident tells the building head about a leaking pipe; the head records it on the phone.
    _login(page, base, "community_head_a")
    _raise(page, base, "3号楼下水管漏水")
    shots(page, "leak-recorded")
    leak = Task.objects.get(description="3号楼下水管漏水")
    context.clear_cookies()

    # The station head assigns the on-call plumber.
    _login(page, base, "station_head")
    page.goto(base + "/community/")
    page.click("details#posts summary")  # who holds a post here (the street's manager may end one)
    assert "赵楼长" in page.inner_text("details#posts")
    shots(page, "station-heads")
    _chinese_only(page)
    shots(page, "station")
    page.goto(f"{base}/community/tasks/{leak.pk}/")
    page.click("summary:has-text('派单')")
    page.select_option("#id_assignee", f"pro:{community.plumber.pk}")
    follow(page, "form:has(input[value=assign]) button[type=submit]")
    _chinese_only(page)
    context.clear_cookies()

    # The plumber fixes it and closes it with a photo.
    _login(page, base, "plumber_user")
    page.goto(f"{base}/community/tasks/{leak.pk}/")
    page.click("summary:has-text('已解决')")
    page.fill("#id_solution", "更换了漏水的阀门")
    page.set_input_files(
        "#id_photos", files=[{"name": "after.png", "mimeType": "image/png", "buffer": _png()}]
    )
    follow(page, "form:has(input[value=solve]) button[type=submit]")
    shots(page, "leak-solved")
    assert "社区已解决" in page.inner_text("main")
    leak.refresh_from_db()
    assert leak.state == "solved" and not Case.objects.exists()
    context.clear_cookies()

    # A broken railing: beyond the community; the station head escalates it to the district.
    _login(page, base, "station_head")
    _raise(page, base, "小区门口护栏断了")
    railing = Task.objects.get(description="小区门口护栏断了")
    page.goto(f"{base}/community/tasks/{railing.pk}/")
    page.click("summary:has-text('上报区级')")
    page.fill("#id_reason", "护栏属市政设施，需要区里安排更换")
    follow(page, "form:has(input[value=escalate]) button[type=submit]")
    shots(page, "railing-escalated")
    _chinese_only(page)
    railing.refresh_from_db()
    case = Case.objects.get(pk=railing.case_id)
    assert case.number in page.inner_text("main")
    assert "护栏属市政设施" in case.description and "小区门口护栏断了" in case.description

    # The week's meeting: the railing is on its agenda; an item is agreed, then marked done.
    page.goto(base + "/community/")
    follow(page, "a:has-text('协调例会')")
    assert "小区门口护栏断了" in page.inner_text("main")
    page.click("summary:has-text('记录社区周例会')")
    page.fill("#id_decisions", "护栏已上报区级，物业先设警示带")
    page.fill("#id_what1", "设置警示带")
    page.fill("#id_who1", "物业")
    page.fill("#id_due1", f"{timezone.localdate():%Y-%m-%d}")
    page.select_option("#id_task1", str(railing.pk))
    follow(page, "form:has(input[value=hold]) button[type=submit]")
    shots(page, "meeting-recorded")
    _chinese_only(page)
    page.fill("input[name=note]", "警示带已设置")
    follow(page, "form:has(input[value=done]) button[type=submit]")
    assert "警示带已设置" in page.inner_text("main")
    _chinese_only(page)
    context.clear_cookies()

    # The building head moved away: the street's manager ends the post on the station's page.
    _login(page, base, "street_a_manager")
    page.goto(f"{base}/community/?station={community.station.pk}")
    page.click("details#posts summary")
    shots(page, "manager-sees-the-heads")
    _chinese_only(page)
    follow(page, "details#posts li:has-text('赵楼长') button[type=submit]")
    assert "赵楼长的岗位已结束" in page.inner_text("main")
    community.building.refresh_from_db()
    assert community.building.valid_to == timezone.localdate()
    assert not errors
    context.close()
