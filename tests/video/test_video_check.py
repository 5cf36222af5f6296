"""视频核查: a case a camera reported is checked by looking through the same camera, in the engine,
the console and the API, with the frame as evidence and the rework counted when it fails."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from cityloop.cases.engine import TransitionError, available, perform
from cityloop.cases.models import Attachment, CaseStep
from cityloop.catalog import lookup
from cityloop.core.models import AuditEntry
from cityloop.evaluation.compute import evaluate
from cityloop.evaluation.periods import parse_period
from cityloop.video.casework import check_through_camera, report_through_camera
from tests.cases.conftest import png_bytes

pytestmark = pytest.mark.django_db

TO_CHECK = ("accept", "register", "dispatch", "dispose", "send_for_check")


@pytest.fixture
def checking(cameras, loop):
    """A case CAM001 reported, disposed and sent for check."""
    operator = loop.users["operator"]
    case, created = report_through_camera(
        actor=operator,
        camera=cameras[0],
        category=lookup.category("0102", "event"),
        description="摄像头发现暴露垃圾",
        frame_id=loop.photo(operator),
    )
    assert created
    return loop.drive(case, *TO_CHECK)


def _names(case, user):
    return {t.name for t in available(case, user)}


def test_the_operator_is_offered_the_camera_and_the_supervisor_the_walk(checking, loop):
    operator, supervisor = loop.users["operator"], loop.users["supervisor_a"]
    assert {"video_check_pass", "video_check_fail"} <= _names(checking, operator)
    assert "check_pass" in _names(checking, supervisor)
    assert not {"video_check_pass", "video_check_fail"} & _names(checking, supervisor)
    with pytest.raises(TransitionError) as refused:
        perform(
            checking, "video_check_pass", actor=supervisor, payload={"attachments": [loop.photo(supervisor)]}
        )
    assert refused.value.status == 403


def test_a_case_no_camera_reported_or_whose_camera_is_out_of_service_is_checked_on_site(
    checking, cameras, loop
):
    operator = loop.users["operator"]
    walked = loop.drive(loop.report(), *TO_CHECK)
    assert not {"video_check_pass", "video_check_fail"} & _names(walked, operator)
    with pytest.raises(TransitionError) as refused:
        perform(walked, "video_check_pass", actor=operator, payload={"attachments": [loop.photo(operator)]})
    assert "supervisor" in refused.value.message
    cameras[0].active = False
    cameras[0].save()
    assert "video_check_pass" not in _names(checking, operator)


def test_passing_needs_the_frame_and_ends_the_check_step_for_the_operator(checking, loop):
    operator = loop.users["operator"]
    with pytest.raises(ValidationError) as missing:
        perform(checking, "video_check_pass", actor=operator, payload={})
    assert "attachments" in missing.value.message_dict
    checking.refresh_from_db()
    assert checking.state == "checking"

    frame = loop.photo(operator)
    moved = perform(checking, "video_check_pass", actor=operator, payload={"attachments": [frame]})
    assert moved.state == "checked" and moved.current_step == "close"
    step = CaseStep.objects.get(case=moved, step="check")
    assert step.ended_by_transition == "video_check_pass" and step.ended_by_id == operator.pk
    assert Attachment.objects.get(pk=frame).case_id == moved.pk
    assert Attachment.objects.get(pk=frame).purpose == "check"
    assert AuditEntry.objects.filter(action="case.video_check_pass", object_id=str(moved.pk)).exists()


def test_a_failed_look_sends_it_back_to_the_unit_as_rework(checking, loop, settings):
    settings.CITYLOOP_VIDEO_SNAPSHOT_FETCHER = "tests.video.conftest.fake_fetch"
    operator = loop.users["operator"]
    unit = checking.responsible_unit
    moved = check_through_camera(checking, actor=operator, passed=False, reason="画面中垃圾仍在")
    assert moved.state == "dispatched" and moved.responsible_unit == unit
    assert moved.reworks_count == 1
    taken = Attachment.objects.filter(case=moved, purpose="check", uploaded_by=operator)
    assert taken.count() == 1 and taken.get().content_type == "image/png"
    # The rework and the video check both count in the month's evaluation.
    result = evaluate(
        parse_period(moved.reported_at.strftime("%Y-%m")), loop.org.district, subjects=("operator",)
    )
    counts = next(s.subject.counts for s in result.scores["operator"] if s.subject.user_id == operator.pk)
    assert counts["video_checked"] == counts["video_checked_on_time"] == 1


def test_a_camera_without_a_frame_leaves_nothing_behind(checking, cameras, loop, settings):
    settings.CITYLOOP_VIDEO_SNAPSHOT_FETCHER = "tests.video.conftest.fake_fetch"
    cameras[0].snapshot_url = "http://cams.local/broken.jpg"
    cameras[0].save()
    before = Attachment.objects.count()
    with pytest.raises(ValidationError) as caught:
        check_through_camera(checking, actor=loop.users["operator"], passed=True)
    assert "frame" in caught.value.message_dict
    checking.refresh_from_db()
    assert checking.state == "checking" and Attachment.objects.count() == before


def test_the_console_takes_the_frame_and_shows_the_camera(checking, loop, settings):
    settings.CITYLOOP_VIDEO_SNAPSHOT_FETCHER = "tests.video.conftest.fake_fetch"
    client = Client()
    client.force_login(loop.users["operator"])
    page = client.get(f"/cases/{checking.pk}/").content.decode()
    assert "视频核查通过" in page and "CAM001" in page and "现在从摄像头抓取画面" in page
    answer = client.post(
        f"/cases/{checking.pk}/act/video_check_pass/",
        {"video_check_pass-version": checking.version, "video_check_pass-grab_frame": "on"},
    )
    assert answer.status_code == 302
    checking.refresh_from_db()
    assert checking.state == "checked"
    assert checking.attachments.filter(purpose="check").count() == 1


def test_the_console_names_the_field_when_the_camera_gives_no_frame(checking, cameras, loop, settings):
    settings.CITYLOOP_VIDEO_SNAPSHOT_FETCHER = "tests.video.conftest.fake_fetch"
    cameras[0].snapshot_url = ""
    cameras[0].save()
    client = Client()
    client.force_login(loop.users["operator"])
    # A camera with no snapshot address offers no "take the frame now": the screenshot is required.
    page = client.get(f"/cases/{checking.pk}/").content.decode()
    assert "视频核查通过" in page and "现在从摄像头抓取画面" not in page
    assert "上传视频平台上的截图" in page
    answer = client.post(
        f"/cases/{checking.pk}/act/video_check_pass/",
        {"video_check_pass-version": checking.version, "video_check_pass-grab_frame": "on"},
    )
    assert answer.status_code == 400  # the page again, the message beside the screenshot's box
    assert "请至少添加一张照片" in answer.content.decode()
    checking.refresh_from_db()
    assert checking.state == "checking"
    # An uploaded screenshot instead of the camera's frame.
    answer = client.post(
        f"/cases/{checking.pk}/act/video_check_fail/",
        {
            "video_check_fail-version": checking.version,
            "video_check_fail-reason": "画面中垃圾仍在",
            "video_check_fail-photos": _file(),
        },
    )
    assert answer.status_code == 302
    checking.refresh_from_db()
    assert checking.state == "dispatched"


def _file():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("shot.png", png_bytes("green"), content_type="image/png")


def test_the_api_checks_through_the_camera_in_one_call(checking, loop, settings):
    settings.CITYLOOP_VIDEO_SNAPSHOT_FETCHER = "tests.video.conftest.fake_fetch"
    client = Client()
    client.force_login(loop.users["operator"])
    url = f"/api/v1/video/cases/{checking.number}/check"
    bad = client.post(url, {"passed": False}, content_type="application/json")
    assert bad.status_code == 400 and "reason" in bad.json()["errors"]
    done = client.post(url, {"passed": True, "note": "画面中已清理"}, content_type="application/json")
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["state"] == "checked" and body["camera"] == "CAM001" and body["frame"] > 0
    again = client.post(url, {"passed": True}, content_type="application/json")
    assert again.status_code == 409
    # The generic action endpoint lists the step while the case is in checking, not after.
    listed = client.get(f"/api/v1/cases/{checking.number}/actions").json()
    assert "video_check_pass" not in {a["name"] for a in listed}
