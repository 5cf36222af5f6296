"""Managing detectors (external vision systems) and the city's detection thresholds. A detector
posts as its own service account (``detector-<code>``), an acceptance operator in the area it
serves and the districts under it, with no password and no token: only signed posts act as it."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ValidationError

from cityloop.catalog.models import Category
from cityloop.core.actions import create_user
from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import Role, Unit, UnitKind, User
from cityloop.notify.signing import new_secret

from .models import Detector, Threshold

CODE = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
PUBLIC_FIELDS = ["code", "name", "unit", "actor", "active"]


def _role_units(unit: Unit) -> list[Unit]:
    districts = Unit.objects.filter(kind=UnitKind.DISTRICT, path__startswith=unit.path).exclude(pk=unit.pk)
    return [unit, *districts.order_by("path")]


@domain_action
def create_detector(*, actor: User, code: str, name: str, unit: Unit, secret: str = "") -> Detector:
    """Add a detector with its service account; returns it with its secret (show it once)."""
    if not CODE.match(code or ""):
        raise ValidationError({"code": "编号为小写字母、数字或连字符，不超过32位"})
    if not (name or "").strip() or len(name) > 100:
        raise ValidationError({"name": "名称必填，不超过100字"})
    if Detector.objects.filter(code=code).exists():
        raise ValidationError({"code": f"识别系统{code}已登记"})
    username = f"detector-{code}"
    if User.objects.filter(username=username).exists():
        raise ValidationError({"code": f"账号{username}已存在，请换一个编号"})
    service = create_user(
        actor=actor,
        username=username,
        password=None,
        display_name=name[:100],
        roles=[(u, Role.OPERATOR) for u in _role_units(unit)],
    )
    detector = Detector.objects.create(
        code=code, name=name.strip(), unit=unit, actor=service, secret=secret or new_secret()
    )
    record(actor, "video.detector.create", detector, after=snapshot(detector, PUBLIC_FIELDS))
    return detector


@domain_action
def rotate_detector_secret(*, actor: User, detector: Detector) -> str:
    """A new signing secret for the detector (the old one stops working at once)."""
    detector.secret = new_secret()
    detector.save(update_fields=["secret"])
    record(actor, "video.detector.change", detector, after={"secret": "rotated"})
    return detector.secret


@domain_action
def set_detector_active(*, actor: User, detector: Detector, active: bool) -> Detector:
    detector.active = active
    detector.save(update_fields=["active"])
    User.objects.filter(pk=detector.actor_id).update(is_active=active)
    record(actor, "video.detector.change", detector, after={"active": active})
    return detector


@domain_action
def set_threshold(
    *, actor: User, category: Category, min_confidence: float, auto_case_confidence: float | None
) -> Threshold:
    """The city's thresholds for one category: queue detections from ``min_confidence``; create a
    case without review from ``auto_case_confidence`` (None: never automatically)."""
    if not (0 <= min_confidence <= 1):
        raise ValidationError({"min_confidence": "置信度在0到1之间"})
    if auto_case_confidence is not None and not (min_confidence <= auto_case_confidence <= 1):
        raise ValidationError({"auto_case_confidence": "自动立案阈值应在入队阈值与1之间"})
    if category.parent_id is None:
        raise ValidationError({"category": "请选择小类"})
    found, _ = Threshold.objects.get_or_create(category=category)
    before: dict[str, Any] = {
        "min_confidence": found.min_confidence,
        "auto_case_confidence": found.auto_case_confidence,
    }
    found.min_confidence = min_confidence
    found.auto_case_confidence = auto_case_confidence
    found.save()
    record(
        actor,
        "video.threshold.set",
        found,
        object_repr=f"{category.kind} {category.code} {category.name}",
        before=before,
        after={"min_confidence": min_confidence, "auto_case_confidence": auto_case_confidence},
    )
    return found


def threshold_for(category: Category) -> tuple[float, float | None]:
    """(queue from, automatic case from) for a category; the defaults when the city set none."""
    found = (
        Threshold.objects.filter(category=category)
        .values_list("min_confidence", "auto_case_confidence")
        .first()
    )
    return (found[0], found[1]) if found else (DEFAULT_MIN_CONFIDENCE, None)


DEFAULT_MIN_CONFIDENCE = 0.5
