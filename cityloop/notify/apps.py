from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "cityloop.notify"
    label = "notify"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from django.db.models import Q

        from cityloop.core.models import Role
        from cityloop.core.permissions import ANY_ROLE, register_scope
        from cityloop.core.ratelimits import forget_past_windows

        from .models import Delivery, InboxMessage, Outbox, WebhookSubscription
        from .worker import register_sweep

        register_sweep("rate counters", lambda now: {"deleted": forget_past_windows(now.timestamp())})

        admin_only = {Role.ADMIN}
        # Everyone reads their own inbox (the API also filters on the user); administrators may look
        # at the messages of people in their subtree.
        register_scope(
            InboxMessage,
            under_path=lambda path: Q(user__memberships__unit__path__startswith=path),
            actions={"view": ANY_ROLE, "manage": admin_only},
            distinct=True,
        )
        register_scope(
            Outbox,
            under_path=lambda path: Q(district__path__startswith=path),
            actions={"view": admin_only, "manage": admin_only},
        )
        register_scope(
            Delivery,
            under_path=lambda path: Q(outbox__district__path__startswith=path),
            actions={"view": admin_only, "manage": admin_only},
        )
        register_scope(
            WebhookSubscription,
            under_path=lambda path: Q(district__isnull=True) | Q(district__path__startswith=path),
            actions={"view": admin_only, "manage": admin_only},
        )

        from cityloop.core.audit_chain import export_daily_heads

        from .worker import register_sweep

        # Once a day is over, its audit chain head goes to CITYLOOP_AUDIT_HEAD_DIR for auditors.
        register_sweep("audit_heads", export_daily_heads)
