"""门前三包: the parties that answer for the pavement in front of them, their zones and duties.

A party (责任主体) is a shop, institution, residential compound or other holder, identified by its
unified social credit code. Its zone (责任区) is a polygon along its frontage, valid for a period,
holding a set of duties (市容卫生, 秩序, 绿化/设施: data, so a city may split or add its own).
"""

from __future__ import annotations

from typing import ClassVar

import shapely
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import Unit


class PartyKind(models.TextChoices):
    SHOP = "shop", _("shop")
    INSTITUTION = "institution", _("institution")
    COMPOUND = "compound", _("residential compound")
    OTHER = "other", _("other holder")


class Duty(models.Model):
    """One duty a zone's holder takes on (市容卫生 sanitation, 秩序 order, 绿化/设施 greening and
    facilities, or a city's own)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=50)
    description = models.CharField(_("description"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering: ClassVar = ["order", "code"]
        verbose_name = _("frontage duty")
        verbose_name_plural = _("frontage duties")

    def __str__(self) -> str:
        return self.name


class Party(models.Model):
    """A holder of a frontage zone (责任主体)."""

    uscc = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=PartyKind.choices, default=PartyKind.SHOP)
    business_type = models.CharField(_("business type"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # Private: shown only to staff of the party's street and above (see cityloop.frontage.privacy).
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    street = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("street"))
    community = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("community")
    )
    # The account the party signs in with on a phone (no role: it sees only its own party's pages).
    account = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="frontage_party",
        verbose_name=_("account"),
    )
    # Where the party is (its door, or its zone's representative point): WGS84.
    lon = models.FloatField(_("longitude"), null=True, blank=True)
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    changed = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        ordering: ClassVar = ["street_id", "name", "id"]
        verbose_name = _("frontage party")
        verbose_name_plural = _("frontage parties")
        indexes: ClassVar = [models.Index(fields=["community", "name"], name="party_community_idx")]

    def __str__(self) -> str:
        return self.name


class Zone(models.Model):
    """A party's zone (责任区): a polygon in WGS84 with its duties and period of validity."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    party = models.ForeignKey(Party, on_delete=models.CASCADE, related_name="zones", verbose_name=_("party"))
    duties = models.ManyToManyField(Duty, related_name="zones", verbose_name=_("duties"), blank=True)
    geom_wkb = models.BinaryField(_("polygon (WKB)"))
    # The frontage line it was generated from and the depth in metres, when generated.
    frontage_wkb = models.BinaryField(_("frontage line (WKB)"), null=True, blank=True)
    depth_m = models.FloatField(_("depth (m)"), null=True, blank=True)
    # Bounding box and a representative point, for map windows and lists without parsing WKB.
    min_lon = models.FloatField()
    min_lat = models.FloatField()
    max_lon = models.FloatField()
    max_lat = models.FloatField()
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(
        _("valid to"), null=True, blank=True, help_text=_("first day no longer valid")
    )
    # Copied from the party so that jurisdiction filters need no joins.
    street = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("street"))

    class Meta:
        ordering: ClassVar = ["code"]
        verbose_name = _("frontage zone")
        verbose_name_plural = _("frontage zones")

    def __str__(self) -> str:
        return self.code

    @property
    def geometry(self) -> shapely.Geometry:
        return shapely.from_wkb(bytes(self.geom_wkb))


# Letters, inspections and notices live in modules of their own (imported here so Django finds them).
from .inspection_models import (  # noqa: E402
    ChecklistItem,
    Inspection,
    InspectionKind,
    InspectionResult,
    InspectionRound,
    Notice,
    NoticeStatus,
    RoundStatus,
)
from .letter_models import Letter, LetterStatus, LetterTemplate  # noqa: E402

__all__ = [
    "ChecklistItem",
    "Duty",
    "Inspection",
    "InspectionKind",
    "InspectionResult",
    "InspectionRound",
    "Letter",
    "LetterStatus",
    "LetterTemplate",
    "Notice",
    "NoticeStatus",
    "Party",
    "PartyKind",
    "RoundStatus",
    "Zone",
]
