"""The video app: cameras, patrol rounds, snapshots to cases and detectors (docs/video.md)."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VideoConfig(AppConfig):
    name = "cityloop.video"
    label = "video"
    verbose_name = _("Video patrol")

    def ready(self) -> None:
        from django.db.models import Q

        from cityloop.core.models import Role, Unit
        from cityloop.core.permissions import ANY_ROLE, register_scope

        from .models import Camera, Detection, PatrolRound, PatrolRoute

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
