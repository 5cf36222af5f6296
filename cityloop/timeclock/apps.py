from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TimeclockConfig(AppConfig):
    name = "cityloop.timeclock"
    label = "timeclock"
    verbose_name = _("Working time")

    def ready(self) -> None:
        from django.db.models import Q
        from django.db.models.signals import post_delete, post_save

        from cityloop.core.health import register_check
        from cityloop.core.models import Role
        from cityloop.core.permissions import ANY_ROLE, register_scope, unit_field_scope

        from . import calendars
        from .models import CalendarDay, CalendarYear, Escalation, EscalationRule, StepTimer, WorkCalendar

        admin_only = {Role.ADMIN}
        everywhere = lambda path: Q()  # noqa: E731 - the national schedule is the same for everyone
        register_scope(
            WorkCalendar,
            under_path=lambda path: Q(unit__isnull=True) | Q(unit__path__startswith=path),
            actions={"view": ANY_ROLE, "manage": admin_only},
        )
        register_scope(CalendarDay, under_path=everywhere, actions={"view": ANY_ROLE, "manage": admin_only})
        register_scope(CalendarYear, under_path=everywhere, actions={"view": ANY_ROLE, "manage": admin_only})
        # A step is visible in its district and to the unit responsible for it.
        register_scope(
            StepTimer,
            under_path=lambda path: (
                Q(district__path__startswith=path) | Q(responsible_unit__path__startswith=path)
            ),
            actions={"view": ANY_ROLE, "manage": admin_only},
        )
        register_scope(
            EscalationRule,
            under_path=lambda path: Q(district__isnull=True) | Q(district__path__startswith=path),
            actions={"view": ANY_ROLE, "manage": admin_only},
        )
        register_scope(
            Escalation,
            under_path=unit_field_scope("timer__district"),
            actions={"view": ANY_ROLE, "manage": admin_only},
        )
        for model in (WorkCalendar, CalendarDay, CalendarYear):
            uid = f"timeclock-{model._meta.model_name}"
            post_save.connect(calendars.CALENDARS.on_change, sender=model, dispatch_uid=f"{uid}-saved")
            post_delete.connect(calendars.CALENDARS.on_change, sender=model, dispatch_uid=f"{uid}-deleted")
        register_check("calendar", calendars.calendar_status)

        from cityloop.notify.worker import register_sweep

        from .sweep import sweep_timers

        register_sweep("timers", sweep_timers)
