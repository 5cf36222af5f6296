"""Credit (信用) of frontage parties: the scheme as data with effective dates (like the evaluation
schemes), the monthly scores, the red and black lists with their history, and the self-discipline
groups (商户自治联盟) whose members inspect each other."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import Unit

from .models import Party


class CreditScheme(models.Model):
    """How a party's credit is scored: a base, items (what counts, points per occurrence, a cap per
    item), the window of months counted, and the rules of the red and black lists. The version in
    force on a month's last day scores that month; a new version never rewrites past scores."""

    code = models.CharField(_("code"), max_length=40, default="frontage")
    version = models.PositiveIntegerField(_("version"), default=1)
    name = models.CharField(_("name"), max_length=100)
    valid_from = models.DateField(_("in force from"))
    config = models.JSONField(_("configuration"))
    note = models.TextField(_("why this version"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["code", "-valid_from", "-version"]
        verbose_name = _("frontage credit scheme")
        verbose_name_plural = _("frontage credit schemes")
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["code", "version"], name="creditscheme_code_version")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class CreditScore(models.Model):
    """A party's credit at the end of a month (``month``: its first day), with what made it."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="credit_scores")
    month = models.DateField(_("month"))
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    # {item code: [count, points]} for the items that counted.
    parts = models.JSONField(_("parts"), default=dict)
    scheme = models.ForeignKey(CreditScheme, on_delete=models.PROTECT, related_name="+")
    street = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("street"))
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        ordering: ClassVar = ["-month", "score", "party_id"]
        verbose_name = _("frontage credit score")
        verbose_name_plural = _("frontage credit scores")
        constraints: ClassVar = [models.UniqueConstraint(fields=["party", "month"], name="creditscore_month")]
        indexes: ClassVar = [models.Index(fields=["month", "street", "score"], name="creditscore_rank_idx")]

    def __str__(self) -> str:
        return f"{self.party} {self.month:%Y-%m} {self.score}"


class ListKind(models.TextChoices):
    RED = "red", _("red list")
    BLACK = "black", _("black list")


class CreditListing(models.Model):
    """A party's time on the red (诚信) or black (失信) list: from the month it got on to the month it
    came off (None: still on), why, and who lifted it when an officer did."""

    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="credit_listings")
    kind = models.CharField(_("list"), max_length=5, choices=ListKind.choices)
    since = models.DateField(_("on the list since"))
    until = models.DateField(_("off the list from"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    lift_reason = models.CharField(_("why lifted"), max_length=200, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    street = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("street"))

    class Meta:
        ordering: ClassVar = ["-since", "-id"]
        verbose_name = _("frontage credit listing")
        verbose_name_plural = _("frontage credit listings")
        indexes: ClassVar = [models.Index(fields=["kind", "until", "street"], name="creditlisting_open_idx")]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["party", "kind"],
                condition=models.Q(until__isnull=True),
                name="creditlisting_one_open",
            )
        ]

    def __str__(self) -> str:
        return f"{self.party} {self.kind} {self.since:%Y-%m}"


class SelfDisciplineGroup(models.Model):
    """A self-discipline group of parties (商户自治联盟) in a street, with a leader party; members
    inspect each other's frontage."""

    name = models.CharField(_("name"), max_length=100)
    street = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("street"))
    leader = models.ForeignKey(
        Party, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("leader")
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering: ClassVar = ["street_id", "name"]
        verbose_name = _("self-discipline group")
        verbose_name_plural = _("self-discipline groups")
        constraints: ClassVar = [models.UniqueConstraint(fields=["street", "name"], name="group_street_name")]

    def __str__(self) -> str:
        return self.name


class GroupMembership(models.Model):
    """A party's membership of a group, with the days it joined and left (None: still a member)."""

    group = models.ForeignKey(SelfDisciplineGroup, on_delete=models.CASCADE, related_name="memberships")
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="group_memberships")
    joined_on = models.DateField(_("joined"), default=dt.date.today)
    left_on = models.DateField(_("left"), null=True, blank=True)

    class Meta:
        ordering: ClassVar = ["group_id", "joined_on", "id"]
        verbose_name = _("group membership")
        verbose_name_plural = _("group memberships")
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["party"], condition=models.Q(left_on__isnull=True), name="membership_one_open"
            )
        ]

    def __str__(self) -> str:
        return f"{self.party} ∈ {self.group}"


class PeerInspection(models.Model):
    """An inspection one member of a self-discipline group made of another's frontage (互查): the
    inspection itself is an ordinary ``Inspection`` (ticks, score), made by the inspecting party's
    account; it issues no notice (the group keeps its own order) and counts for the inspector."""

    inspection = models.OneToOneField(
        "frontage.Inspection", on_delete=models.CASCADE, related_name="peer", verbose_name=_("inspection")
    )
    group = models.ForeignKey(SelfDisciplineGroup, on_delete=models.PROTECT, related_name="peer_inspections")
    inspector_party = models.ForeignKey(Party, on_delete=models.PROTECT, related_name="peer_inspections_done")

    class Meta:
        verbose_name = _("peer inspection")
        verbose_name_plural = _("peer inspections")

    def __str__(self) -> str:
        return f"{self.inspector_party} → {self.inspection}"
