"""Cases seen through a camera: placed at the camera's view, carrying the camera and its frame,
reported on the ``video_patrol`` channel, and found again when the same camera sees the same
problem while its case is still open (one case, not one per sighting)."""

from __future__ import annotations

from cityloop.cases.actions import submit_report
from cityloop.cases.models import Case
from cityloop.cases.workflow.spec import OPEN_STATES
from cityloop.catalog.models import Category
from cityloop.core.audit import action_transaction, record
from cityloop.core.models import User

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
) -> tuple[Case, bool]:
    """The case for what ``camera`` shows: the open one at this camera and category, or a new report
    at the middle of the camera's view with the frame attached. Returns ``(case, created)``; the
    case, its link to the camera and the audit entries are written in one transaction."""
    with action_transaction():
        existing = open_case_at(camera, category)
        if existing is not None:
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
