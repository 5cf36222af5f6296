"""Cameras (天网 street cameras), patrol rounds through them, and detectors that watch them.

A camera is registered with its point, the direction it looks and the field of view it covers on the
ground (a polygon, given or derived from direction, angle and range), the unit that owns it, and its
stream and snapshot addresses, which are secret (they open a live picture of the street): only an
administrator ever reads them back. A case found through a camera remembers the camera and the frame
(:class:`CameraCase`), so the same camera can later be used to check it (核查 by video).
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityloop.cases.models import Attachment, Case
from cityloop.catalog.models import Category
from cityloop.core.models import Unit


class Camera(models.Model):
    """One street camera: where it stands, what it sees, who owns it, when it matters."""

    code = models.SlugField(_("camera code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    h3 = models.CharField(max_length=16, db_index=True)
    direction = models.FloatField(_("view direction (degrees from north)"), null=True, blank=True)
    fov_angle = models.FloatField(_("field-of-view angle (degrees)"), default=60)
    range_m = models.FloatField(_("view range (metres)"), default=80)
    # GeoJSON Polygon coordinates (WGS84) of the ground the camera sees.
    fov = models.JSONField(_("field of view"), default=list, blank=True)
    owner = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("owner unit"))
    district = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    street = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", null=True, blank=True, verbose_name=_("street")
    )
    stream_url = models.CharField(_("stream URL"), max_length=500, blank=True)
    snapshot_url = models.CharField(_("snapshot URL"), max_length=500, blank=True)
    key_area = models.CharField(_("key area"), max_length=50, blank=True, db_index=True)
    hours = models.CharField(_("key hours"), max_length=50, blank=True, help_text="07:00-09:30,17:00-20:00")
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("camera")
        verbose_name_plural = _("cameras")
        ordering: ClassVar = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Detector(models.Model):
    """An external vision system that posts detections, signed with its own secret, acting as its
    own service account (which holds the acceptance operator's role where it may report)."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    secret = models.CharField(_("signing secret"), max_length=200)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("area served"))
    actor = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="video_detector"
    )
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("detector")
        verbose_name_plural = _("detectors")
        ordering: ClassVar = ["code"]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Threshold(models.Model):
    """Per category (data the city sets): below ``min_confidence`` a detection is kept but not
    queued; at or above ``auto_case_confidence`` (if set) it becomes a case without review."""

    category = models.OneToOneField(Category, on_delete=models.PROTECT, related_name="+")
    min_confidence = models.FloatField(_("queue from confidence"), default=0.5)
    auto_case_confidence = models.FloatField(_("automatic case from confidence"), null=True, blank=True)
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)

    class Meta:
        verbose_name = _("detection threshold")
        verbose_name_plural = _("detection thresholds")

    def __str__(self) -> str:
        return f"{self.category_id}: {self.min_confidence}/{self.auto_case_confidence}"


class DetectionStatus(models.TextChoices):
    PENDING = "pending", _("awaiting review")
    CONFIRMED = "confirmed", _("confirmed")
    REJECTED = "rejected", _("rejected")
    AUTO = "auto", _("case created automatically")
    BELOW = "below", _("below threshold")


class Detection(models.Model):
    """One detection posted by a detector, and what became of it."""

    detector = models.ForeignKey(
        Detector, on_delete=models.PROTECT, related_name="detections", db_index=False
    )
    external_id = models.CharField(_("detector's id"), max_length=64)
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="detections")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    confidence = models.FloatField(_("confidence"))
    image_url = models.CharField(_("image URL"), max_length=500, blank=True)
    detected_at = models.DateTimeField(_("detected at"))
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    status = models.CharField(_("status"), max_length=12, choices=DetectionStatus.choices, db_index=True)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # True when confirming joined an open case at the same camera and category (no new case).
    joined_open_case = models.BooleanField(default=False)
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("detection")
        verbose_name_plural = _("detections")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["detector", "external_id"], name="video_detection_once")
        ]

    def __str__(self) -> str:
        return f"{self.detector_id}:{self.external_id}"


class CameraCase(models.Model):
    """A case found through a camera: the camera, the frame, and the detection or round stop it
    came from. The same camera is offered to check the case (核查 by video)."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="camera_link")
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="cases")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+", null=True)
    frame = models.ForeignKey(Attachment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    image_url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["camera", "category"], name="video_cameracase_cam_cat")]

    def __str__(self) -> str:
        return f"{self.case_id} ← {self.camera_id}"


class Shift(models.TextChoices):
    DAY = "day", _("day shift")
    EVENING = "evening", _("evening shift")
    NIGHT = "night", _("night shift")


class PatrolRoute(models.Model):
    """A patrol schedule (轮巡方案): the cameras of key areas in order, for one shift, with the time an
    operator should spend on each and the checklist to go through."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    district = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("district"))
    shift = models.CharField(_("shift"), max_length=8, choices=Shift.choices)
    seconds_per_camera = models.PositiveIntegerField(_("seconds per camera"), default=60)
    checklist = models.JSONField(_("checklist"), default=list)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("patrol route")
        verbose_name_plural = _("patrol routes")
        ordering: ClassVar = ["code"]

    def __str__(self) -> str:
        return self.name


class RouteCamera(models.Model):
    route = models.ForeignKey(PatrolRoute, on_delete=models.CASCADE, related_name="stops")
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()

    class Meta:
        ordering: ClassVar = ["route", "position"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["route", "position"], name="video_routecamera_position")
        ]

    def __str__(self) -> str:
        return f"{self.route_id}#{self.position}"


class RoundStatus(models.TextChoices):
    RUNNING = "running", _("running")
    FINISHED = "finished", _("finished")
    MISSED = "missed", _("missed")


class PatrolRound(models.Model):
    """One walk of a route by one operator on one day (轮巡记录)."""

    route = models.ForeignKey(PatrolRoute, on_delete=models.PROTECT, related_name="rounds")
    operator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    status = models.CharField(_("status"), max_length=10, choices=RoundStatus.choices, default="running")
    started_at = models.DateTimeField(_("started at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    looked = models.PositiveIntegerField(default=0)
    missed = models.PositiveIntegerField(default=0)

    class Meta:
        indexes: ClassVar = [models.Index(fields=["operator", "day"], name="video_round_operator_day")]

    def __str__(self) -> str:
        return f"{self.route_id} {self.day} {self.operator_id}"


class StopStatus(models.TextChoices):
    PENDING = "pending", _("not yet looked at")
    LOOKED = "looked", _("looked at")
    MISSED = "missed", _("missed")


class RoundStop(models.Model):
    """One camera in a round: when it was looked at, for how long, the checklist's answers."""

    round = models.ForeignKey(PatrolRound, on_delete=models.CASCADE, related_name="stops")
    camera = models.ForeignKey(Camera, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    status = models.CharField(max_length=8, choices=StopStatus.choices, default="pending")
    opened_at = models.DateTimeField(null=True, blank=True)
    looked_at = models.DateTimeField(null=True, blank=True)
    seconds = models.PositiveIntegerField(null=True, blank=True)
    checks = models.JSONField(default=dict, blank=True)
    note = models.CharField(max_length=200, blank=True)
    case = models.ForeignKey(Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        ordering: ClassVar = ["round", "position"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["round", "position"], name="video_roundstop_position")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}#{self.position}"
