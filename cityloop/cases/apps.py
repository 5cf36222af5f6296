from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "cityloop.cases"
    label = "cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from django.db.models import Q

        from cityloop.core.models import Unit
        from cityloop.core.permissions import ANY_ROLE, register_scope

        from .models import Case

        def under(path: str) -> Q:
            # A case belongs to its territory (community → street → district) and to the unit it is
            # dispatched to: a street sees its own cases, a department the cases sent to it.
            subtree = Unit.objects.filter(path__startswith=path).values("id")
            return (
                Q(community_id__in=subtree) | Q(district_id__in=subtree) | Q(responsible_unit_id__in=subtree)
            )

        register_scope(Case, under_path=under, actions={"view": ANY_ROLE})

        from cityloop.timeclock import signals

        from . import receivers

        signals.timer_warned.connect(receivers.on_light_changed, dispatch_uid="cases-light-yellow")
        signals.timer_overdue.connect(receivers.on_light_changed, dispatch_uid="cases-light-red")
        signals.escalation_due.connect(receivers.on_escalation_due, dispatch_uid="cases-escalation")

        from django.db.models.signals import post_save

        from cityloop.catalog.models import StepLimit, Urgency

        from .actions import forget_channels
        from .clocks import forget_step_limits
        from .models import Channel

        post_save.connect(forget_step_limits, sender=StepLimit, dispatch_uid="cases-step-limits")
        post_save.connect(forget_step_limits, sender=Urgency, dispatch_uid="cases-urgencies")
        post_save.connect(forget_channels, sender=Channel, dispatch_uid="cases-channels")
