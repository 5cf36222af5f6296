"""``route(facts) -> Decision``: which unit must handle a problem, at which level, and why.

The rules that match the problem's category and place are tried best first (priority, then the
narrower category, then the narrower area). Each names a target; the first target that resolves to
an active unit not excluded (a unit that returned the case) wins. Before the first territorial
target, registered claimers may claim the case (:mod:`cityloop.routing.claimers`). After the rules
come the principles of DOMAIN.md §5, so a decision is always made: a component goes to its owner,
an unowned one to the territory of its grid (flagged), an event to the territory.

Emergencies (class 04 events, urgent conditions) also name the unit to tell at once, found by the
``emergency`` rules the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from . import explain
from .claimers import Claim, claimers
from .facts import Facts
from .models import Purpose, Target
from .ruleset import CategoryKey, CompiledRule, RuleSet, UnitInfo, get_ruleset

MAX_ALTERNATIVES = 4
MAX_CHAIN = 20  # lines of the chain kept with the case (the decision itself weighs every candidate)
CONFIDENCE = {
    "arbitration": 0.98,
    "rule": 0.9,
    "owner_first": 0.85,
    "line_department": 0.9,
    "territory_first": 0.7,
    "unowned_fallback": 0.5,
    "suggested": 0.6,
    "ambiguous": 0.5,
    "none": 0.0,
}


@dataclass(slots=True)
class Considered:
    """One line of the decision's chain: a rule, a claimer or a principle, and what came of it."""

    source: str  # rule | claimer | principle | suggestion
    target: str
    outcome: str  # chosen | alternative | same_unit | skipped | excluded
    unit: UnitInfo | None = None
    rule: CompiledRule | None = None
    reason: str = ""  # why skipped (a key of explain.NOTE_ZH)
    basis: str = ""
    role: str = ""
    claim: Claim | None = None
    name: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "name": self.rule.name if self.rule else self.name,
            "rule": self.rule.ref() if self.rule else None,
            "target": self.target,
            "unit": self.unit.ref() if self.unit else None,
            "outcome": self.outcome,
            "note": explain.NOTE_ZH.get(self.reason or self.outcome, self.reason),
            "note_en": explain.NOTE_EN.get(self.reason or self.outcome, self.reason),
        }


@dataclass
class Decision:
    """The unit to dispatch to (None only when nothing at all could be found), with its reasons."""

    unit: UnitInfo | None
    level: str
    basis: str
    explanation: str
    explanation_en: str
    confidence: float
    rule: CompiledRule | None = None
    chain: list[Considered] = field(default_factory=list)
    alternatives: list[dict[str, Any]] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    auto_dispatch: bool = False
    emergency_units: list[UnitInfo] = field(default_factory=list)
    on: dt.date | None = None
    version: int = 0
    # The winning claim's provider and holder, when a claimer decided and named a holder.
    claim: dict[str, Any] | None = None

    @property
    def unit_id(self) -> int | None:
        return self.unit.id if self.unit else None

    def as_dict(self) -> dict[str, Any]:
        """JSON for the case, its timeline and the API."""
        return {
            "unit": self.unit.ref() if self.unit else None,
            "level": self.level,
            "basis": self.basis,
            "rule": self.rule.ref() if self.rule else None,
            "explanation": self.explanation,
            "explanation_en": self.explanation_en,
            "confidence": round(self.confidence, 2),
            "flags": list(self.flags),
            "auto_dispatch": self.auto_dispatch,
            "alternatives": self.alternatives,
            "emergency_units": [u.ref() for u in self.emergency_units],
            "chain": [c.as_dict() for c in self.chain[:MAX_CHAIN]],
            "on": self.on.isoformat() if self.on else None,
            "ruleset_version": self.version,
            "claim": self.claim,
        }


def category_keys(facts: Facts) -> list[CategoryKey]:
    """The category patterns that match the facts, narrowest first."""
    kind, code = facts.kind, facts.category_code
    keys: list[CategoryKey] = []
    if facts.condition_number is not None:
        keys.append((kind, code, facts.condition_number))
    keys.append((kind, code, None))
    if len(code) == 4:
        keys.append((kind, code[:2], None))
    keys += [(kind, "", None), ("", "", None)]
    return keys


