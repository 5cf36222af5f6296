from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GeoConfig(AppConfig):
    name = "cityloop.geo"
    label = "geo"
    verbose_name = _("Unit grids")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from cityloop.core.models import Role
        from cityloop.core.permissions import ANY_ROLE, register_scope, unit_field_scope

        from . import gazetteer, index
        from .models import AddressPoint, Grid, PointOfInterest, Road, RoadAlias

        register_scope(
            Grid, under_path=unit_field_scope("community"), actions={"view": ANY_ROLE, "manage": {Role.ADMIN}}
        )
        # Roads belong to a district's map; a road without a district is visible to superusers only.
        register_scope(
            Road, under_path=unit_field_scope("district"), actions={"view": ANY_ROLE, "manage": {Role.ADMIN}}
        )
        post_save.connect(index.GRIDS.on_change, sender=Grid, dispatch_uid="geo-grid-saved")
        post_delete.connect(index.GRIDS.on_change, sender=Grid, dispatch_uid="geo-grid-deleted")
        # Admin edits of the gazetteer's rows (the import actions bump the counter themselves).
        for model in (Road, RoadAlias, AddressPoint, PointOfInterest):
            label = model._meta.model_name
            post_save.connect(gazetteer.GAZETTEER.on_change, sender=model, dispatch_uid=f"geo-{label}-saved")
            post_delete.connect(
                gazetteer.GAZETTEER.on_change, sender=model, dispatch_uid=f"geo-{label}-deleted"
            )
