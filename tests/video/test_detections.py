"""Detectors post signed detections: kept once per detector id, queued, confirmed into cases
(deduplicated at the same camera and category), rejected with a reason, measured for precision."""

from __future__ import annotations

import pytest

from cityloop.cases.models import Case
from cityloop.catalog.models import Category
from cityloop.core.models import AuditEntry
from cityloop.video.detectors import set_threshold
from cityloop.video.models import CameraCase, Detection
from cityloop.video.review import confirm_detection, precision, reject_detection
from tests.video.conftest import detection, post_detection

pytestmark = pytest.mark.django_db


def refuse_category():
    return Category.objects.get(kind="event", code="0102", parent__isnull=False)


def test_signed_detection_is_queued_once(cameras, detector):
    first = post_detection(detector, detection("d1"))
    assert first.status_code == 201, first.content
    assert first.json() == {"id": "d1", "status": "pending", "case_number": None}
    again = post_detection(detector, detection("d1"), msg_id="another-message")
    assert again.status_code == 200
    assert Detection.objects.count() == 1
    assert AuditEntry.objects.filter(action="video.detection.receive").count() == 1


def test_bad_signature_and_fields_are_refused(cameras, detector):
    forged = post_detection(detector, detection("d2"), secret="whsec_" + "A" * 43)
    assert forged.status_code == 401
    for field, value in [("confidence", 1.5), ("camera", "NOPE"), ("detected_at", "yesterday"), ("id", "")]:
        answer = post_detection(detector, detection("d3", **{field: value}))
        assert answer.status_code == 422, (field, answer.content)
        assert answer.json()["errors"][0]["field"] == field
    assert not Detection.objects.exists()


def test_below_threshold_is_kept_out_of_the_queue(cameras, detector, actor):
    set_threshold(actor=actor, category=refuse_category(), min_confidence=0.9, auto_case_confidence=None)
    assert post_detection(detector, detection("low", confidence=0.5)).json()["status"] == "below"


def test_above_the_city_threshold_a_case_is_made_automatically(cameras, detector, actor):
    set_threshold(actor=actor, category=refuse_category(), min_confidence=0.5, auto_case_confidence=0.95)
    answer = post_detection(detector, detection("hi", confidence=0.97)).json()
    assert answer["status"] == "auto" and answer["case_number"]
    case = Case.objects.get(number=answer["case_number"])
    assert case.channel.code == "video_patrol"
    assert case.camera_link.camera.code == "CAM001"
    # The same camera sees it again while the case is open: the same case.
    again = post_detection(detector, detection("hi2", confidence=0.99)).json()
    assert again["case_number"] == case.number
    assert Case.objects.count() == 1


def test_confirm_makes_a_case_at_the_view_and_joins_it_after(cameras, detector, loop):
    operator = loop.users["operator"]
    post_detection(detector, detection("a"))
    post_detection(detector, detection("b"))
    first = confirm_detection(Detection.objects.get(external_id="a"), actor=operator)
    assert first.status == "confirmed" and not first.joined_open_case
    case = first.case
    link = CameraCase.objects.get(case=case)
    assert link.camera == cameras[0] and link.image_url.startswith("https://")
    # Placed inside the camera's field of view, not at the pole.
    assert (case.lon, case.lat) != (cameras[0].lon, cameras[0].lat)
    second = confirm_detection(Detection.objects.get(external_id="b"), actor=operator)
    assert second.case == case and second.joined_open_case
    assert Case.objects.count() == 1
    assert AuditEntry.objects.filter(action="video.detection.confirm").count() == 2


def test_confirm_twice_is_a_conflict(cameras, detector, loop):
    from cityloop.cases.engine import TransitionError

    post_detection(detector, detection("a"))
    found = Detection.objects.get()
    confirm_detection(found, actor=loop.users["operator"])
    with pytest.raises(TransitionError):
        reject_detection(found, actor=loop.users["operator"], reason="误报")


def test_reject_needs_a_reason_and_counts_in_precision(cameras, detector, loop):
    from django.core.exceptions import ValidationError

    operator = loop.users["operator"]
    for ident in ("a", "b", "c", "d"):
        post_detection(detector, detection(ident))
    with pytest.raises(ValidationError):
        reject_detection(Detection.objects.get(external_id="a"), actor=operator, reason=" ")
    reject_detection(Detection.objects.get(external_id="a"), actor=operator, reason="阴影误识别")
    reject_detection(Detection.objects.get(external_id="b"), actor=operator, reason="不是垃圾")
    confirm_detection(Detection.objects.get(external_id="c"), actor=operator)
    [row] = precision(Detection.objects.all())
    assert (row.confirmed, row.rejected, row.pending) == (1, 2, 1)
    assert row.precision == pytest.approx(1 / 3, abs=1e-4)
    assert AuditEntry.objects.filter(action="video.detection.reject").count() == 2
