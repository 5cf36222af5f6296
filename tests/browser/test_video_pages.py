"""An operator's video patrol in Chromium, at 375 px and 1440 px in Chinese: run a round (look at a
camera, tick the checklist, report from an uploaded frame, finish), then confirm one detection and
reject another. The pages fit, say nothing in English, and every step lands in the database."""

from __future__ import annotations

import re

import pytest

from cityloop.video.models import Detection, PatrolRound, RoundStop
from cityloop.video.patrol import create_route
from tests.cases import conftest as cases_conftest
from tests.cases.conftest import png_bytes
from tests.video import conftest as video_conftest

from .conftest import PHONE, follow
from .test_org_pages import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
loop = cases_conftest.loop
cameras = video_conftest.cameras
detector = video_conftest.detector
WIDE = {"width": 1440, "height": 900}
ENGLISH = re.compile(r"[A-Za-z]{3,}")


def _check(page, viewport) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{page.url} is {width} px wide at {viewport['width']} px"
    text = page.evaluate(
        "() => { const m = document.querySelector('main').cloneNode(true);"
        " m.querySelectorAll('code, select, .leaflet-control-attribution').forEach(e => e.remove());"
        " return m.innerText; }"
    )
    assert not ENGLISH.findall(text), (page.url, ENGLISH.findall(text))


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["375", "1440"])
def test_a_round_a_frame_and_the_review_queue(
    browser, reference_data, live_server, loop, cameras, detector, shots, viewport, tmp_path
):
    create_route(
        actor=loop.users["admin"],
        code="r1",
        name="商圈白班",
        district=loop.org.district,
        shift="day",
        cameras=["CAM001", "CAM002"],
    )
    # People's names are data, not words of the page: the operator has a Chinese one, as in a city.
    type(loop.users["operator"]).objects.filter(username="operator").update(display_name="王值守")
    for ident in ("a", "b"):
        assert video_conftest.post_detection(detector, video_conftest.detection(ident)).status_code == 201
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server.url, "operator")

    page.goto(live_server.url + "/video/rounds/")
    _check(page, viewport)
    page.click("text=开始或继续今日轮巡")
    page.wait_for_url(re.compile(r"/video/rounds/\d+/$"))
    shots(page, "round")
    _check(page, viewport)
    page.check("input[name=check-0]")
    follow(page, "text=已查看，下一个摄像头")
    page.click("summary")
    page.select_option("select[name=category]", "0102:event")
    page.fill("textarea[name=description]", "广场东侧垃圾堆放")
    frame = tmp_path / "frame.png"
    frame.write_bytes(png_bytes())
    page.set_input_files("input[name=frame]", str(frame))
    follow(page, "form[enctype] button[type=submit]")
    assert page.locator(".msg.success").count() == 1
    follow(page, "text=结束本轮")
    shots(page, "finished")
    _check(page, viewport)
    patrol = PatrolRound.objects.get()
    assert (patrol.status, patrol.looked, patrol.missed) == ("finished", 2, 0)  # the report was a look
    stops = list(RoundStop.objects.filter(round=patrol).order_by("position"))
    assert stops[0].checks == {"暴露垃圾": True, "占道经营": False, "乱堆物料": False, "设施损坏": False}
    assert stops[1].case is not None and stops[1].case.camera_link.frame is not None

    page.goto(live_server.url + "/video/detections/")
    shots(page, "queue")
    _check(page, viewport)
    follow(page, page.locator("li.detection").first.locator("button.primary"))
    page.locator("li.detection").first.locator("input[name=reason]").fill("树影误识别")
    follow(page, page.locator("li.detection").first.locator("button:not(.primary)"))
    shots(page, "decided")
    assert sorted(Detection.objects.values_list("status", flat=True)) == ["confirmed", "rejected"]
    for path in ("/video/cameras/", "/sensors/devices/"):
        page.goto(live_server.url + path)
        page.wait_for_load_state("networkidle")
        _check(page, viewport)
    assert not errors


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["375", "1440"])
def test_a_case_checked_through_the_camera_that_found_it(
    browser, reference_data, live_server, loop, cameras, shots, viewport, settings
):
    """视频核查: the operator opens a case in 核查中 that a camera reported, takes the camera's frame
    now and passes the check; the case moves on to closing with the frame on it."""
    from cityloop.cases.models import Case
    from cityloop.catalog import lookup
    from cityloop.video.casework import report_through_camera

    settings.CITYLOOP_VIDEO_SNAPSHOT_FETCHER = "tests.video.conftest.fake_fetch"
    operator = loop.users["operator"]
    # The timeline names the people who acted: in a city they have Chinese names.
    for n, user in enumerate(loop.users.values()):
        type(user).objects.filter(pk=user.pk).update(display_name=f"工作人员{n}")
    case, _created = report_through_camera(
        actor=operator,
        camera=cameras[0],
        category=lookup.category("0102", "event"),
        description="摄像头发现暴露垃圾",
        frame_id=loop.photo(operator),
    )
    case = loop.drive(case, "accept", "register", "dispatch", "dispose", "send_for_check")
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server.url, "operator")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.wait_for_load_state("networkidle")
    assert page.locator("#h-camera").count() == 1
    details = page.locator("#action-video_check_pass")
    if details.get_attribute("open") is None:  # the page opens the first action itself
        details.locator("summary").click()
    assert details.locator("input[name$=grab_frame]").is_checked()
    shots(page, "video-check")
    _check(page, viewport)
    follow(page, "#action-video_check_pass button[type=submit]")
    shots(page, "video-checked")
    moved = Case.objects.get(pk=case.pk)
    assert moved.state == "checked"
    assert moved.attachments.filter(purpose="check", uploaded_by=operator).count() == 1
    assert "视频核查通过" in page.locator("main").inner_text()
    assert page.locator("#action-video_check_pass").count() == 0  # the page after the step, not before
    assert not errors


@pytest.mark.parametrize("viewport", [PHONE, WIDE], ids=["375", "1440"])
def test_an_administrator_imports_cameras_in_the_console(
    browser, reference_data, live_server, loop, shots, viewport, tmp_path
):
    """导入摄像头: a file with a bad row is refused with the row named, then the corrected file adds
    the camera; the page fits at 375 px and says nothing in English outside codes."""
    from cityloop.video.models import Camera
    from tests.cases.conftest import POINT_A

    type(loop.users["admin"]).objects.filter(username="admin").update(display_name="李管理")
    lon, lat, owner = *POINT_A, loop.org.district.code
    bad, good = tmp_path / "bad.csv", tmp_path / "good.csv"
    bad.write_text(f"编号,名称,经度,纬度,权属单位\nN1,一号,{lon},{lat},{owner}\nN2,二号,abc,{lat},{owner}\n")
    good.write_text(f"编号,名称,经度,纬度,权属单位,朝向\nN1,一号,{lon},{lat},{owner},90\n")
    context = browser.new_context(viewport=viewport, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _login(page, live_server.url, "admin")
    page.goto(live_server.url + "/video/cameras/")
    follow(page, "text=导入摄像头")
    page.set_input_files("#c-file", str(bad))
    follow(page, "main form[enctype] button.primary")
    shots(page, "import-refused")
    _check(page, viewport)
    assert "第3行" in page.locator("main").inner_text() and not Camera.objects.filter(code="N1").exists()
    page.set_input_files("#c-file", str(good))
    follow(page, "main form[enctype] button.primary")
    shots(page, "import-done")
    _check(page, viewport)
    assert "新增1个摄像头" in page.locator("[data-testid=import-summary]").inner_text()
    assert Camera.objects.get(code="N1").district == loop.org.district
    assert not errors
