"""Responsibility letters (责任书): issuing a year's letters in bulk, signing on the phone (their text
comes from ``letter_templates``).

The letter's text is rendered from the street's template (or the city's default) when it is issued
and never changes after: the party signs that text, whose SHA-256 is stored with the signature, the
signer and the moment, and printed on the signed PDF. Renewal is issuing next year's letters.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models import QuerySet
from django.utils import timezone

from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import Unit, User

from .access import require_officer, require_party_account
from .letter_templates import render, template_for, zones_in_year
from .models import Letter, LetterStatus, Party, Zone

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_SIGNATURE_BYTES = 512 * 1024


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _year(year: Any) -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        raise ValidationError({"year": "年度应为四位数字"}) from None
    if not MIN_YEAR <= value <= MAX_YEAR:
        raise ValidationError({"year": f"年度应在{MIN_YEAR}到{MAX_YEAR}之间"})
    return value


@domain_action
def issue_letters(
    *, actor: User, street: Unit, year: int, parties: list[Party] | None = None, at: dt.datetime | None = None
) -> list[Letter]:
    """Issue the year's letters to the street's parties (or the given ones) that have none yet, each
    from the street's template. Returns the letters made (one audit entry with their count)."""
    year = _year(year)
    require_officer(actor, street)
    at = at or timezone.now()
    chosen = Party.objects.filter(street=street).select_related("street")
    if parties is not None:
        outside = [p.uscc for p in parties if p.street_id != street.pk]
        if outside:
            raise ValidationError({"parties": f"不属于{street.name}的责任主体：{'、'.join(outside[:5])}"})
        chosen = chosen.filter(pk__in=[p.pk for p in parties])
    have = set(
        Letter.objects.filter(street=street, year=year)
        .exclude(status=LetterStatus.VOID)
        .values_list("party_id", flat=True)
    )
    template, title, body = template_for(street)
    zones_of: dict[int, list[Zone]] = {}
    for zone in zones_in_year(street, year):
        zones_of.setdefault(zone.party_id, []).append(zone)
    made: list[Letter] = []
    for party in chosen.exclude(pk__in=have).order_by("name", "pk"):
        text = render(body, party, zones_of.get(party.pk, []), year)
        made.append(
            Letter(
                party=party,
                year=year,
                street=street,
                template=template,
                title=title,
                content=text,
                content_sha256=digest(text),
                valid_from=dt.date(year, 1, 1),
                valid_to=dt.date(year + 1, 1, 1),
                issued_at=at,
                issued_by=actor,
            )
        )
    Letter.objects.bulk_create(made, batch_size=1000)
    record(
        actor,
        "frontage.letter.issue",
        street,
        after={"year": year, "issued": len(made), "already": len(have)},
    )
    return made


def renew_letters(*, actor: User, street: Unit, year: int, at: dt.datetime | None = None) -> list[Letter]:
    """Next year's letters for every party of the street that held one this year or holds a zone."""
    return issue_letters(actor=actor, street=street, year=_year(year) + 1, at=at)


def _png(content: bytes) -> bytes:
    """The signature as a checked PNG (a real image, not too large), re-encoded."""
    if not content or len(content) > MAX_SIGNATURE_BYTES:
        raise ValidationError({"signature": "签名图片为空或超过512KB"})
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(content)) as image:
            if image.format != "PNG" or image.width * image.height > 4_000_000:
                raise ValidationError({"signature": "签名应为不超过400万像素的PNG图片"})
            image.load()
            out = io.BytesIO()
            image.convert("RGBA").save(out, format="PNG")
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ValidationError({"signature": "签名不是有效的PNG图片"}) from None
    return out.getvalue()


@domain_action
def sign_letter(
    *,
    actor: User,
    letter: Letter,
    signature_png: bytes,
    signer_name: str,
    content_sha256: str = "",
    at: dt.datetime | None = None,
) -> Letter:
    """The party signs its letter on the phone: the drawn signature (PNG), the signer's name and the
    moment are stored with the hash of the text they saw (refused if the text changed since), and the
    signed PDF is made."""
    from .pdf import letter_pdf

    letter = Letter.objects.select_for_update().select_related("party", "street").get(pk=letter.pk)
    require_party_account(actor, letter.party)
    if letter.status != LetterStatus.ISSUED:
        raise ValidationError({"letter": "该责任书已签署或已撤回"})
    signer_name = signer_name.strip()
    if not signer_name or len(signer_name) > 50:
        raise ValidationError({"signer_name": "请填写签署人姓名（不超过50字）"})
    if content_sha256 and content_sha256 != letter.content_sha256:
        raise ValidationError({"content_sha256": "责任书内容已变化，请刷新后重新签署"})
    png = _png(signature_png)
    before = snapshot(letter, ["status", "signed_at"])
    letter.status = LetterStatus.SIGNED
    letter.signed_at = at or timezone.now()
    letter.signed_by = actor
    letter.signer_name = signer_name
    letter.signature_sha256 = hashlib.sha256(png).hexdigest()
    letter.signature.save(f"{letter.party.uscc}-{letter.year}.png", ContentFile(png), save=False)
    pdf = letter_pdf(letter, png)
    letter.pdf_sha256 = hashlib.sha256(pdf).hexdigest()
    letter.pdf.save(f"{letter.party.uscc}-{letter.year}.pdf", ContentFile(pdf), save=False)
    letter.save()
    record(
        actor,
        "frontage.letter.sign",
        letter,
        before=before,
        after={
            "status": letter.status,
            "signed_at": letter.signed_at.isoformat(),
            "signer_name": signer_name,
            "content_sha256": letter.content_sha256,
            "signature_sha256": letter.signature_sha256,
            "pdf_sha256": letter.pdf_sha256,
        },
    )
    return letter


@domain_action
def void_letter(*, actor: User, letter: Letter, reason: str) -> Letter:
    """Withdraw an unsigned letter (issued in error); a new one may then be issued."""
    require_officer(actor, letter.street)
    reason = reason.strip()
    if not reason or len(reason) > 200:
        raise ValidationError({"reason": "请填写撤回原因（不超过200字）"})
    if letter.status != LetterStatus.ISSUED:
        raise ValidationError({"letter": "只能撤回未签署的责任书"})
    before = snapshot(letter, ["status"])
    letter.status = LetterStatus.VOID
    letter.save(update_fields=["status"])
    record(
        actor,
        "frontage.letter.void",
        letter,
        before=before,
        after={"status": letter.status, "reason": reason},
    )
    return letter


def unsigned(letters: QuerySet[Letter], year: int | None = None) -> QuerySet[Letter]:
    """The letters still waiting for their party's signature (of ``year``, if given)."""
    qs = letters.filter(status=LetterStatus.ISSUED)
    return qs.filter(year=year) if year is not None else qs
