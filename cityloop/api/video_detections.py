"""``/api/v1/video/detections``: the review queue of detections (confirm → case, reject with a
reason), precision per detector and category, and the city's thresholds per category."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from cityloop.cases.engine import TransitionError
from cityloop.catalog import lookup
from cityloop.core.permissions import restrict
from cityloop.video.detectors import set_threshold
from cityloop.video.models import Detection, Threshold
from cityloop.video.review import confirm_detection, precision, reject_detection

from .errors import ApiError
from .pagination import Paged
from .video_access import city_administrator, refused, video_user

router = Router(tags=["video"])


class DetectionOut(Schema):
    id: int
    detector: str
    detector_id: str = Field(..., description="the detector's own id of the detection")
    camera: str
    camera_name: str
    category: str
    category_name: str
    confidence: float
    image_url: str
    detected_at: dt.datetime
    status: str
    case_number: str | None
    joined_open_case: bool
    reason: str


def _detection(d: Detection) -> dict[str, Any]:
    return {
        "id": d.pk,
        "detector": d.detector.code,
        "detector_id": d.external_id,
        "camera": d.camera.code,
        "camera_name": d.camera.name,
        "category": d.category.code,
        "category_name": d.category.name,
        "confidence": d.confidence,
        "image_url": d.image_url,
        "detected_at": d.detected_at,
        "status": d.status,
        "case_number": d.case.number if d.case else None,
        "joined_open_case": d.joined_open_case,
        "reason": d.reason,
    }


class DetectionFilter(Schema):
    status: str = Field("pending", pattern="^(pending|confirmed|rejected|auto|below|all)$")
    camera: str | None = Field(None, max_length=32)


def _detections(request: HttpRequest, action: str = "view") -> Any:
    return restrict(Detection.objects.all(), request.user, action).select_related(
        "detector", "camera", "category", "case"
    )


@router.get("/detections", response=list[DetectionOut], summary="Detections to review (or decided)")
@paginate(Paged)
def list_detections(request: HttpRequest, filters: Query[DetectionFilter]) -> Any:
    qs = _detections(request)
    if filters.status != "all":
        qs = qs.filter(status=filters.status)
    if filters.camera:
        qs = qs.filter(camera__code=filters.camera)
    return [_detection(d) for d in qs.order_by("-confidence", "id")[:5000]]


class ConfirmIn(Schema):
    note: str = Field("", max_length=200, description="what the operator saw (becomes the description)")


class RejectIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


def _find_detection(request: HttpRequest, pk: int) -> Detection:
    found = _detections(request, "review").filter(pk=pk).first()
    if found is None:
        raise ApiError(404, f"no detection {pk} for you to review")
    return found


@router.post("/detections/{pk}/confirm", response=DetectionOut, summary="Confirm: a case (or the open one)")
def confirm(request: HttpRequest, pk: int, body: ConfirmIn) -> dict[str, Any]:
    found = _find_detection(request, pk)
    try:
        confirm_detection(found, actor=video_user(request), note=body.note)
    except TransitionError as exc:
        raise refused(exc) from None
    return _detection(_detections(request).get(pk=pk))


@router.post("/detections/{pk}/reject", response=DetectionOut, summary="Reject with a reason")
def reject(request: HttpRequest, pk: int, body: RejectIn) -> dict[str, Any]:
    found = _find_detection(request, pk)
    try:
        reject_detection(found, actor=video_user(request), reason=body.reason)
    except TransitionError as exc:
        raise refused(exc) from None
    return _detection(_detections(request).get(pk=pk))


class PrecisionOut(Schema):
    detector: str
    detector_name: str
    category: str
    category_name: str
    confirmed: int
    rejected: int
    pending: int
    precision: float | None = Field(..., description="confirmed / (confirmed + rejected)")


@router.get("/precision", response=list[PrecisionOut], summary="Precision per detector and category")
def detector_precision(request: HttpRequest) -> list[dict[str, Any]]:
    return [p.as_json() for p in precision(restrict(Detection.objects.all(), request.user, "view"))]


class ThresholdOut(Schema):
    kind: str
    category: str
    category_name: str
    min_confidence: float
    auto_case_confidence: float | None


class ThresholdIn(Schema):
    min_confidence: float = Field(..., ge=0, le=1)
    auto_case_confidence: float | None = Field(None, ge=0, le=1)


@router.get("/thresholds", response=list[ThresholdOut], summary="The city's detection thresholds")
def thresholds(request: HttpRequest) -> list[dict[str, Any]]:
    return [
        {
            "kind": t.category.kind,
            "category": t.category.code,
            "category_name": t.category.name,
            "min_confidence": t.min_confidence,
            "auto_case_confidence": t.auto_case_confidence,
        }
        for t in Threshold.objects.select_related("category").order_by("category__kind", "category__code")[
            :1000
        ]
    ]


@router.put(
    "/thresholds/{kind}/{code}", response=ThresholdOut, summary="Set a category's thresholds (administrators)"
)
def put_threshold(request: HttpRequest, kind: str, code: str, body: ThresholdIn) -> dict[str, Any]:
    actor = city_administrator(request, "only the city's administrators set detection thresholds")
    category = lookup.category(code[:4], kind[:10])
    found = set_threshold(
        actor=actor,
        category=category,
        min_confidence=body.min_confidence,
        auto_case_confidence=body.auto_case_confidence,
    )
    return {
        "kind": category.kind,
        "category": category.code,
        "category_name": category.name,
        "min_confidence": found.min_confidence,
        "auto_case_confidence": found.auto_case_confidence,
    }
