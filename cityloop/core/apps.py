from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "cityloop.core"
    label = "core"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        from django.db.models import Q

        from .models import ApiToken, AuditEntry, Membership, Role, Unit, User
        from .permissions import ANY_ROLE, register_scope, unit_field_scope

        admin_only = {Role.ADMIN}
        register_scope(
            Unit,
            under_path=lambda path: Q(path__startswith=path),
            actions={"view": ANY_ROLE, "manage": admin_only},
        )
        register_scope(
            User,
            under_path=lambda path: Q(memberships__unit__path__startswith=path),
            actions={"view": ANY_ROLE, "manage": admin_only},
            distinct=True,
        )
        register_scope(
            Membership, under_path=unit_field_scope("unit"), actions={"view": ANY_ROLE, "manage": admin_only}
        )
        register_scope(
            AuditEntry,
            under_path=lambda path: Q(actor__memberships__unit__path__startswith=path),
            actions={"view": admin_only},
            distinct=True,
        )
        register_scope(
            ApiToken,
            under_path=lambda path: Q(user__memberships__unit__path__startswith=path),
            actions={"view": admin_only, "manage": admin_only},
            distinct=True,
        )

        from django.contrib.auth.signals import user_logged_in, user_logged_out
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_delete, post_save

        from . import sessions
        from .audit_guard import register_sqlite_function

        # The audit tables' triggers ask this connection whether maintenance is on.
        connection_created.connect(register_sqlite_function, dispatch_uid="core-audit-guard")
        # The sessions each user signed in with, so that deactivating the user ends them at once.
        user_logged_in.connect(sessions.on_logged_in, dispatch_uid="core-session-in")
        user_logged_out.connect(sessions.on_logged_out, dispatch_uid="core-session-out")

        from .units import UNITS

        # Every save or delete of a unit moves the units' counter in its own transaction.
        post_save.connect(UNITS.on_change, sender=Unit, dispatch_uid="core-units-saved")
        post_delete.connect(UNITS.on_change, sender=Unit, dispatch_uid="core-units-deleted")
