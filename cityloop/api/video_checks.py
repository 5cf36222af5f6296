"""``/api/v1/video/cases/{ref}/check``: check a case through the camera that reported it (视频核查).

The frame is the evidence: the caller's upload (``POST /api/v1/attachments`` with purpose ``check``)
or, without one, the camera's snapshot taken now. The same step is open through the generic
``POST /api/v1/cases/{ref}/actions/video_check_pass`` with attachments; this one takes the frame too.
"""

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Router, Schema

from cityloop.cases.engine import TransitionError
from cityloop.video.casework import check_through_camera, checking_camera

from .cases import get_case
from .video_access import refused, video_user

router = Router(tags=["video"])


class VideoCheckIn(Schema):
    passed: bool = Field(..., description="true: the spot is put right; false: back to the unit (返工)")
    reason: str = Field("", max_length=500, description="what the camera still shows (needed when failed)")
    note: str = Field("", max_length=500)
    attachment: int | None = Field(
        None, ge=1, le=2**62, description="an uploaded frame; none: take one from the camera now"
    )
    version: int | None = Field(None, ge=0, le=2**62, description="the case version you saw")


class VideoCheckOut(Schema):
    case_number: str
    state: str
    camera: str
    frame: int = Field(..., description="the attachment that holds the frame")


@router.post("/cases/{ref}/check", response=VideoCheckOut, summary="Check a case through its camera")
def video_check(request: HttpRequest, ref: str, body: VideoCheckIn) -> dict[str, object]:
    case = get_case(request, ref)
    if not body.passed and not body.reason.strip():
        raise ValidationError({"reason": "say what the camera still shows"})
    try:
        moved = check_through_camera(
            case,
            actor=video_user(request),
            passed=body.passed,
            reason=body.reason,
            note=body.note,
            attachment_id=body.attachment,
            expected_version=body.version,
        )
    except TransitionError as exc:
        raise refused(exc) from None
    camera = checking_camera(moved)
    frame = moved.attachments.filter(purpose="check").order_by("-pk").first()
    return {
        "case_number": moved.number,
        "state": moved.state,
        "camera": camera.code if camera else "",
        "frame": frame.pk if frame else 0,
    }
