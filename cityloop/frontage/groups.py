"""Self-discipline groups (商户自治联盟): a street's parties who keep each other's frontage in order,
with a leader party. Members inspect each other (see ``peer.py``)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from cityloop.core.audit import domain_action, record
from cityloop.core.models import Unit, User

from .access import require_officer
from .models import GroupMembership, Party, SelfDisciplineGroup


@domain_action
def create_group(*, actor: User, street: Unit, name: str, note: str = "") -> SelfDisciplineGroup:
    """A new group in ``street`` (its frontage officer); its name is unique in the street."""
    require_officer(actor, street)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError({"name": "请填写联盟名称（不超过100字）"})
    if street.kind != "street":
        raise ValidationError({"street": f"{street.name}不是街道"})
    if SelfDisciplineGroup.objects.filter(street=street, name=name).exists():
        raise ValidationError({"name": f"{street.name}已有名为{name}的联盟"})
    group = SelfDisciplineGroup.objects.create(name=name, street=street, note=note[:500])
    record(actor, "frontage.group.create", group, after={"name": name, "street": street.code})
    return group


@domain_action
def join_group(
    *, actor: User, group: SelfDisciplineGroup, party: Party, on: dt.date | None = None
) -> GroupMembership:
    """``party`` joins ``group`` (a party of the group's street, in no other group)."""
    require_officer(actor, group.street)
    if party.street_id != group.street_id:
        raise ValidationError({"party": f"{party.name}不属于{group.street.name}"})
    current = (
        GroupMembership.objects.filter(party=party, left_on__isnull=True).select_related("group").first()
    )
    if current is not None:
        raise ValidationError({"party": f"{party.name}已是{current.group.name}的成员"})
    membership = GroupMembership.objects.create(
        group=group, party=party, joined_on=on or timezone.localdate()
    )
    record(actor, "frontage.group.join", membership, after={"group": group.pk, "party": party.uscc})
    return membership


@domain_action
def leave_group(*, actor: User, group: SelfDisciplineGroup, party: Party, on: dt.date | None = None) -> None:
    """``party`` leaves ``group``; a leader who leaves is no longer the leader."""
    require_officer(actor, group.street)
    membership = GroupMembership.objects.filter(group=group, party=party, left_on__isnull=True).first()
    if membership is None:
        raise ValidationError({"party": f"{party.name}不是{group.name}的成员"})
    membership.left_on = on or timezone.localdate()
    membership.save(update_fields=["left_on"])
    if group.leader_id == party.pk:
        group.leader = None
        group.save(update_fields=["leader"])
    record(actor, "frontage.group.leave", membership, after={"group": group.pk, "party": party.uscc})


@domain_action
def set_leader(*, actor: User, group: SelfDisciplineGroup, party: Party) -> SelfDisciplineGroup:
    """The group's leader (盟长): one of its current members."""
    require_officer(actor, group.street)
    if not GroupMembership.objects.filter(group=group, party=party, left_on__isnull=True).exists():
        raise ValidationError({"leader": f"{party.name}不是{group.name}的成员"})
    group.leader = party
    group.save(update_fields=["leader"])
    record(actor, "frontage.group.leader", group, after={"leader": party.uscc})
    return group


def members(group: SelfDisciplineGroup, on: dt.date | None = None) -> list[Party]:
    """The group's members on day ``on`` (today by default)."""
    day = on or timezone.localdate()
    rows = GroupMembership.objects.filter(group=group, joined_on__lte=day).exclude(left_on__lte=day)
    return [m.party for m in rows.select_related("party").order_by("party__name")]
