"""Responsibility letters (责任书): templates, issuing a year's letters in bulk, signing on the phone.

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
from django.db.models import Q, QuerySet
from django.utils import timezone

from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import Unit, User

from .access import require_officer, require_party_account
from .models import Letter, LetterStatus, LetterTemplate, Party, Zone

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_SIGNATURE_BYTES = 512 * 1024
DEFAULT_TITLE = "门前三包责任书"
DEFAULT_BODY = (
    "为保持市容整洁、街面有序，根据城市市容和环境卫生管理有关规定，"
    """{street}与责任单位签订本责任书。

责任单位：{party}（统一社会信用代码：{uscc}）
地址：{address}
责任区：{zones}
责任内容：{duties}
责任期限：{valid_from}至{valid_to}（{year}年度）

一、责任单位负责责任区内的市容卫生：门前清扫保洁，无乱扔乱倒、乱贴乱画。
二、责任单位负责责任区内的秩序：无出店经营、乱堆乱放，车辆停放有序。
三、责任单位负责责任区内的绿化和公共设施：保持完好，发现损毁及时报告。
四、街道组织巡查；发现问题的，发出整改通知书，责任单位应在期限内整改；逾期未整改的，依法移交执法处理。
五、本责任书一式两份，自签署之日起生效，有效期至本年度末，每年续签。"""
)


def _check_template(title: str, body: str) -> tuple[str, str]:
    title, body = title.strip(), body.strip()
    errors: dict[str, str] = {}
    if not title or len(title) > 100:
        errors["title"] = "请填写标题（不超过100字）"
    if not body or len(body) > 8000:
        errors["body"] = "请填写正文（不超过8000字）"
    else:
        try:
            body.format_map(_Placeholders())
        except (KeyError, ValueError, IndexError, AttributeError) as exc:
            errors["body"] = (
                f"正文中的占位符有误（{exc}）：可用{{party}}、{{uscc}}、{{address}}、{{street}}、{{zones}}、{{duties}}、{{year}}、{{valid_from}}、{{valid_to}}"
            )
    if errors:
        raise ValidationError(errors)
    return title, body


class _Placeholders(dict[str, str]):
    """Every known placeholder, for checking a template before it is saved."""

    def __missing__(self, key: str) -> str:
        from .letter_models import PLACEHOLDERS

        if key in PLACEHOLDERS:
            return ""
        raise KeyError(key)


@domain_action
def save_template(*, actor: User, street: Unit | None, title: str, body: str) -> LetterTemplate:
    """Set a street's letter template (``street`` None: the city's default, for administrators)."""
    title, body = _check_template(title, body)
    if street is None:
        if not actor.is_superuser and not _is_city_admin(actor):
            raise ValidationError({"street": "只有市级管理员可以修改全市默认模板"})
    else:
        require_officer(actor, street)
    template = LetterTemplate.objects.filter(street=street).first()
    before = snapshot(template) if template else None
    template = template or LetterTemplate(street=street)
    template.title, template.body, template.changed_by = title, body, actor
    template.save()
    record(actor, "frontage.letter_template.save", template, before=before, after=snapshot(template))
    return template


def _is_city_admin(actor: User) -> bool:
    from cityloop.core.models import Role
    from cityloop.core.permissions import jurisdiction_paths

    paths = jurisdiction_paths(actor, {Role.ADMIN})
    return any(p.count("/") <= 2 for p in paths)  # a membership at the top of the tree


def template_for(street: Unit) -> tuple[LetterTemplate | None, str, str]:
    """The street's template, else the city's default row, else the built-in text."""
    found = LetterTemplate.objects.filter(Q(street=street) | Q(street__isnull=True)).order_by("street_id")
    rows = sorted(found, key=lambda t: t.street_id is None)
    if rows:
        return rows[0], rows[0].title, rows[0].body
    return None, DEFAULT_TITLE, DEFAULT_BODY


def render(body: str, party: Party, zones: list[Zone], year: int) -> str:
    """The letter's text for a party and year (placeholders filled in)."""
    duties: list[str] = []
    for zone in zones:
        for duty in zone.duties.all():
            if duty.name not in duties:
                duties.append(duty.name)
    values = {
        "party": party.name,
        "uscc": party.uscc,
        "address": party.address or "—",
        "street": party.street.name,
        "zones": "、".join(z.code for z in zones) or "—",
        "duties": "、".join(duties) or "—",
        "year": str(year),
        "valid_from": f"{year}年1月1日",
        "valid_to": f"{year}年12月31日",
    }
    return body.format_map(values)


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
    on = dt.date(year, 1, 1)
    zones_of: dict[int, list[Zone]] = {}
    valid = Zone.objects.filter(street=street, valid_from__lt=dt.date(year + 1, 1, 1)).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=on)
    )
    for zone in valid.prefetch_related("duties").order_by("code"):
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
                valid_from=on,
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
