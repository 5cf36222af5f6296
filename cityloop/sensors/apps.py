"""The sensors app: IoT alerts that become cases and close themselves on recovery (docs/sensors.md)."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SensorsConfig(AppConfig):
    name = "cityloop.sensors"
    label = "sensors"
    verbose_name = _("Sensors")

    def ready(self) -> None:
        from django.db.models import Q

        from cityloop.core.models import Role, Unit
        from cityloop.core.permissions import ANY_ROLE, register_scope

        from .models import Device

        def under(path: str) -> Q:
            units = Unit.objects.filter(path__startswith=path).values("pk")
            return Q(district_id__in=units) | Q(street_id__in=units)

        register_scope(Device, under_path=under, actions={"view": ANY_ROLE, "manage": {Role.ADMIN}})
