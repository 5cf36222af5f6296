"""The review queue: an operator confirms a detection (it becomes a case, or joins the open case at
the same camera and category) or rejects it with a reason. Those decisions measure each detector's
precision per category."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from cityloop.cases.engine import TransitionError
from cityloop.core.audit import domain_action, record
from cityloop.core.models import User

from .casework import report_through_camera
from .models import Detection, DetectionStatus


def _lock_pending(detection: Detection) -> Detection:
    locked = (
        Detection.objects.select_for_update()
        .select_related("camera", "category", "detector")
        .get(pk=detection.pk)
    )
    if locked.status != DetectionStatus.PENDING:
        raise TransitionError(409, f"detection already decided ({locked.status})", field="status")
    return locked


@domain_action
def confirm_detection(detection: Detection, *, actor: User, note: str = "") -> Detection:
    """Confirm what the detector saw: the case at the camera's view (or the open one already there)."""
    detection = _lock_pending(detection)
    if len(note) > 200:
        raise ValidationError({"note": "备注不超过200字"})
    camera, category = detection.camera, detection.category
    description = note.strip() or f"视频识别经人工确认：{category.name}（{camera.name}）"
    case, created = report_through_camera(
        actor=actor, camera=camera, category=category, description=description, image_url=detection.image_url
    )
    detection.status = DetectionStatus.CONFIRMED
    detection.case, detection.joined_open_case = case, not created
    detection.decided_by, detection.decided_at = actor, timezone.now()
    detection.reason = note.strip()[:200]
    detection.save(update_fields=["status", "case", "joined_open_case", "decided_by", "decided_at", "reason"])
    record(
        actor,
        "video.detection.confirm",
        detection,
        object_repr=f"{detection.detector.code}:{detection.external_id}",
        after={"case": case.number, "joined_open_case": not created},
    )
    return detection


@domain_action
def reject_detection(detection: Detection, *, actor: User, reason: str) -> Detection:
    """Reject a detection as wrong, saying why (it counts against the detector's precision)."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise ValidationError({"reason": "请填写驳回理由（不超过200字）"})
    detection = _lock_pending(detection)
    detection.status = DetectionStatus.REJECTED
    detection.reason = reason
    detection.decided_by, detection.decided_at = actor, timezone.now()
    detection.save(update_fields=["status", "reason", "decided_by", "decided_at"])
    record(
        actor,
        "video.detection.reject",
        detection,
        object_repr=f"{detection.detector.code}:{detection.external_id}",
        after={"reason": reason},
    )
    return detection


@dataclass
class Precision:
    detector: str
    detector_name: str
    category: str
    category_name: str
    confirmed: int
    rejected: int
    pending: int

    @property
    def precision(self) -> float | None:
        decided = self.confirmed + self.rejected
        return round(self.confirmed / decided, 4) if decided else None

    def as_json(self) -> dict[str, Any]:
        return {**self.__dict__, "precision": self.precision}


def precision(detections: QuerySet[Detection]) -> list[Precision]:
    """Per detector and category: confirmed / (confirmed + rejected), from the operators' decisions
    (automatic cases are not decisions, and are left out)."""
    rows = (
        detections.values("detector__code", "detector__name", "category__code", "category__name")
        .annotate(
            confirmed=Count("id", filter=Q(status=DetectionStatus.CONFIRMED)),
            rejected=Count("id", filter=Q(status=DetectionStatus.REJECTED)),
            pending=Count("id", filter=Q(status=DetectionStatus.PENDING)),
        )
        .order_by("detector__code", "category__code")
    )
    return [
        Precision(
            r["detector__code"],
            r["detector__name"],
            r["category__code"],
            r["category__name"],
            r["confirmed"],
            r["rejected"],
            r["pending"],
        )
        for r in rows
    ]
