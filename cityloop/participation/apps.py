from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ParticipationConfig(AppConfig):
    name = "cityloop.participation"
    label = "participation"
    verbose_name = _("Public participation")

    def ready(self) -> None:
        from django.db.models import Q
        from django.db.models.signals import post_save

        from cityloop.core.models import Role, Unit
        from cityloop.core.permissions import ANY_ROLE, register_scope
        from cityloop.notify.delivery import ExternalChannel, register_external
        from cityloop.notify.worker import register_sweep

        from . import alerts, messaging, receivers
        from .models import Activity, Suggestion, Survey, Volunteer

        def by_street(path: str) -> Q:
            units = Unit.objects.filter(path__startswith=path).values("pk")
            return Q(street_id__in=units) | Q(community_id__in=units)

        def suggestions_under(path: str) -> Q:
            units = Unit.objects.filter(path__startswith=path).values("pk")
            return Q(street_id__in=units)

        def surveys_under(path: str) -> Q:
            units = Unit.objects.filter(path__startswith=path).values("pk")
            return Q(area_id__in=units)

        manage = {Role.UNIT_MANAGER, Role.COMMUNITY_HEAD, Role.LEADER, Role.ADMIN}
        actions = {"view": ANY_ROLE, "manage": manage}
        register_scope(Volunteer, under_path=by_street, actions=actions)
        register_scope(Activity, under_path=by_street, actions=actions)
        register_scope(Suggestion, under_path=suggestions_under, actions=actions)
        register_scope(Survey, under_path=surveys_under, actions=actions)
        # Every case transition writes one event; "cases.CaseEvent" by name: cases live above us.
        post_save.connect(receivers.on_case_event, sender="cases.CaseEvent", dispatch_uid="participation")
        register_external(
            ExternalChannel(messaging.CHANNEL, targets=messaging.targets, send=messaging.deliver)
        )
        register_sweep("participation_alerts", alerts.send_batches)
