"""Frontage notices that were not put right become cases through the normal intake.

A re-inspection that finds a rectification notice's problem still there after its deadline calls
:func:`escalate_notice` (registered with ``cityloop.frontage.escalation`` when the cases app starts):
the case is reported at the party's point through the supervisor channel by the frontage service
account (a supervisor of the street, like a hotline platform's account), with the failed duty's
category and the notice's number as its ticket id, and then runs the case loop like any other
(accept, register, dispatch to law enforcement …).
"""

from __future__ import annotations

import datetime as dt

import shapely
from django.core.exceptions import ValidationError
from django.db.models import Q

from cityloop.core.audit import system_actor
from cityloop.core.models import Membership, Role, User
from cityloop.frontage.checklist import category_for
from cityloop.frontage.escalation import Escalated
from cityloop.frontage.models import Notice, Zone

from .actions import submit_report

SERVICE_USERNAME = "frontage-escalation"
CHANNEL = "supervisor"


def service_account(notice: Notice) -> User:
    """The account escalated notices are reported by, a supervisor of the notice's street."""
    from cityloop.core.actions import grant_role

    user, created = User.objects.get_or_create(
        username=SERVICE_USERNAME, defaults={"display_name": "门前三包巡查", "is_active": True}
    )
    if created or user.has_usable_password():
        user.set_unusable_password()
        user.save(update_fields=["password"])
    held = Membership.objects.active().filter(user=user, unit=notice.street, role=Role.SUPERVISOR)
    if not held.exists():
        grant_role(actor=system_actor(), user=user, unit=notice.street, role=Role.SUPERVISOR)
    return user


def _point(notice: Notice, at: dt.datetime) -> tuple[float, float]:
    party = notice.party
    if party.lon is not None and party.lat is not None:
        return party.lon, party.lat
    on = at.date()
    zone = (
        Zone.objects.filter(party=party, valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .order_by("code")
        .first()
    )
    if zone is None:
        raise ValidationError({"notice": f"{party.name}既无位置也无有效责任区，无法移交执法"})
    point = shapely.point_on_surface(zone.geometry)
    return point.x, point.y


def escalate_notice(notice: Notice, actor: User, at: dt.datetime) -> Escalated:
    """Report the notice's unrectified problem as a case; returns the case's id and number."""
    items = list(notice.items.select_related("duty").order_by("order", "code"))
    lon, lat = _point(notice, at)
    party = notice.party
    failed = "、".join(i.text for i in items)
    description = (
        f"门前三包整改逾期未整改：{party.name}（{party.uscc}），整改通知书{notice.number}，"
        f"{notice.duty.name}：{failed}。复查人：{actor.display_name or actor.get_username()}。"
    )
    case, _created = submit_report(
        actor=service_account(notice),
        channel=CHANNEL,
        description=description[:2000],
        lon=lon,
        lat=lat,
        address=party.address,
        category=category_for(items[0]) if items else None,
        kind="event",
        external_id=notice.number,
        at=at,
    )
    return Escalated(case.pk, case.number)
