"""The hotline app: work orders from 12345 and its kin in, numbered messages out (docs/hotline.md)."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotlineConfig(AppConfig):
    name = "cityloop.hotline"
    label = "hotline"
    verbose_name = _("Hotline")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from cityloop.cases.models import CaseEvent
        from cityloop.notify.delivery import register_external

        from . import outbound

        # Every case transition writes one CaseEvent in its transaction: the messages it causes are
        # queued in that same transaction (the case loop itself is not edited for the hotline).
        post_save.connect(outbound.on_case_event, sender=CaseEvent, dispatch_uid="hotline-case-events")
        register_external(outbound.HOTLINE_DELIVERY)
