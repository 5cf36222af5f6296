from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunityConfig(AppConfig):
    name = "cityloop.community"
    label = "community"
    verbose_name = _("Communities and back alleys")

    def ready(self) -> None:
        from django.db.models import Model

        from cityloop.core.permissions import ANY_ROLE, register_scope
        from cityloop.routing.claimers import register_claimer

        from . import models as m
        from .claim import community_claim
        from .scopes import MANAGE, alley_rows, community_rows

        actions = {"view": ANY_ROLE, "manage": MANAGE}
        community_models: tuple[tuple[type[Model], str], ...] = (
            (m.Station, "community"),
            (m.Post, "community"),
            (m.Professional, "community"),
            (m.Task, "community"),
            (m.Meeting, "unit"),
            (m.ActionItem, "unit"),
        )
        for model, field in community_models:
            register_scope(model, under_path=community_rows(field), actions=actions)
        alley_models: tuple[tuple[type[Model], str], ...] = (
            (m.AlleySegment, ""),
            (m.AlleyInspection, "segment__"),
            (m.AlleyCheckIn, "segment__"),
        )
        for model, prefix in alley_models:
            register_scope(model, under_path=alley_rows(prefix), actions=actions)
        # Frontage registers its claimer first (it comes first in INSTALLED_APPS): a shop's zone is
        # told before the community station; both stand side by side in the registry.
        register_claimer("community", community_claim)
