"""The video app: cameras, patrol rounds, snapshots to cases and detectors (docs/video.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import AppConfig
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class VideoConfig(AppConfig):
    name = "cityloop.video"
    label = "video"
    verbose_name = _("Video patrol")

    def ready(self) -> None:
        from django.db.models import Q
        from django.db.models.signals import post_delete, post_save

        # Rounds left running past their day are missed rounds: the worker's sweep closes them.
        from cityloop.core.audit import system_actor
        from cityloop.core.models import Role, Unit
        from cityloop.core.permissions import ANY_ROLE, register_scope
        from cityloop.notify.worker import register_sweep

        from .detectors import THRESHOLDS
        from .inbound import CAMERAS
        from .models import Camera, Detection, PatrolRound, PatrolRoute, Threshold
        from .patrol import close_stale_rounds

        def stale_rounds(now: dt.datetime) -> dict[str, Any]:
            return {"missed_rounds": close_stale_rounds(actor=system_actor(), today=timezone.localdate(now))}

        register_sweep("video-stale-rounds", stale_rounds)

        # 视频核查: the camera that reported a case is offered to check it.
        from cityloop.cases.camera_views import register_camera_finder

        from .casework import checking_camera_label

        register_camera_finder(checking_camera_label)

        # A camera or threshold changed in this process: its memo is dropped at once.
        for model, memo in ((Camera, CAMERAS), (Threshold, THRESHOLDS)):
            post_save.connect(memo.clear, sender=model, dispatch_uid=f"video-memo-{model.__name__}")
            post_delete.connect(memo.clear, sender=model, dispatch_uid=f"video-memo-del-{model.__name__}")

        def in_district(path: str) -> Q:
            # A camera, route or round belongs to its district (and everyone above sees it); a
            # street's staff see the cameras standing in their street.
            units = Unit.objects.filter(path__startswith=path).values("pk")
            return Q(district_id__in=units)

        def cameras_under(path: str) -> Q:
            units = Unit.objects.filter(path__startswith=path).values("pk")
            return Q(district_id__in=units) | Q(street_id__in=units)

        def detections_under(path: str) -> Q:
            units = Unit.objects.filter(path__startswith=path).values("pk")
            return Q(camera__district_id__in=units)

        watchers = {Role.OPERATOR, Role.SHIFT_LEADER, Role.ADMIN}
        register_scope(Camera, under_path=cameras_under, actions={"view": ANY_ROLE, "manage": {Role.ADMIN}})
        register_scope(
            PatrolRoute,
            under_path=in_district,
            actions={"view": ANY_ROLE, "manage": {Role.ADMIN, Role.SHIFT_LEADER}},
        )
        register_scope(PatrolRound, under_path=in_district, actions={"view": watchers, "patrol": watchers})
        register_scope(Detection, under_path=detections_under, actions={"view": watchers, "review": watchers})
