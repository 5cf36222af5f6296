"""The case loop knows zones: a report inside a zone whose party holds the matching duty goes to that
party first (自行纠正), with a short window, then to the street.

Routing asks :func:`frontage_claim` when a case would go to the territory: it finds the zone under
the point (``index.zone_ids_at``), the duty the category falls under (``DutyCategory``), and claims
the case for the party's street, naming the party as the holder asked first. When the loop
dispatches on that claim it calls :func:`open_self_correction` in the same transaction: the party's
window opens (``CorrectionWindow``, counted by the street's working calendar) and the party is told.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from cityloop.core.audit import record
from cityloop.core.models import Unit
from cityloop.core.versioned import Versioned
from cityloop.notify.outbox import enqueue
from cityloop.timeclock.calendars import calendar_id_for_unit
from cityloop.timeclock.clock import deadline
from cityloop.timeclock.units import TimeUnit

from . import index
from .models import CorrectionWindow, DutyCategory, SelfCorrection, Zone

if TYPE_CHECKING:
    from cityloop.routing.claimers import Claim, ClaimedCase
    from cityloop.routing.facts import Facts

CLAIMER = "frontage"
NOTICE = "frontage.correction"
DEFAULT_WINDOW = (Decimal(2), TimeUnit.WORKING_HOUR)
UNIT_ZH = {
    TimeUnit.MINUTE: "分钟",
    TimeUnit.HOUR: "小时",
    TimeUnit.WORKING_HOUR: "个工作小时",
    TimeUnit.WORKING_DAY: "个工作日",
    TimeUnit.CALENDAR_DAY: "天",
}


class DutyMap:
    """(kind, class or subclass code) → duty ids, read once per process and change: routing asks for
    every territorial decision, so it must not cost a query (``save_setting`` moves the counter)."""

    def __init__(self, version: int) -> None:
        self.version = version
        self.by_code: dict[tuple[str, str], list[int]] = {}
        for kind, code, duty in DutyCategory.objects.values_list("kind", "code", "duty_id"):
            self.by_code.setdefault((kind, code), []).append(duty)


DUTY_MAP: Versioned[DutyMap] = Versioned("frontage.duty_categories", DutyMap)


def duty_ids_for(kind: str, code: str) -> list[int]:
    """The duties a category falls under: its subclass's rows, else its class's."""
    found = DUTY_MAP.get().by_code
    return found.get((kind, code)) or found.get((kind, code[:2])) or []


def window_for(street: Unit, on: dt.date) -> tuple[Decimal, TimeUnit]:
    """The window in force on ``on`` for a party of ``street``: the nearest unit's, else everywhere's."""
    path = [int(p) for p in (street.path or f"/{street.pk}/").strip("/").split("/") if p]
    rows = list(
        CorrectionWindow.objects.filter(Q(unit_id__in=path) | Q(unit__isnull=True), valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .order_by("-valid_from", "-id")
        .values_list("unit_id", "amount", "time_unit")
    )
    depth = {unit_id: n for n, unit_id in enumerate(path)}
    best = max(rows, key=lambda r: depth.get(r[0], -1) if r[0] is not None else -1, default=None)
    return (best[1], TimeUnit(best[2])) if best else DEFAULT_WINDOW


def window_text(amount: Decimal, unit: TimeUnit) -> str:
    return f"{amount.normalize():f}{UNIT_ZH.get(unit, unit.label)}"


def _holding_zone(facts: Facts) -> tuple[Zone, int] | None:
    if facts.lon is None or facts.lat is None:
        return None
    duties = duty_ids_for(facts.kind, facts.category_code)
    if not duties:
        return None
    ids = index.zone_ids_at(facts.lon, facts.lat, facts.on)
    if not ids:
        return None
    for zone in Zone.objects.filter(id__in=ids).select_related("party", "street").prefetch_related("duties"):
        held = [d.pk for d in zone.duties.all() if d.pk in duties]
        if held:
            return zone, held[0]
    return None


def frontage_claim(facts: Facts) -> Claim | None:
    """Claim a report inside a zone whose party holds the category's duty: the party's street answers
    for it, and the party is asked first. A case the party already had its chance at is not claimed
    again (routing runs again after a return)."""
    from cityloop.routing.claimers import Claim  # routing sits above frontage: only its data class

    found = _holding_zone(facts)
    if found is None:
        return None
    zone, duty_id = found
    if facts.reference and SelfCorrection.objects.filter(case_number=facts.reference).exists():
        return None
    party, street = zone.party, zone.street
    duty = next(d for d in zone.duties.all() if d.pk == duty_id)
    amount, unit = window_for(street, facts.on)
    limit = window_text(amount, unit)
    return Claim(
        unit_id=street.pk,
        reason=(
            f"门前三包：{party.name}（责任区 {zone.code}，{duty.name}）限{limit}内自行纠正，"
            f"逾期或不能纠正由{street.name}处置"
        ),
        reason_en=(
            f"frontage zone {zone.code} of {party.name} ({duty.code}): the party is asked to put it right "
            f"within {amount.normalize():f} {unit.value}, then {street.name_en or street.name} deals with it"
        ),
        confidence=0.85,
        auto_dispatch=True,
        holder={
            "kind": "frontage.party",
            "party": party.uscc,
            "name": party.name,
            "zone": zone.code,
            "duty": duty.code,
            "duty_name": duty.name,
            "window": {"amount": str(amount.normalize()), "unit": unit.value},
        },
    )


def open_self_correction(claimed: ClaimedCase) -> dict[str, Any]:
    """The case went out on a frontage claim: open the party's window (inside the dispatch's
    transaction), audit it and tell the party's account."""
    holder = claimed.holder
    zone = Zone.objects.select_related("party", "street").filter(code=holder.get("zone")).first()
    if zone is None:
        raise ValidationError({"unit": f"frontage zone {holder.get('zone')!r} no longer exists"})
    party = zone.party
    duty = zone.duties.filter(code=holder.get("duty")).first() or zone.duties.order_by("order").first()
    if duty is None:
        raise ValidationError({"unit": f"frontage zone {zone.code} holds no duty"})
    amount, unit = window_for(zone.street, claimed.at.date())
    ends = deadline(claimed.at, amount, unit, calendar=calendar_id_for_unit(zone.street)).at
    correction = SelfCorrection.objects.create(
        case_id=claimed.case_id,
        case_number=claimed.number,
        party=party,
        zone=zone,
        duty=duty,
        street=zone.street,
        district_id=claimed.district_id,
        kind=claimed.kind,
        category_code=claimed.category_code,
        category_name=claimed.category_name[:100],
        description=claimed.description[:500],
        address=claimed.address[:200],
        lon=claimed.lon,
        lat=claimed.lat,
        opened_at=claimed.at,
        deadline_at=ends,
        window=f"{amount.normalize():f} {unit.value}",
    )
    record(
        claimed.actor,
        "frontage.correction.open",
        correction,
        after={"case": claimed.number, "party": party.uscc, "zone": zone.code, "deadline": ends.isoformat()},
    )
    if party.account_id:
        due = timezone.localtime(ends).strftime("%m-%d %H:%M")
        enqueue(
            NOTICE,
            recipients=[party.account] if party.account else [],
            subject_type="frontage.selfcorrection",
            subject_id=correction.pk,
            payload={
                "title": f"门前三包自行纠正：{claimed.category_name}",
                "body": f"{claimed.address or zone.code}，请在{due}前纠正并拍照答复",
                "case": claimed.number,
            },
            dedupe_key=f"frontage.correction.open:{correction.pk}",
            district=claimed.district_id,
        )
    return {
        "party": party.uscc,
        "name": party.name,
        "zone": zone.code,
        "duty": duty.name,
        "deadline": ends.isoformat(),
        "window": window_text(amount, unit),
    }
