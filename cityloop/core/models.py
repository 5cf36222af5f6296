"""The organisation tree, users with roles in units, the append-only audit log and API tokens."""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .audit_actions import AuditAction


class UnitKind(models.TextChoices):
    CITY = "city", _("City")
    DISTRICT = "district", _("District")
    STREET = "street", _("Street")
    COMMUNITY = "community", _("Community")
    DEPARTMENT = "department", _("Department")
    COMPANY = "company", _("Company")
    STATION = "station", _("Community station")


# Which kinds may sit under which: keeps the tree meaningful (a street never sits under a company).
ALLOWED_PARENT_KINDS: dict[str, set[str | None]] = {
    UnitKind.CITY: {None},
    UnitKind.DISTRICT: {UnitKind.CITY, None},
    UnitKind.STREET: {UnitKind.DISTRICT},
    UnitKind.COMMUNITY: {UnitKind.STREET},
    UnitKind.DEPARTMENT: {UnitKind.CITY, UnitKind.DISTRICT, UnitKind.STREET, UnitKind.DEPARTMENT},
    UnitKind.COMPANY: {UnitKind.CITY, UnitKind.DISTRICT, UnitKind.STREET, UnitKind.DEPARTMENT},
    UnitKind.STATION: {UnitKind.COMMUNITY, UnitKind.STREET},
}


