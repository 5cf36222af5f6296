"""Responsibility rules (who must handle which problem where), the returns units make when they think
a case is not theirs, and the arbitrations that settle repeated returns (DOMAIN.md §5).

Rules are data with effective dates. A rule matches a category pattern (kind, class or subclass
code, optionally a registration condition) inside an area (everywhere, a city, district, street or
community, or one unit grid) and names its target: a unit, a role of the case's component (owner,
maintenance unit, supervising authority) or the territory of the case's grid. Every write moves the
``routing.rules`` counter (``core.versioned``) so each process rebuilds its in-memory rule set.

Returns and arbitrations point at cases by id and number only: routing sits below the case loop and
never imports it.
"""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityloop.catalog.models import Kind
from cityloop.core.models import Unit
from cityloop.geo.models import Grid

EPOCH = dt.date(2000, 1, 1)


class Purpose(models.TextChoices):
    DISPATCH = "dispatch", _("Dispatch: who handles the case")
    EMERGENCY = "emergency", _("Emergency: who is told at once")


class Level(models.TextChoices):
    CITY = "city", _("City command")
    DISTRICT = "district", _("District command")


class Target(models.TextChoices):
    UNIT = "unit", _("a named unit")
    OWNER = "owner", _("the component's owner")
    MAINTAINER = "maintainer", _("the component's maintenance unit")
    AUTHORITY = "authority", _("the component's supervising authority")
    GRID = "grid", _("the grid's responsible unit (else its street)")
    STREET = "street", _("the street of the grid")
    COMMUNITY = "community", _("the community of the grid")


# Targets that send the case to the place rather than to a department or an owner.
TERRITORIAL_TARGETS = frozenset({Target.GRID, Target.STREET, Target.COMMUNITY})
ROLE_TARGETS = frozenset({Target.OWNER, Target.MAINTAINER, Target.AUTHORITY})


class Source(models.TextChoices):
    ADMIN = "admin", _("entered by an administrator")
    IMPORT = "import", _("imported from a file")
    ARBITRATION = "arbitration", _("an arbitration ruling")


class RuleQuerySet(models.QuerySet["Rule"]):
    def valid_at(self, on: dt.date | None = None) -> RuleQuerySet:
        """Rules in force on day ``on`` (today by default)."""
        on = on or timezone.localdate()
        return self.filter(valid_from__lte=on).filter(
            models.Q(valid_to__isnull=True) | models.Q(valid_to__gt=on)
        )


class Rule(models.Model):
    """One responsibility rule. The highest ``priority`` wins; among equal priorities the narrower
    category (condition > subclass > class > kind > any: what the problem is decides which power it
    needs), then the narrower area (grid > community > street > district > city > everywhere).
    ``revision`` moves with every edit, and decisions record the rule id and revision that chose
    their unit."""

    name = models.CharField(_("name"), max_length=120)
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices, default=Purpose.DISPATCH)
    kind = models.CharField(
        _("kind"),
        max_length=10,
        blank=True,
        choices=Kind.choices,
        help_text=_("component, event, or empty for any kind"),
    )
    category_code = models.CharField(
        _("class or subclass"),
        max_length=4,
        blank=True,
        help_text=_("2-digit class, 4-digit subclass, or empty"),
    )
    condition_number = models.PositiveSmallIntegerField(
        _("registration condition"), null=True, blank=True, help_text=_("only with a subclass")
    )
    area_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("area"),
        help_text=_("a city, district, street or community; empty (and no grid) means everywhere"),
    )
    area_grid = models.ForeignKey(
        Grid,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit grid"),
        help_text=_("one grid (matched by its code, so a redrawn grid keeps its rules)"),
    )
    level = models.CharField(_("command level"), max_length=10, choices=Level.choices, default=Level.DISTRICT)
    target = models.CharField(_("target"), max_length=12, choices=Target.choices)
    target_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("target unit")
    )
    priority = models.IntegerField(_("priority"), default=0)
    auto_dispatch = models.BooleanField(
        _("dispatch automatically"),
        default=False,
        help_text=_("When this rule decides without doubt, the system dispatches without a dispatcher."),
    )
    valid_from = models.DateField(_("valid from"), default=EPOCH)
    valid_to = models.DateField(_("valid until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, default=Source.ADMIN)
    note = models.TextField(_("note"), blank=True)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    objects = RuleQuerySet.as_manager()

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering: ClassVar = ["purpose", "-priority", "kind", "category_code", "id"]
        indexes: ClassVar = [models.Index(fields=["kind", "category_code"], name="routing_rule_category_idx")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.name}"

    def is_active(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on < self.valid_to)

    @property
    def category_label(self) -> str:
        if not self.kind:
            return "*"
        code = self.category_code or "*"
        return f"{self.kind} {code}" + (f"-{self.condition_number}" if self.condition_number else "")


class ReturnRecord(models.Model):
    """An approved return (回退): the unit that sent the case back, the unit it said is responsible,
    the case's category. Counted per unit pair and category for the dispute graph."""

    case_id = models.BigIntegerField(db_index=True)
    case_number = models.CharField(max_length=32, verbose_name=_("case number"))
    district = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    returning_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("returning unit")
    )
    suggested_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suggested unit"),
    )
    kind = models.CharField(max_length=10, blank=True, choices=Kind.choices, verbose_name=_("kind"))
    category_code = models.CharField(max_length=4, blank=True, verbose_name=_("category code"))
    reason = models.TextField(blank=True)
    approved_at = models.DateTimeField(db_index=True, verbose_name=_("approved at"))
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("approved return")
        verbose_name_plural = _("approved returns")
        ordering: ClassVar = ["-approved_at", "-id"]
        indexes: ClassVar = [
            models.Index(fields=["district", "approved_at"], name="routing_return_district_idx"),
            models.Index(fields=["returning_unit", "suggested_unit"], name="routing_return_pair_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case_number}: {self.returning_unit_id} → {self.suggested_unit_id}"


class ArbitrationState(models.TextChoices):
    OPEN = "open", _("waiting for a ruling")
    RULED = "ruled", _("ruled")


class Arbitration(models.Model):
    """A case that bounced between units, waiting in the command centre's queue for a ruling (仲裁 /
    联席会议). ``history`` lists each return: who returned it, when, why, and whom they named."""

    case_id = models.BigIntegerField(db_index=True)
    case_number = models.CharField(max_length=32, verbose_name=_("case number"))
    district = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    community = models.ForeignKey(Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=10, blank=True, choices=Kind.choices, verbose_name=_("kind"))
    category_code = models.CharField(max_length=4, blank=True, verbose_name=_("category code"))
    category_name = models.CharField(max_length=100, blank=True)
    state = models.CharField(
        max_length=8, choices=ArbitrationState.choices, default=ArbitrationState.OPEN, verbose_name=_("state")
    )
    reason = models.TextField(_("why it was referred"), blank=True)
    history = models.JSONField(default=list, blank=True)
    opened_at = models.DateTimeField(db_index=True, verbose_name=_("opened at"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    ruled_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("ruled unit")
    )
    ruled_at = models.DateTimeField(null=True, blank=True)
    ruled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ruling = models.TextField(_("ruling"), blank=True)
    rule = models.ForeignKey(
        Rule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="arbitrations",
        verbose_name=_("rule"),
    )

    class Meta:
        verbose_name = _("arbitration")
        verbose_name_plural = _("arbitrations")
        ordering: ClassVar = ["-opened_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["case_id"], condition=models.Q(state="open"), name="routing_one_open_arbitration"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_number} ({self.get_state_display()})"
