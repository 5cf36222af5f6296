from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "cityloop.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from django.db.models import Q

        # The catalog is city-wide reference data: it does not hang off the unit tree, so every
        # jurisdiction sees all of it; only administrators change it.
        from django.db.models.signals import post_delete, post_save

        from cityloop.core.models import Role
        from cityloop.core.permissions import ANY_ROLE, register_scope

        from .lookup import REFERENCE
        from .models import Category, Condition, StepLimit, Urgency

        for model in (Category, Urgency, Condition, StepLimit):
            register_scope(
                model, under_path=lambda path: Q(), actions={"view": ANY_ROLE, "manage": {Role.ADMIN}}
            )
            uid = f"catalog-reference-{model.__name__}"
            post_save.connect(REFERENCE.clear, sender=model, dispatch_uid=f"{uid}-save")
            post_delete.connect(REFERENCE.clear, sender=model, dispatch_uid=f"{uid}-delete")
