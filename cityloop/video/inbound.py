"""What a detector posts: one detection per signed request (Standard Webhooks, like the hotline
platforms), checked field by field, kept once per detector id, and queued for review, kept below
threshold, or made a case at once above the city's automatic threshold.

Body (JSON): ``{"id", "camera", "category", "kind", "confidence", "detected_at", "image_url"}``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cityloop.catalog import lookup
from cityloop.core.audit import action_transaction, record
from cityloop.notify.signing import WebhookVerificationError, verify

from .casework import report_through_camera
from .detectors import threshold_for
from .models import Camera, Detection, DetectionStatus, Detector

MAX_BODY = 16 * 1024
DETECTION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
Answer = tuple[int, dict[str, Any]]


class Refused(Exception):
    def __init__(self, status: int, message: str, field: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field

    def answer(self) -> Answer:
        errors = [{"field": self.field, "message": self.message}] if self.field else []
        return self.status, {"detail": self.message, "errors": errors}


def receive(code: str, headers: Mapping[str, str], body: bytes, *, now: dt.datetime | None = None) -> Answer:
    """Handle one signed detection from detector ``code``: the HTTP status and JSON to answer."""
    try:
        return _receive(code, headers, body, now or timezone.now())
    except Refused as exc:
        return exc.answer()


def _receive(code: str, headers: Mapping[str, str], body: bytes, now: dt.datetime) -> Answer:
    detector = (
        Detector.objects.select_related("actor").filter(code=code, active=True, actor__is_active=True).first()
    )
    if detector is None:
        raise Refused(404, f"no active detector {code!r}")
    if len(body) > MAX_BODY:
        raise Refused(413, "a detection is at most 16 KB", "body")
    try:
        verify(detector.secret, headers, body, now=now)
    except WebhookVerificationError as exc:
        raise Refused(401, f"signature refused: {exc}", "webhook-signature") from None
    data = _parse(body)
    seen = _seen(detector, data["id"])
    if seen is not None:
        return seen
    camera = Camera.objects.filter(code=data["camera"], active=True).first()
    if camera is None:
        raise Refused(422, f"no active camera {data['camera']!r}", "camera")
    try:
        category = lookup.category(data["category"], data["kind"], on=timezone.localdate(now))
    except ValidationError as exc:
        raise Refused(422, "; ".join(m for ms in exc.message_dict.values() for m in ms), "category") from None
    if category.parent_id is None:
        raise Refused(422, f"{category.code} is a class; send a subclass", "category")
    queue_from, auto_from = threshold_for(category)
    confidence = data["confidence"]
    status = DetectionStatus.BELOW if confidence < queue_from else DetectionStatus.PENDING
    if auto_from is not None and confidence >= auto_from:
        status = DetectionStatus.AUTO
    try:
        with action_transaction():
            detection = Detection.objects.create(
                detector=detector,
                external_id=data["id"],
                camera=camera,
                category=category,
                confidence=confidence,
                image_url=data["image_url"],
                detected_at=data["detected_at"],
                received_at=now,
                status=status,
            )
            if status == DetectionStatus.AUTO:
                case, created = report_through_camera(
                    actor=detector.actor,
                    camera=camera,
                    category=category,
                    description=f"视频智能识别：{category.name}（{camera.name}，置信度{confidence:.2f}）",
                    image_url=data["image_url"],
                )
                detection.case, detection.joined_open_case = case, not created
                detection.decided_by, detection.decided_at = detector.actor, now
                detection.save(update_fields=["case", "joined_open_case", "decided_by", "decided_at"])
            record(
                detector.actor,
                "video.detection.receive",
                detection,
                object_repr=f"{detector.code}:{detection.external_id}",
                after={
                    "camera": camera.code,
                    "category": category.code,
                    "confidence": confidence,
                    "status": status,
                },
            )
    except IntegrityError:
        # The same detection raced us in another request: answer what that one did.
        seen = _seen(detector, data["id"])
        if seen is None:
            raise
        return seen
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise Refused(422, "; ".join(messages), field) from None
    return 201, _answer(detection)


def _answer(detection: Detection) -> dict[str, Any]:
    return {
        "id": detection.external_id,
        "status": detection.status,
        "case_number": detection.case.number if detection.case else None,
    }


def _seen(detector: Detector, external_id: str) -> Answer | None:
    found = (
        Detection.objects.select_related("case").filter(detector=detector, external_id=external_id).first()
    )
    return (200, _answer(found)) if found else None


def _parse(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Refused(400, "the body is not JSON", "body") from None
    if not isinstance(data, dict):
        raise Refused(422, "send a JSON object", "body")
    out: dict[str, Any] = {}
    ident = data.get("id")
    if not isinstance(ident, str) or not DETECTION_ID.match(ident):
        raise Refused(422, "id: 1-64 letters, digits, '.', '_', ':' or '-'", "id")
    out["id"] = ident
    camera = data.get("camera")
    if not isinstance(camera, str) or not 0 < len(camera) <= 32:
        raise Refused(422, "camera: the camera's code (1-32 characters)", "camera")
    out["camera"] = camera
    category = data.get("category")
    if not isinstance(category, str) or len(category) > 4:
        raise Refused(422, "category: a 4-digit subclass code", "category")
    out["category"] = category
    kind = data.get("kind", "event")
    if kind not in ("event", "component"):
        raise Refused(422, "kind: event or component", "kind")
    out["kind"] = kind
    confidence = data.get("confidence")
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0 <= confidence <= 1:
        raise Refused(422, "confidence: a number from 0 to 1", "confidence")
    out["confidence"] = float(confidence)
    when = data.get("detected_at")
    parsed = parse_datetime(when) if isinstance(when, str) and len(when) <= 40 else None
    if parsed is None or parsed.tzinfo is None:
        raise Refused(422, "detected_at: an ISO 8601 time with its offset", "detected_at")
    out["detected_at"] = parsed
    image = data.get("image_url", "")
    if not isinstance(image, str) or len(image) > 500 or (image and not re.match(r"^https?://\S+$", image)):
        raise Refused(422, "image_url: an http(s) address of at most 500 characters", "image_url")
    out["image_url"] = image
    return out
