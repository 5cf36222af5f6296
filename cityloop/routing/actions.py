"""Writes to routing: rules (create, change, end, import), approved returns, arbitrations and their
rulings. Each is a domain action, audited in its transaction; every rule write moves the rule-set
version so that every process decides with the new rules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, TextIO

from django.core.exceptions import ValidationError
from django.utils import timezone

from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import Unit, User
from cityloop.geo.models import Grid

from .decide import candidates
from .facts import Facts
from .importing import identity, parse_rules, read_rows, stored_identities
from .models import Arbitration, ArbitrationState, Level, Purpose, ReturnRecord, Rule, Source, Target
from .ruleset import bump_version, get_ruleset
from .validation import check_rule

EDITABLE = {
    "name",
    "purpose",
    "kind",
    "category_code",
    "condition_number",
    "area_unit",
    "area_grid",
    "level",
    "target",
    "target_unit",
    "priority",
    "auto_dispatch",
    "valid_from",
    "valid_to",
    "note",
}


def _fields(values: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(values) - EDITABLE
    if unknown:
        raise ValidationError(
            dict.fromkeys(sorted(unknown), f"not a rule field; use {', '.join(sorted(EDITABLE))}")
        )
    return dict(values)


@domain_action
def create_rule(*, actor: User, source: str = Source.ADMIN, **values: Any) -> Rule:
    """Add a responsibility rule (see :class:`~cityloop.routing.models.Rule` for the fields)."""
    rule = Rule(source=source, **_fields(values))
    check_rule(rule)
    rule.save()
    bump_version()
    record(actor, "routing.rule.create", rule, after=snapshot(rule))
    return rule


@domain_action
def update_rule(*, actor: User, rule: Rule, **changes: Any) -> Rule:
    """Change a rule; its revision moves, so decisions made before still name the old revision."""
    before = snapshot(rule)
    for name, value in _fields(changes).items():
        setattr(rule, name, value)
    check_rule(rule)
    rule.revision += 1
    rule.save()
    bump_version()
    record(actor, "routing.rule.update", rule, before=before, after=snapshot(rule))
    return rule


@domain_action
def end_rule(*, actor: User, rule: Rule, on: dt.date | None = None) -> Rule | None:
    """Stop a rule from day ``on`` (today by default). A rule that never came into force by then is
    deleted instead (returns None); one that did is kept, so past decisions can be explained."""
    on = on or timezone.localdate()
    before = snapshot(rule)
    if rule.valid_from >= on and not rule.arbitrations.exists():
        # The rule set's version first and the audit entry last, as in every other rule action.
        pk = rule.pk
        rule.delete()
        bump_version()
        record(actor, "routing.rule.delete", rule, before=before, object_id=pk)
        return None
    if rule.valid_to is not None and rule.valid_to <= on:
        raise ValidationError({"valid_to": f"the rule already ended on {rule.valid_to.isoformat()}"})
    rule.valid_to = on
    rule.revision += 1
    rule.save(update_fields=["valid_to", "revision", "updated_at"])
    bump_version()
    record(actor, "routing.rule.end", rule, before=before, after=snapshot(rule))
    return rule


@domain_action
def import_rules(
    source: str | Path | TextIO | Iterable[Mapping[str, Any]],
    *,
    actor: User,
    valid_from: dt.date | None = None,
) -> dict[str, int]:
    """Load rules from a CSV file (or rows as dicts), in force from ``valid_from`` (today by default)
    where a line gives no date. Every line is checked first: if any is wrong, nothing is imported and
    the error lists each bad line. A line identical to a stored rule is left alone."""
    rows = read_rows(source) if isinstance(source, str | Path) or hasattr(source, "read") else list(source)  # type: ignore[arg-type]
    rules = parse_rules(rows, default_from=valid_from or timezone.localdate())
    stored = stored_identities()
    new: list[Rule] = []
    for rule in rules:
        key = identity(rule)
        if key not in stored:
            stored.add(key)
            new.append(rule)
    Rule.objects.bulk_create(new, batch_size=1000)
    counts = {"rows": len(rules), "created": len(new), "unchanged": len(rules) - len(new)}
    if new:
        bump_version()
    record(actor, "routing.rule.import", object_type="routing.rule", object_id="", after=counts)
    return counts


@domain_action
def record_return(
    *,
    actor: User,
    case_id: int,
    case_number: str,
    district: Unit | int,
    returning_unit: Unit | int,
    suggested_unit: Unit | int | None,
    kind: str,
    category_code: str,
    reason: str,
    at: dt.datetime,
) -> ReturnRecord:
    """Count an approved return: who sent the case back, whom they named, for which category."""
    row = ReturnRecord.objects.create(
        case_id=case_id,
        case_number=case_number,
        district_id=_pk(district),
        returning_unit_id=_pk(returning_unit),
        suggested_unit_id=_pk(suggested_unit) if suggested_unit else None,
        kind=kind,
        category_code=category_code,
        reason=reason[:2000],
        approved_at=at,
        approved_by=actor,
    )
    record(actor, "routing.return.record", row, after=snapshot(row))
    return row


def _pk(value: Unit | int) -> int:
    return value.pk if isinstance(value, Unit) else int(value)


@domain_action
def open_arbitration(
    *,
    actor: User,
    case_id: int,
    case_number: str,
    district_id: int,
    street_id: int | None,
    community_id: int | None,
    grid_id: int | None,
    kind: str,
    category_code: str,
    category_name: str,
    reason: str,
    history: list[dict[str, Any]],
    at: dt.datetime,
) -> Arbitration:
    """Put a case that bounced between units into the command centre's arbitration queue."""
    if Arbitration.objects.filter(case_id=case_id, state=ArbitrationState.OPEN).exists():
        raise ValidationError({"case": f"case {case_number} is already waiting for arbitration"})
    row = Arbitration.objects.create(
        case_id=case_id,
        case_number=case_number,
        district_id=district_id,
        street_id=street_id,
        community_id=community_id,
        grid_id=grid_id,
        kind=kind,
        category_code=category_code,
        category_name=category_name,
        reason=reason,
        history=history,
        opened_at=at,
        opened_by=actor,
    )
    record(actor, "routing.arbitration.open", row, after=snapshot(row))
    return row


