from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "cityloop.evaluation"
    label = "evaluation"
    verbose_name = _("Evaluation")

    def ready(self) -> None:
        from django.db.models import Q

        from cityloop.core.models import Role
        from cityloop.core.permissions import ANY_ROLE, register_scope, unit_field_scope

        from .models import Adjustment, Deduction, EvaluationRun, Scheme, Score

        managers = {Role.ADMIN, Role.LEADER}

        def run_under(path: str) -> Q:
            # A run covers a city or a district: people inside it see that it exists (their own rows
            # are filtered through Score and Deduction), so the run of any enclosing unit is visible.
            ancestors = [int(p) for p in path.strip("/").split("/") if p]
            return Q(scope__path__startswith=path) | Q(scope_id__in=ancestors)

        register_scope(EvaluationRun, under_path=run_under, actions={"view": ANY_ROLE, "manage": managers})
        for model in (Score, Deduction, Adjustment):
            register_scope(
                model, under_path=unit_field_scope("unit"), actions={"view": ANY_ROLE, "manage": managers}
            )
        register_scope(
            Scheme, under_path=lambda path: Q(), actions={"view": ANY_ROLE, "manage": {Role.ADMIN}}
        )
