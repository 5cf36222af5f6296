"""``/api/v1/frontage/letter-templates/{street}``: the text of a street's responsibility letters.

``street`` is a street's unit code, or ``city`` for the city's default. The street's frontage officer
reads, sets and drops the street's own template; a city administrator sets the default, which every
member of staff may read. Each answer carries the text filled in for one of the street's parties, so
a client shows what a party will sign before issuing the year's letters.
"""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from cityloop.core.models import Unit
from cityloop.frontage.access import require_officer
from cityloop.frontage.letter_models import PLACEHOLDERS
from cityloop.frontage.letter_templates import (
    preview,
    reset_template,
    save_template,
    source_of,
    template_for,
)

from .frontage_credit import _user
from .frontage_letters import _street

router = Router(tags=["frontage"])
CITY = "city"


class TemplateOut(Schema):
    street: str = Field(..., description="the street's unit code, or city for the city's default")
    street_name: str
    title: str
    body: str
    source: str = Field(..., description="where the text comes from: street (its own), city or built_in")
    changed_at: dt.datetime | None
    changed_by: str
    placeholders: list[str] = Field(..., description="the names that may be written {name} in the body")
    preview: str = Field(..., description="the body filled in for one of the street's parties (or a sample)")


class TemplateIn(Schema):
    title: str = Field(..., min_length=1, max_length=100)
    body: str = Field(..., min_length=1, max_length=8000, description="text with {placeholders}")


def _target(request: HttpRequest, street: str) -> Unit | None:
    """The street named (its officer only), or None for the city's default (staff only)."""
    user = _user(request)
    if street == CITY:
        if not (user.is_superuser or user.memberships.active().exists()):
            raise PermissionDenied("只有工作人员可以查看责任书模板")
        return None
    found = _street(street[:32])
    require_officer(user, found)
    return found


def _out(street: Unit | None) -> dict[str, Any]:
    year = timezone.localdate().year
    template, title, body = template_for(street)
    # The city's default is filled in per street, when a street's letters are issued.
    sample = body if street is None else preview(body, street, year)[0]
    return {
        "street": street.code if street else CITY,
        "street_name": street.name if street else "",
        "title": title,
        "body": body,
        "source": source_of(template),
        "changed_at": template.changed if template else None,
        "changed_by": (template.changed_by.display_name or template.changed_by.username)
        if template and template.changed_by
        else "",
        "placeholders": list(PLACEHOLDERS),
        "preview": sample,
    }


@router.get(
    "/letter-templates/{street}",
    response=TemplateOut,
    summary="The text a street's letters are issued from (street code, or city for the default)",
)
def get_template(request: HttpRequest, street: str) -> dict[str, Any]:
    return _out(_target(request, street))


@router.put(
    "/letter-templates/{street}",
    response=TemplateOut,
    summary="Set a street's letter template (or, as a city administrator, the city's default)",
)
def put_template(request: HttpRequest, street: str, body: TemplateIn) -> dict[str, Any]:
    target = None if street == CITY else _target(request, street)
    save_template(actor=_user(request), street=target, title=body.title, body=body.body)
    return _out(target)


@router.delete(
    "/letter-templates/{street}",
    response=TemplateOut,
    summary="Drop a street's own template: its letters use the city's default again",
)
def delete_template(request: HttpRequest, street: str) -> dict[str, Any]:
    target = _target(request, street)
    if target is None:
        raise PermissionDenied("全市默认模板不能删除，只能修改")
    reset_template(actor=_user(request), street=target)
    return _out(target)