RULE_SCOPES = ("grid", "community")


@domain_action
def rule_arbitration(
    *,
    actor: User,
    arbitration: Arbitration,
    unit: Unit,
    ruling: str,
    facts: Facts,
    at: dt.datetime,
    make_rule: bool = True,
    scope: str = "grid",
    auto_dispatch: bool = True,
) -> Arbitration:
    """Record the ruling: ``unit`` is responsible. Unless ``make_rule`` is False, a rule from the
    ruling's day sends the same category at the same grid (or community) to that unit from now on,
    outranking every rule that matched this case (a ruling on the same place and category before is
    ended, or adjusted if it was made the same day)."""
    if arbitration.state != ArbitrationState.OPEN:
        raise ValidationError({"case": f"case {arbitration.case_number} was ruled already"})
    if scope not in RULE_SCOPES:
        raise ValidationError({"rule_scope": f"use one of {', '.join(RULE_SCOPES)}"})
    before = snapshot(arbitration)
    if make_rule:
        arbitration.rule = _ruling_rule(actor, arbitration, unit, ruling, facts, at, scope, auto_dispatch)
    arbitration.state = ArbitrationState.RULED
    arbitration.ruled_unit, arbitration.ruled_at, arbitration.ruled_by = unit, at, actor
    arbitration.ruling = ruling
    arbitration.save()
    record(actor, "routing.arbitration.rule", arbitration, before=before, after=snapshot(arbitration))
    return arbitration


def _ruling_rule(
    actor: User,
    arbitration: Arbitration,
    unit: Unit,
    ruling: str,
    facts: Facts,
    at: dt.datetime,
    scope: str,
    auto_dispatch: bool,
) -> Rule:
    day = timezone.localdate(at)
    area: dict[str, Any] = {"area_unit": None, "area_grid": None}
    if scope == "grid":
        if arbitration.grid_id is None:
            raise ValidationError({"rule_scope": "the case lies in no grid; rule for its community instead"})
        area["area_grid"] = Grid.objects.get(pk=arbitration.grid_id)
        where = f"网格{facts.grid_code}"
    else:
        if arbitration.community_id is None:
            raise ValidationError({"rule_scope": "the case lies in no community; rule for its grid instead"})
        area["area_unit"] = Unit.objects.get(pk=arbitration.community_id)
        where = area["area_unit"].name
    matching = candidates(get_ruleset(), Purpose.DISPATCH, facts)
    values: dict[str, Any] = {
        "name": f"仲裁：{where} {arbitration.category_code} {arbitration.category_name} → {unit.name}"[:120],
        "purpose": Purpose.DISPATCH,
        "kind": arbitration.kind,
        "category_code": arbitration.category_code,
        "level": Level.DISTRICT,
        "target": Target.UNIT,
        "target_unit": unit,
        "priority": max((r.priority for r in matching), default=0) + 1,
        "auto_dispatch": auto_dispatch,
        "note": f"案件 {arbitration.case_number} 仲裁裁定：{ruling}",
        **area,
    }
    earlier = (
        Rule.objects.valid_at(day)
        .filter(
            source=Source.ARBITRATION,
            kind=arbitration.kind,
            category_code=arbitration.category_code,
            condition_number__isnull=True,
            **area,
        )
        .first()
    )
    if earlier is not None and earlier.valid_from == day:
        return update_rule(actor=actor, rule=earlier, **values)
    if earlier is not None:
        end_rule(actor=actor, rule=earlier, on=day)
    return create_rule(actor=actor, source=Source.ARBITRATION, valid_from=day, **values)
