"""The text of responsibility letters (责任书模板): a street's own template, else the city's default,
else the built-in text; placeholders such as ``{party}`` are filled in when a letter is issued.

The street's frontage officer edits the street's template (or drops it to use the city's default
again); a city administrator edits the default. A preview fills the text in for one of the street's
parties without saving anything.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet

from cityloop.core.areas import is_city_admin
from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import Unit, User

from .access import require_officer
from .models import LetterTemplate, Party, Zone

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


def check_template(title: str, body: str) -> tuple[str, str]:
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
    if street is None:
        if not is_city_admin(actor):
            raise PermissionDenied("只有市级管理员可以修改全市默认模板")
    else:
        require_officer(actor, street)
    title, body = check_template(title, body)
    template = LetterTemplate.objects.filter(street=street).first()
    before = snapshot(template) if template else None
    template = template or LetterTemplate(street=street)
    template.title, template.body, template.changed_by = title, body, actor
    template.save()
    record(actor, "frontage.letter_template.save", template, before=before, after=snapshot(template))
    return template


def template_for(street: Unit | None) -> tuple[LetterTemplate | None, str, str]:
    """The street's template, else the city's default row, else the built-in text (``street`` None:
    the city's default, else the built-in text)."""
    wanted = Q(street__isnull=True) if street is None else Q(street=street) | Q(street__isnull=True)
    found = LetterTemplate.objects.filter(wanted).select_related("changed_by")
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


@domain_action
def reset_template(*, actor: User, street: Unit) -> LetterTemplate | None:
    """Drop a street's own template: its letters use the city's default (or the built-in text) again.
    Returns the template dropped (None when the street had none)."""
    require_officer(actor, street)
    template = LetterTemplate.objects.filter(street=street).first()
    if template is None:
        return None
    before = snapshot(template)
    template.delete()
    record(actor, "frontage.letter_template.reset", street, before=before, after=None)
    return template


def zones_in_year(street: Unit, year: int) -> QuerySet[Zone]:
    """The street's zones valid at some time in ``year``, with their duties, in code order."""
    valid = Zone.objects.filter(street=street, valid_from__lt=dt.date(year + 1, 1, 1)).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=dt.date(year, 1, 1))
    )
    return valid.prefetch_related("duties").order_by("code")


def source_of(template: LetterTemplate | None) -> str:
    """Where a street's text comes from: ``street`` (its own), ``city`` (the default) or ``built_in``."""
    if template is None:
        return "built_in"
    return "city" if template.street_id is None else "street"


def preview(body: str, street: Unit, year: int) -> tuple[str, Party]:
    """The text as one of the street's parties would receive it (the first by name; a sample party
    when the street has none yet), and that party. Nothing is saved."""
    party = Party.objects.filter(street=street).order_by("name", "pk").first()
    zones: list[Zone] = []
    if party is None:
        party = Party(name="示例商户", uscc="91000000000000000X", address="示范路1号", street=street)
    else:
        zones = [z for z in zones_in_year(street, year) if z.party_id == party.pk]
    return render(body, party, zones, year), party
