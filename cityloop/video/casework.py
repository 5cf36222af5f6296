"""Cases seen through a camera: placed at the camera's view, carrying the camera and its frame,
reported on the ``video_patrol`` channel, and found again when the same camera sees the same
problem while its case is still open (one case, not one per sighting). The same camera checks the
case later (视频核查): the workflow's ``video_check_pass``/``video_check_fail`` with its frame."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from cityloop.cases.actions import submit_report
from cityloop.cases.attachments import upload_attachment
from cityloop.cases.engine import perform
from cityloop.cases.models import Case
from cityloop.cases.workflow.spec import OPEN_STATES
from cityloop.catalog.models import Category
from cityloop.core.audit import action_transaction, record
from cityloop.core.models import User

from .frames import take_frame
from .geometry import view_point
from .models import Camera, CameraCase

CHANNEL = "video_patrol"


def open_case_at(camera: Camera, category: Category) -> Case | None:
    """The open case this camera already reported for this category, if any (oldest first)."""
    link = (
        CameraCase.objects.select_related("case")
        .filter(camera=camera, category=category, case__state__in=OPEN_STATES)
        .order_by("case_id")
        .first()
    )
    return link.case if link else None


def report_through_camera(
    *,
    actor: User,
    camera: Camera,
    category: Category,
    description: str,
    frame_id: int | None = None,
    image_url: str = "",
    external_id: str = "",
    at: dt.datetime | None = None,
) -> tuple[Case, bool]:
    """The case for what ``camera`` shows: the open one at this camera and category, or a new report
    at the middle of the camera's view with the frame attached. Returns ``(case, created)``; the
    case, its link to the camera and the audit entries are written in one transaction. ``at``: when
    it was seen (the demo's simulated month; by default now)."""
    with action_transaction():
        existing = open_case_at(camera, category)
        if existing is not None:
            if frame_id:
                # The new frame still belongs on the case: a comment carries it to the timeline.
                existing = perform(
                    existing,
                    "comment",
                    actor=actor,
                    payload={
                        "note": f"摄像头{camera.code}再次发现：{description[:200]}",
                        "attachments": [frame_id],
                    },
                )
            return existing, False
        lon, lat = view_point(camera.fov, camera.lon, camera.lat)
        case, created = submit_report(
            actor=actor,
            channel=CHANNEL,
            description=description,
            lon=lon,
            lat=lat,
            address=camera.name[:200],
            category=category.code,
            kind=category.kind,
            attachments=[frame_id] if frame_id else [],
            external_id=external_id,
            at=at,
        )
        if created:
            link = CameraCase.objects.create(
                case=case, camera=camera, category=category, frame_id=frame_id, image_url=image_url[:500]
            )
            record(
                actor,
                "video.case.link",
                link,
                object_repr=f"{case.number} ← {camera.code}",
                after={
                    "case": case.number,
                    "camera": camera.code,
                    "frame": frame_id,
                    "image_url": bool(image_url),
                },
            )
        return case, created


def checking_camera(case: Case) -> Camera | None:
    """The camera that reported ``case``, while it is in service: the one to check it through."""
    link = CameraCase.objects.select_related("camera").filter(case=case, camera__active=True).first()
    return link.camera if link else None


def frame_available(case: Case) -> bool:
    """Whether the checking camera can give a frame now (it has a snapshot address): if not, the
    operator uploads a screenshot of the camera's picture instead."""
    camera = checking_camera(case)
    return bool(camera and camera.snapshot_url)


def checking_camera_label(case: Case) -> str | None:
    """The registry's answer for the workflow guard (cases.camera_views): ``"code name"`` or None."""
    camera = checking_camera(case)
    return f"{camera.code} {camera.name}" if camera else None


def frame_for_check(case: Case, *, actor: User) -> int:
    """Take the checking camera's frame now and store it as the actor's upload for the check; returns
    the attachment's id for the transition to attach. ``ValidationError`` on ``frame`` when the
    camera has no snapshot address or gives no frame (the operator then uploads a screenshot)."""
    camera = checking_camera(case)
    if camera is None:
        raise ValidationError({"frame": "这个案件没有可用于视频核查的摄像头"})
    content = take_frame(camera.snapshot_url)
    name = f"check-{camera.code}-{timezone.now():%Y%m%d%H%M%S}.jpg"
    return upload_attachment(actor=actor, name=name, content=content, purpose="check").pk


def check_through_camera(
    case: Case,
    *,
    actor: User,
    passed: bool,
    reason: str = "",
    note: str = "",
    attachment_id: int | None = None,
    expected_version: int | None = None,
) -> Case:
    """视频核查 in one step: the frame (the actor's upload, or taken from the camera now) and the
    workflow's ``video_check_pass``/``video_check_fail`` stand or fall together."""
    name = "video_check_pass" if passed else "video_check_fail"
    payload: dict[str, object] = {k: v for k, v in (("reason", reason), ("note", note)) if v}
    with action_transaction():
        # Without a camera the engine's guard refuses: no frame is taken for nothing.
        if checking_camera(case) is not None:
            payload["attachments"] = [attachment_id or frame_for_check(case, actor=actor)]
        return perform(case, name, actor=actor, payload=payload, expected_version=expected_version)