def candidates(rs: RuleSet, purpose: str, facts: Facts) -> list[CompiledRule]:
    """The rules in force on the facts' day that match their category and place, best first."""
    day = facts.on.toordinal()
    found: list[CompiledRule] = []
    index = rs.index
    for area in rs.area_keys(facts.grid_code, facts.community_id, facts.district_id, facts.street_id):
        for cat in category_keys(facts):
            bucket = index.get((purpose, cat, area))
            if bucket:
                found += [r for r in bucket if r.valid_from <= day < r.valid_to]
    found.sort(key=lambda r: r.sort_key)
    return found


def _target_unit(target: str, named: int | None, facts: Facts) -> tuple[int | None, str, str]:
    """(unit id, role as shown, why not) for a rule's target applied to the facts."""
    component = facts.component
    if target == Target.UNIT:
        return named, "unit", ""
    if target in (Target.OWNER, Target.MAINTAINER, Target.AUTHORITY):
        if component is None:
            return None, target, "no_component"
        unit = getattr(component, f"{target}_id")
        return unit, target, "" if unit else "no_role_unit"
    if target == Target.GRID:
        if facts.grid_unit_id:
            return facts.grid_unit_id, "grid", ""
        return facts.street_id, "street", "" if facts.street_id else "no_territory"
    unit = facts.street_id if target == Target.STREET else facts.community_id
    return unit, target, "" if unit else "no_territory"


class _Run:
    """One decision being made: the chain so far and the units that resolved."""

    def __init__(self, rs: RuleSet, facts: Facts) -> None:
        self.rs, self.facts = rs, facts
        self.day = facts.on.toordinal()
        self.chain: list[Considered] = []
        self.resolved: list[Considered] = []

    def consider(self, entry: Considered, unit_id: int | None) -> None:
        unit = self.rs.unit(unit_id) if unit_id else None
        if unit_id and unit is None:
            entry.reason = "no_role_unit"
        elif unit is not None and not unit.active(self.day):
            entry.reason = "inactive"
        elif unit is not None and unit.id in self.facts.exclude:
            entry.unit, entry.outcome = unit, "excluded"
        if unit is None or entry.reason or entry.outcome == "excluded":
            if entry.outcome != "excluded":
                entry.outcome = "skipped"
            self.chain.append(entry)
            return
        entry.unit = unit
        if not self.resolved:
            entry.outcome = "chosen"
        elif any(r.unit and r.unit.id == unit.id for r in self.resolved):
            entry.outcome = "same_unit"
        else:
            entry.outcome = "alternative"
        self.resolved.append(entry)
        self.chain.append(entry)

    def claim(self) -> None:
        for name, claimer in claimers():
            found = claimer(self.facts)
            if found is not None:
                entry = Considered(
                    "claimer", "claimer", "", claim=found, basis="claimer", role="claimer", name=name
                )
                self.consider(entry, found.unit_id)
                if entry.outcome in ("chosen", "alternative", "same_unit"):
                    return

    def principles(self, claimed: bool) -> None:
        """Owner first for components, then (after the claimers) the territory of the grid."""
        facts = self.facts
        owner = facts.component.owner_id if facts.component is not None else None
        if owner:
            self.consider(
                Considered(
                    "principle",
                    "owner",
                    "",
                    basis="owner_first",
                    role="owner",
                    name=explain.BASIS_ZH["owner_first"],
                ),
                owner,
            )
        if not claimed:
            self.claim()
        basis = "unowned_fallback" if facts.component is not None and not owner else "territory_first"
        unit, role, reason = _target_unit(Target.GRID, None, facts)
        self.consider(
            Considered(
                "principle", "grid", "", basis=basis, role=role, reason=reason, name=explain.BASIS_ZH[basis]
            ),
            unit,
        )


def _dispatch_chain(rs: RuleSet, facts: Facts) -> _Run:
    run = _Run(rs, facts)
    if facts.suggested_unit_id:
        run.consider(
            Considered("suggestion", "suggested", "", basis="suggested", role="suggested", name="回退建议"),
            facts.suggested_unit_id,
        )
    claimed = False
    for rule in candidates(rs, Purpose.DISPATCH, facts):
        if rule.territorial and not claimed:
            run.claim()
            claimed = True
        unit, role, reason = _target_unit(rule.target, rule.target_unit_id, facts)
        run.consider(
            Considered(
                "rule",
                rule.target,
                "",
                rule=rule,
                reason=reason,
                role=role,
                basis=explain.rule_basis(rule, facts.kind),
            ),
            unit,
        )
    run.principles(claimed)
    return run


