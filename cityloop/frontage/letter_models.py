"""Responsibility letters (责任书): a template per street (or the city's default) and a letter per party
and year, issued by the street's frontage officer and signed by the party on its phone.

A signed letter keeps what was signed: the rendered text, its SHA-256, the signature drawn on the
phone (a PNG), the signer and the moment, and the PDF made from them.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cityloop.core.models import Unit

from .models import Party

# Placeholders a template may use; the letter's text is rendered once, when it is issued.
PLACEHOLDERS = ("party", "uscc", "address", "street", "zones", "duties", "year", "valid_from", "valid_to")


class LetterTemplate(models.Model):
    """The text of a street's letters (or the city's default when ``street`` is empty), with
    placeholders written ``{party}``, ``{uscc}``, ``{address}``, ``{street}``, ``{zones}``,
    ``{duties}``, ``{year}``, ``{valid_from}``, ``{valid_to}``."""

    street = models.OneToOneField(
        Unit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("street"),
    )
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"), max_length=8000)
    changed = models.DateTimeField(_("changed"), auto_now=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering: ClassVar = ["street_id"]
        verbose_name = _("frontage letter template")
        verbose_name_plural = _("frontage letter templates")

    def __str__(self) -> str:
        return self.title


class LetterStatus(models.TextChoices):
    ISSUED = "issued", _("issued, not signed")
    SIGNED = "signed", _("signed")
    VOID = "void", _("withdrawn")


class Letter(models.Model):
    """One party's responsibility letter for one year (its period runs from ``valid_from`` up to,
    not including, ``valid_to``)."""

    party = models.ForeignKey(
        Party, on_delete=models.CASCADE, related_name="letters", verbose_name=_("party")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    # Copied from the party when issued, so jurisdiction filters need no joins.
    street = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("street"))
    template = models.ForeignKey(
        LetterTemplate, on_delete=models.SET_NULL, null=True, blank=True, related_name="letters"
    )
    title = models.CharField(_("title"), max_length=100)
    content = models.TextField(_("content"))
    content_sha256 = models.CharField(_("SHA-256 of the content"), max_length=64)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), help_text=_("first day no longer valid"))
    status = models.CharField(
        _("status"), max_length=8, choices=LetterStatus.choices, default=LetterStatus.ISSUED
    )
    issued_at = models.DateTimeField(_("issued"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed by"),
    )
    signer_name = models.CharField(_("signer"), max_length=50, blank=True)
    signature = models.FileField(_("signature"), upload_to="frontage/signatures/%Y/", blank=True)
    signature_sha256 = models.CharField(max_length=64, blank=True)
    pdf = models.FileField(_("PDF"), upload_to="frontage/letters/%Y/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering: ClassVar = ["-year", "street_id", "party_id"]
        verbose_name = _("responsibility letter")
        verbose_name_plural = _("responsibility letters")
        constraints: ClassVar = [
            # One letter in force per party and year; withdrawn ones stay as history.
            models.UniqueConstraint(
                fields=["party", "year"], condition=~models.Q(status="void"), name="letter_party_year_uniq"
            )
        ]
        indexes: ClassVar = [models.Index(fields=["street", "year", "status"], name="letter_street_year_idx")]

    def __str__(self) -> str:
        return f"{self.party_id}/{self.year}"
