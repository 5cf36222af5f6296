"""Writes to the frontage registry: import of parties with their zones, one party's record and edits,
duties. Each is a domain action: one transaction, one audit entry (an import: one with its counts).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from itertools import islice
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import User

from . import index
from .bulk import insert_rows
from .importing import ImportReport, ParsedRow, Resolver, RowError, locate
from .models import Duty, Party, Zone

BATCH_SIZE = 5000
PARTY_FIELDS = (
    "name",
    "kind",
    "business_type",
    "address",
    "contact_name",
    "contact_phone",
    "street_id",
    "community_id",
    "lon",
    "lat",
)
ZONE_FIELDS = (
    "party_id",
    "geom_wkb",
    "frontage_wkb",
    "depth_m",
    "min_lon",
    "min_lat",
    "max_lon",
    "max_lat",
    "valid_from",
    "valid_to",
    "street_id",
)
EDITABLE = {
    "name",
    "kind",
    "business_type",
    "address",
    "contact_name",
    "contact_phone",
    "street",
    "community",
    "lon",
    "lat",
}
# The three of 门前三包 (the migration loads the same ones; a city edits them in the admin).
STANDARD_DUTIES = (
    ("sanitation", "市容卫生", "门前清扫保洁，无乱扔乱倒、乱贴乱画", 10),
    ("order", "秩序", "无出店经营、乱堆乱放、乱停车", 20),
    ("greening", "绿化/设施", "门前绿化和公共设施完好，无损毁占用", 30),
)


@domain_action
def import_frontage(
    rows: Iterable[Mapping[str, Any]], *, actor: User, today: dt.date | None = None
) -> ImportReport:
    """Create or update parties (matched by their unified social credit code) and their zones
    (matched by zone code, default ``<code>-1``) from rows. All or nothing: if any row is wrong,
    nothing changes and the report lists every wrong row with its column and reason in Chinese."""
    today = today or timezone.localdate()
    report = ImportReport()
    resolver = Resolver(today)
    iterator = iter(rows)
    position = 0
    while chunk := list(islice(iterator, BATCH_SIZE)):
        batch: list[ParsedRow] = []
        for row in chunk:
            position += 1
            parsed, errors = resolver.parse(row, str(row.get("_where") or f"第{position}行"))
            report.errors += errors
            if parsed is not None:
                batch.append(parsed)
        report.errors += locate(batch, today)
        report.total += len(chunk)
        if not report.errors:
            _write(batch, report)
    if report.errors:
        report.applied = False
        transaction.set_rollback(True)
        return report
    if report.zones_written:
        index.bump_version()
    record(actor, "frontage.import", object_type="frontage.party", object_id="", after=report.counts())
    return report


def _write(batch: list[ParsedRow], report: ImportReport) -> None:
    """Insert new parties and zones in bulk, update changed ones, and set the zones' duties."""
    usccs = [r.party["uscc"] for r in batch]
    existing = {p.uscc: p for p in Party.objects.filter(uscc__in=usccs)}
    now = timezone.now()
    new: list[tuple[Any, ...]] = []
    changed = []
    for r in batch:
        party = existing.get(r.party["uscc"])
        if party is None:
            new.append((r.party["uscc"], *(r.party[f] for f in PARTY_FIELDS), now, now))
        elif any(getattr(party, f) != r.party[f] for f in PARTY_FIELDS):
            for f in PARTY_FIELDS:
                setattr(party, f, r.party[f])
            party.changed = now
            changed.append(party)
    insert_rows(Party, ("uscc", *PARTY_FIELDS, "created", "changed"), new)
    Party.objects.bulk_update(changed, [*PARTY_FIELDS, "changed"], batch_size=1000)
    report.parties_created += len(new)
    report.parties_updated += len(changed)
    with_zone = [(r, r.zone) for r in batch if r.zone is not None]
    if not with_zone:
        return
    ids = dict(
        Party.objects.filter(uscc__in=[r.party["uscc"] for r, _ in with_zone]).values_list("uscc", "pk")
    )
    codes = [zone["code"] for _, zone in with_zone]
    zones = {z.code: z for z in Zone.objects.filter(code__in=codes)}
    new_zones: list[tuple[Any, ...]] = []
    old_zones = []
    for r, given in with_zone:
        values = {**given, "party_id": ids[r.party["uscc"]], "street_id": r.party["street_id"]}
        zone = zones.get(values["code"])
        if zone is None:
            new_zones.append((values["code"], *(values[f] for f in ZONE_FIELDS)))
        else:
            for f in ZONE_FIELDS:
                setattr(zone, f, values[f])
            old_zones.append(zone)
    insert_rows(Zone, ("code", *ZONE_FIELDS), new_zones)
    Zone.objects.bulk_update(old_zones, ZONE_FIELDS, batch_size=1000)
    zone_ids = dict(Zone.objects.filter(code__in=codes).values_list("code", "pk"))
    through = Zone.duties.through
    through.objects.filter(zone_id__in=[z.pk for z in old_zones]).delete()
    links = [(zone_ids[zone["code"]], d) for r, zone in with_zone for d in r.duties]
    insert_rows(through, ("zone_id", "duty_id"), links)
    report.zones_written += len(with_zone)