class Unit(models.Model):
    """A node of the organisation tree: city, district, street, community, department, company, station.

    ``path`` is a materialised path of ids (``/1/4/17/``) so a jurisdiction (a subtree) is one indexed
    prefix query on SQLite and PostgreSQL alike.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    path = models.CharField(_("tree path"), max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(_("depth in the tree"), default=0, editable=False)
    valid_from = models.DateField(_("active from"), default=dt.date(2000, 1, 1))
    valid_to = models.DateField(_("active until"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["path"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        indexes: ClassVar = [models.Index(fields=["kind", "code"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def is_active(self, on: dt.date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)

    def ancestors(self) -> models.QuerySet[Unit]:
        ids = [int(p) for p in self.path.strip("/").split("/") if p]
        return Unit.objects.filter(pk__in=ids).order_by("depth")

    def ancestor_of_kind(self, kind: str) -> Unit | None:
        return self.ancestors().filter(kind=kind).last()

    def subtree(self) -> models.QuerySet[Unit]:
        return Unit.objects.filter(path__startswith=self.path)


class Role(models.TextChoices):
    SUPERVISOR = "supervisor", _("Supervisor")
    OPERATOR = "operator", _("Acceptance operator")
    SHIFT_LEADER = "shift_leader", _("Shift leader")
    DISPATCHER = "dispatcher", _("Dispatcher")
    HANDLER = "handler", _("Handler")
    UNIT_MANAGER = "unit_manager", _("Unit manager")
    COMMUNITY_HEAD = "community_head", _("Community head")
    LEADER = "leader", _("Leader")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    """A person who signs in: staff of a unit, a supervisor, a leader. Citizens need no account."""

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    # Set when an administrator gives a temporary password (a reset, a roster import): the console
    # sends the user to change it, and the API refuses their calls, until they choose their own.
    must_change_password = models.BooleanField(_("must change password"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username

    def roles(self) -> set[str]:
        return set(self.memberships.active().values_list("role", flat=True))


class MembershipQuerySet(models.QuerySet["Membership"]):
    def active(self, on: dt.date | None = None) -> MembershipQuerySet:
        on = on or timezone.localdate()
        return self.filter(valid_from__lte=on).filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=on)
        )


class Membership(models.Model):
    """A user holds a role in a unit; their jurisdiction is the subtree under that unit."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    valid_from = models.DateField(default=dt.date(2000, 1, 1))
    valid_to = models.DateField(null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["user", "unit", "role", "valid_from"], name="membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit.name}"

    def valid_on(self, day: dt.date) -> bool:
        """Whether the membership holds on ``day`` (the same rule as ``objects.active(day)``)."""
        return self.valid_from <= day and (self.valid_to is None or self.valid_to > day)


GENESIS_HASH = "0" * 64  # the prev_hash of the first entry of the chain


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    """Refuses bulk changes: the audit log is append-only (the database refuses them too)."""

    def delete(self) -> Any:
        raise PermissionError("The audit log is append-only.")

    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The audit log is append-only.")

    def bulk_update(self, *args: Any, **kwargs: Any) -> int:
        raise PermissionError("The audit log is append-only.")

    def _raw_delete(self, using: Any) -> int:
        raise PermissionError("The audit log is append-only.")


class AuditEntry(models.Model):
    """One write made through an action: who, what, on which object, before and after, when.

    Append-only and chained: each entry carries the SHA-256 of its content and of the previous
    entry's hash (``cityloop.core.audit_chain``), so a change, a deletion or an insertion shows in
    ``cityloop audit verify``. The model and its querysets refuse updates and deletes, and database
    triggers refuse UPDATE, DELETE and TRUNCATE (``cityloop.core.audit_guard``).
    """

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor_label = models.CharField(max_length=150)
    # Indexed in Meta, not with db_index=True, which on PostgreSQL adds a second, pattern-ops index
    # per column (for LIKE 'prefix%', which nothing asks) that every action would have to write.
    action = models.CharField(max_length=64, choices=AuditAction.choices)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=255, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    # Hex SHA-256: the previous entry's hash, and this entry's over its canonical content (which
    # includes its id and prev_hash). A database default, so a row written outside record() (by hand,
    # by a bench loader) is still a row, and shows as broken in `cityloop audit verify`.
    prev_hash = models.CharField(max_length=64, default="", db_default="")
    hash = models.CharField(max_length=64, default="", db_default="")

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering: ClassVar = ["id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        indexes: ClassVar = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["action"], name="audit_action_idx"),
            models.Index(fields=["request_id"], name="audit_request_idx"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.object_type}#{self.object_id}"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("The audit log is append-only.")


class AuditChainHead(models.Model):
    """The end of the audit chain: the last entry's id and hash, one row. ``record()`` locks it in
    the action's transaction, so entries are chained in commit order with no fork; it also shows
    when the last entries were deleted. The database refuses its DELETE and a move backwards."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"#{self.last_id} {self.last_hash[:12]}"


class ApiToken(models.Model):
    """A bearer token for the API. Only its SHA-256 is stored; the token is shown once on creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True)
    prefix = models.CharField(max_length=12, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # Requests allowed, e.g. "6000/m" for a busy hotline platform; empty: the default
    # (CITYLOOP_RATELIMIT_TOKEN); "none": no limit.
    rate_limit = models.CharField(_("rate limit"), max_length=16, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"


class UserSession(models.Model):
    """A console session a user signed in with: what deactivating the user ends at once.

    Recorded on sign-in (``core.sessions``), whatever the session engine, so ending a user's sessions
    needs no walk over every stored session."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("user session")

    def __str__(self) -> str:
        return f"{self.user_id}: {self.session_key[:6]}…"


class SharedVersion(models.Model):
    """A counter per kind of reference data that every process keeps compiled in memory (the grid
    index, the routing rule set, the working calendars): moved in the transaction that changes the
    data, so each process rebuilds its copy (``cityloop.core.versioned``)."""

    name = models.CharField(max_length=32, primary_key=True)
    counter = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("shared version")

    def __str__(self) -> str:
        return f"{self.name} {self.counter}"


class RateCounter(models.Model):
    """How many requests of one kind one sender made in one fixed window (``core.ratelimits``).

    The sender is stored only as a hash (``key``), so no address or phone number is kept in clear.
    Rows of past windows are deleted by the worker."""

    key = models.CharField(max_length=64)
    window = models.BigIntegerField()  # the window's start, in seconds since the epoch
    count = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("rate counter")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["key", "window"], name="rate_counter_key_window")
        ]
        indexes: ClassVar = [models.Index(fields=["window"], name="rate_counter_window_idx")]

    def __str__(self) -> str:
        return f"{self.key[:12]}… @{self.window}: {self.count}"
