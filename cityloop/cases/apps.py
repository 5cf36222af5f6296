"""The cases app: its permission scope (``scope``), and the receivers that tie it to the clock and
the catalog."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cityloop.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from cityloop.core.permissions import ANY_ROLE, register_scope

        from .models import Case
        from .scope import cases_under

        register_scope(Case, under_paths=cases_under, actions={"view": ANY_ROLE})

        from cityloop.timeclock import signals

        # Importing the effects checks the table's guard and effect names: a typo stops the start.
        from . import effects, receivers  # noqa: F401

        signals.timer_warned.connect(receivers.on_light_changed, dispatch_uid="cases-light-yellow")
        signals.timer_overdue.connect(receivers.on_light_changed, dispatch_uid="cases-light-red")
        signals.escalation_due.connect(receivers.on_escalation_due, dispatch_uid="cases-escalation")

        from django.db.models.signals import post_save

        from cityloop.catalog.models import StepLimit, Urgency

        from .channels import forget_channels
        from .clocks import forget_step_limits
        from .models import Channel

        post_save.connect(forget_step_limits, sender=StepLimit, dispatch_uid="cases-step-limits")
        post_save.connect(forget_step_limits, sender=Urgency, dispatch_uid="cases-urgencies")
        post_save.connect(forget_channels, sender=Channel, dispatch_uid="cases-channels")

        # A frontage notice not put right by its deadline becomes a case (frontage sits below).
        from cityloop.frontage import escalation

        from .frontage_intake import escalate_notice

        escalation.register(escalate_notice)
        # The community micro-loop escalates into (and reports back to) the case loop through this.
        from cityloop.community.escalation import register_bridge

        from .community import CaseBridge

        register_bridge(CaseBridge())