def _emergency_units(rs: RuleSet, facts: Facts) -> list[UnitInfo]:
    day = facts.on.toordinal()
    for rule in candidates(rs, Purpose.EMERGENCY, facts):
        unit_id, _, _ = _target_unit(rule.target, rule.target_unit_id, facts)
        unit = rs.unit(unit_id)
        if unit is not None and unit.active(day):
            return [unit]
    return []


def _text(rs: RuleSet, facts: Facts, entry: Considered) -> tuple[str, str]:
    claim = entry.claim
    return explain.sentence(
        facts,
        rs,
        unit=entry.unit,
        role=entry.role,
        basis=entry.basis,
        rule=entry.rule,
        basis_text=(claim.reason, claim.reason_en) if claim else None,
    )


def route(facts: Facts, *, ruleset: RuleSet | None = None) -> Decision:
    """Decide who must handle the problem described by ``facts``, and explain why."""
    rs = ruleset or get_ruleset()
    run = _dispatch_chain(rs, facts)
    flags: list[str] = []
    if facts.component is not None and not facts.component.owner_id:
        flags.append("unowned")
    if facts.exclude:
        flags.append("returned")
    winner = run.resolved[0] if run.resolved else None
    if winner is None:
        head_zh, head_en = explain.headline(facts, rs)
        decision = Decision(
            None,
            "district",
            "none",
            f"{head_zh}：{explain.BASIS_ZH['none']}",
            f"{head_en}: {explain.BASIS_EN['none']}",
            0.0,
            flags=[*flags, "no_unit"],
        )
    else:
        basis = winner.basis
        confidence = winner.claim.confidence if winner.claim else CONFIDENCE.get(basis, 0.9)
        rule = winner.rule
        if rule is not None and any(
            r.rule is not None
            and r.rule.rank == rule.rank
            and r.unit
            and winner.unit
            and r.unit.id != winner.unit.id
            for r in run.resolved[1:]
        ):
            flags.append("ambiguous")
            confidence = min(confidence, CONFIDENCE["ambiguous"])
        if basis == "unowned_fallback":
            flags.append("territorial_fallback")
        if winner.claim is not None:
            flags.append("claimed")
        if facts.exclude and basis != "suggested":
            confidence = min(confidence, 0.7)
        text, text_en = _text(rs, facts, winner)
        auto = bool(
            (rule is not None and rule.auto_dispatch)
            or (winner.claim is not None and winner.claim.auto_dispatch)
        ) and not ({"ambiguous", "returned", "territorial_fallback"} & set(flags))
        decision = Decision(
            winner.unit,
            rule.level if rule else "district",
            basis,
            text,
            text_en,
            confidence,
            rule=rule,
            flags=flags,
            auto_dispatch=auto,
        )
        if winner.claim is not None and winner.claim.holder:
            decision.claim = {"claimer": winner.name, "holder": dict(winner.claim.holder)}
        seen = {winner.unit.id} if winner.unit else set()
        for entry in run.resolved[1:]:
            if entry.unit is None or entry.unit.id in seen or len(decision.alternatives) >= MAX_ALTERNATIVES:
                continue
            seen.add(entry.unit.id)
            alt_zh, alt_en = _text(rs, facts, entry)
            decision.alternatives.append(
                {
                    "unit": entry.unit.ref(),
                    "basis": entry.basis,
                    "rule": entry.rule.ref() if entry.rule else None,
                    "explanation": alt_zh,
                    "explanation_en": alt_en,
                }
            )
    decision.chain, decision.on, decision.version = run.chain, facts.on, rs.version
    if facts.is_emergency:
        decision.flags.append("emergency")
        decision.emergency_units = _emergency_units(rs, facts)
        if decision.emergency_units:
            names = "、".join(u.name for u in decision.emergency_units)
            names_en = ", ".join(u.name_en or u.name for u in decision.emergency_units)
            decision.explanation += f"；突发/紧急：同时通知 {names}"
            decision.explanation_en += f"; emergency: {names_en} is told at once"
        else:
            decision.flags.append("no_emergency_unit")
    if "ambiguous" in decision.flags:
        decision.explanation += "；同级规则指向不同单位，请派遣员确认"
        decision.explanation_en += "; rules of equal rank name different units: the dispatcher decides"
    return decision
