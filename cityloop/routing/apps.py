from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "cityloop.routing"
    label = "routing"
    verbose_name = _("Routing")

    def ready(self) -> None:
        from django.db.models import Q
        from django.db.models.signals import post_delete, post_save

        from cityloop.catalog.models import Category
        from cityloop.core.models import Role, Unit
        from cityloop.core.permissions import ANY_ROLE, register_scope

        from . import ruleset
        from .models import Arbitration, ReturnRecord, Rule

        def rules_under(path: str) -> Q:
            # A rule belongs to its area; rules for everywhere belong to the top of the tree only.
            q = Q(area_unit__path__startswith=path) | Q(area_grid__community__path__startswith=path)
            if path.count("/") == 2:
                q |= Q(area_unit__isnull=True, area_grid__isnull=True)
            return q

        register_scope(Rule, under_path=rules_under, actions={"view": ANY_ROLE, "manage": {Role.ADMIN}})

        def disputes_under(path: str) -> Q:
            # A dispute is seen in its district, street and community, and by the units involved.
            return (
                Q(district__path__startswith=path)
                | Q(returning_unit__path__startswith=path)
                | Q(suggested_unit__path__startswith=path)
            )

        register_scope(ReturnRecord, under_path=disputes_under, actions={"view": ANY_ROLE})
        register_scope(
            Arbitration,
            under_path=lambda path: (
                Q(district__path__startswith=path)
                | Q(street__path__startswith=path)
                | Q(community__path__startswith=path)
            ),
            actions={"view": ANY_ROLE, "rule": {Role.SHIFT_LEADER}},
        )
        # The in-memory rule set holds unit and category names: rebuild it when they change.
        for model in (Unit, Category):
            post_save.connect(ruleset.RULES.on_change, sender=model, dispatch_uid=f"routing-{model.__name__}")
        post_delete.connect(ruleset.RULES.on_change, sender=Rule, dispatch_uid="routing-rule-deleted")
