from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FrontageConfig(AppConfig):
    name = "cityloop.frontage"
    label = "frontage"
    verbose_name = _("Frontage zones")

    def ready(self) -> None:
        from django.db.models import Q

        from cityloop.core.models import Role, Unit
        from cityloop.core.permissions import ANY_ROLE, register_scope

        from .models import Duty, Party, Zone

        def under(path: str) -> Q:
            # A party belongs to its street: the street's staff and everyone above see it.
            return Q(street_id__in=Unit.objects.filter(path__startswith=path).values("pk"))

        manage = {Role.UNIT_MANAGER, Role.SUPERVISOR, Role.ADMIN}
        register_scope(Party, under_path=under, actions={"view": ANY_ROLE, "manage": manage})
        register_scope(Zone, under_path=under, actions={"view": ANY_ROLE, "manage": manage})
        register_scope(Duty, under_path=lambda path: Q(), actions={"view": ANY_ROLE, "manage": {Role.ADMIN}})