def _raise_for(errors: list[RowError]) -> None:
    if errors:
        by_field: dict[str, list[str]] = {}
        for error in errors:
            by_field.setdefault(error.column, []).append(error.reason)
        raise ValidationError(by_field)


def _parse_one(values: Mapping[str, Any], today: dt.date, *, existing: Party | None = None) -> ParsedRow:
    resolver = Resolver(today)
    parsed, errors = resolver.parse(values, "表单")
    _raise_for(errors)
    assert parsed is not None
    _raise_for(locate([parsed], today))
    clash = Party.objects.filter(uscc=parsed.party["uscc"])
    if existing is not None:
        clash = clash.exclude(pk=existing.pk)
    if clash.exists():
        raise ValidationError({"uscc": f"统一社会信用代码{parsed.party['uscc']}已登记"})
    return parsed


@domain_action
def create_party(*, actor: User, today: dt.date | None = None, **fields: Any) -> Party:
    """Register one party (fields as in an import row: ``uscc``, ``name``, ``street`` …; a
    ``geometry`` gives its zone). Raises ``ValidationError`` per field (in Chinese)."""
    today = today or timezone.localdate()
    parsed = _parse_one(fields, today)
    party = Party.objects.create(**parsed.party)
    if parsed.zone is not None:
        zone = Zone.objects.create(**parsed.zone, party=party, street_id=party.street_id)
        zone.duties.set(parsed.duties)
        index.bump_version()
    record(actor, "frontage.party.create", party, after=snapshot(party))
    return party


@domain_action
def update_party(*, actor: User, party: Party, today: dt.date | None = None, **changes: Any) -> Party:
    """Change a party's name, kind, business type, address, contact, street, community or point.
    Its code is its identity and does not change."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "该字段不能修改"))
    today = today or timezone.localdate()
    before = snapshot(party)
    row: dict[str, Any] = {
        "uscc": party.uscc,
        "name": party.name,
        "kind": party.kind,
        "business_type": party.business_type,
        "address": party.address,
        "contact_name": party.contact_name,
        "contact_phone": party.contact_phone,
        "street": party.street.code,
        "community": party.community.code if party.community else "",
        "lon": "" if party.lon is None else party.lon,
        "lat": "" if party.lat is None else party.lat,
    }
    if "street" in changes and "community" not in changes:
        row["community"] = ""
    row.update({k: ("" if v is None else v) for k, v in changes.items()})
    parsed = _parse_one(row, today, existing=party)
    for name in PARTY_FIELDS:
        setattr(party, name, parsed.party[name])
    party.save()
    Zone.objects.filter(party=party).exclude(street_id=party.street_id).update(street_id=party.street_id)
    record(actor, "frontage.party.update", party, before=before, after=snapshot(party))
    return party


@domain_action
def load_standard_duties(*, actor: User) -> int:
    """Create the three standard duties that are missing; returns how many were made."""
    made = 0
    for code, name, description, order in STANDARD_DUTIES:
        _, created = Duty.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "order": order}
        )
        made += created
    if made:
        record(
            actor,
            "frontage.duty.load_standard",
            object_type="frontage.duty",
            object_id="",
            after={"created": made},
        )
    return made


@domain_action
def save_duty(*, actor: User, code: str, name: str, description: str = "", order: int = 0) -> Duty:
    """Add a duty or change one (by code): a city's own split of the three of 门前三包."""
    code, name = code.strip(), name.strip()
    if not code or not name:
        raise ValidationError({"code": "请填写责任的编码和名称"})
    duty = Duty.objects.filter(code=code).first()
    before = snapshot(duty) if duty else None
    duty = duty or Duty(code=code)
    duty.name, duty.description, duty.order = name, description.strip(), order
    duty.save()
    record(actor, "frontage.duty.save", duty, before=before, after=snapshot(duty))
    return duty
