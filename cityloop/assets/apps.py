from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "cityloop.assets"
    label = "assets"
    verbose_name = _("Components")

    def ready(self) -> None:
        from django.db.models import Q

        from cityloop.core.models import Role, Unit
        from cityloop.core.permissions import ANY_ROLE, register_scope

        from .models import Component, ComponentState

        def components_under(path: str) -> Q:
            # A unit sees the components in the grids of its communities and those it owns or
            # maintains (a water company sees its covers anywhere in the city).
            units = Unit.objects.filter(path__startswith=path).values("pk")
            return Q(community_id__in=units) | Q(owner_id__in=units) | Q(maintainer_id__in=units)

        register_scope(
            Component, under_path=components_under, actions={"view": ANY_ROLE, "manage": {Role.ADMIN}}
        )
        register_scope(
            ComponentState, under_path=lambda path: Q(), actions={"view": ANY_ROLE, "manage": {Role.ADMIN}}
        )
