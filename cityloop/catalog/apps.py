from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "cityloop.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from django.db.models import Q

        from cityloop.core.models import Role
        from cityloop.core.permissions import ANY_ROLE, register_scope

        from .models import Category, Condition, StepLimit, Urgency

        # The catalog is city-wide reference data: it does not hang off the unit tree, so every
        # jurisdiction sees all of it; only administrators change it.
        for model in (Category, Urgency, Condition, StepLimit):
            register_scope(
                model, under_path=lambda path: Q(), actions={"view": ANY_ROLE, "manage": {Role.ADMIN}}
            )
