"""Members of a self-discipline group inspect each other (互查), on the checklist of the inspected
party's duties. The result is an ordinary inspection (kept with the others, shown in the party's
history) linked to the group; it issues no rectification notice and counts in the inspecting
party's credit (``peer_inspections_done``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cityloop.core.audit import domain_action, record
from cityloop.core.models import User

from .credit_models import PeerInspection
from .inspections import _ticks, checklist_for, score
from .models import (
    GroupMembership,
    Inspection,
    InspectionKind,
    InspectionResult,
    Party,
    SelfDisciplineGroup,
)

MAX_NOTE = 500


def _member(group: SelfDisciplineGroup, party: Party, day: dt.date) -> bool:
    return (
        GroupMembership.objects.filter(group=group, party=party, joined_on__lte=day)
        .exclude(left_on__lte=day)
        .exists()
    )


@domain_action
def peer_inspect(
    *,
    actor: User,
    group: SelfDisciplineGroup,
    party: Party,
    ticks: Mapping[str, bool],
    note: str = "",
    at: dt.datetime | None = None,
) -> PeerInspection:
    """The signed-in party (``actor`` is its account) inspects ``party``, both members of ``group``."""
    at = at or timezone.now()
    day = timezone.localdate(at)
    inspector = Party.objects.filter(account=actor).first()
    if inspector is None or not _member(group, inspector, day):
        raise PermissionDenied("只有联盟成员可以互查")
    if inspector.pk == party.pk:
        raise ValidationError({"party": "不能检查自己"})
    if not _member(group, party, day):
        raise ValidationError({"party": f"{party.name}不是{group.name}的成员"})
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": f"备注不超过{MAX_NOTE}字"})
    items = checklist_for(party, day)
    checked = _ticks(items, ticks)
    inspection = Inspection.objects.create(
        party=party,
        street=party.street,
        kind=InspectionKind.ROUTINE,
        inspector=actor,
        inspected_at=at,
        score=score(items, checked),
        passed=all(checked.values()),
        note=note,
    )
    InspectionResult.objects.bulk_create(
        [
            InspectionResult(inspection=inspection, item=i, duty=i.duty, ok=checked[i.code], weight=i.weight)
            for i in items
        ]
    )
    peer = PeerInspection.objects.create(inspection=inspection, group=group, inspector_party=inspector)
    record(
        actor,
        "frontage.group.peer_inspect",
        inspection,
        after={
            "group": group.pk,
            "inspector": inspector.uscc,
            "party": party.uscc,
            "score": inspection.score,
        },
    )
    return peer
