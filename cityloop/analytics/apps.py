from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "cityloop.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        from cityloop.core.permissions import ANY_ROLE, register_scope
        from cityloop.notify.worker import register_sweep

        from .models import DailyCount, HourlyCount
        from .rollup import sweep
        from .scope import territory_under

        # Roll-ups are counts of a territory: a user sees the rows of the districts, streets and
        # communities under their units (a department, which has no territory, sees none).
        for model in (HourlyCount, DailyCount):
            register_scope(model, under_paths=territory_under, actions={"view": ANY_ROLE})
        # A closing is a closed case, a backlog count a set of open ones: seen by whoever sees the cases
        # (their territory or the unit they were dispatched to).
        from cityloop.cases.scope import cases_under

        from .models import BacklogCount, Closing

        for case_like in (Closing, BacklogCount):
            register_scope(case_like, under_paths=cases_under, actions={"view": ANY_ROLE})
        register_sweep("analytics", sweep)
