"""Turning counts into scores: parts, the composite index, grades, ranks, minimum volumes and the
deduction table. Pure functions over a scheme's ``config`` (see :mod:`.defaults` for its shape).

Arithmetic is exact (fractions) until the end: a part's score and the index are rounded once, half
up, to two decimals, so anyone recomputing from the counts gets the same digits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

HUNDRED = Fraction(100)


def round2(value: Fraction) -> Decimal:
    """Round half up to two decimals (0.125 → 0.13), exactly."""
    sign = -1 if value < 0 else 1
    cents = (abs(value) * 100 + Fraction(1, 2)).__floor__()
    return (Decimal(sign * cents) / 100).quantize(Decimal("0.01"))


def round4(value: Fraction) -> Decimal:
    sign = -1 if value < 0 else 1
    units = (abs(value) * 10000 + Fraction(1, 2)).__floor__()
    return (Decimal(sign * units) / 10000).quantize(Decimal("0.0001"))


def ladder_score(ladder: dict[str, Any], value: Fraction) -> Fraction:
    """The score of ``value`` on a ladder: ``at_least`` steps (more is better) or ``at_most`` (fewer)."""
    if "at_least" in ladder:
        for bound, score in ladder["at_least"]:
            if value >= Fraction(str(bound)):
                return Fraction(str(score))
    else:
        for bound, score in ladder["at_most"]:
            if value <= Fraction(str(bound)):
                return Fraction(str(score))
    return Fraction(str(ladder.get("else", 0)))


def grade_of(index: Decimal | None, bands: list[list[Any]]) -> str:
    if index is None:
        return ""
    for grade, bound in bands:
        if index >= Decimal(str(bound)):
            return str(grade)
    return str(bands[-1][0])


@dataclass
class Outcome:
    """A subject's score under a scheme, before ranking."""

    index: Decimal | None
    grade: str
    parts: list[dict[str, Any]]
    ranked: bool
    note: str = ""
    group: str = ""
    group_label: str = ""
    rank: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def group_of(
    config: dict[str, Any], unit_kind: str, codes: tuple[str, ...]
) -> tuple[str, str, dict[str, Any]]:
    """The ranking group of a unit: the first group naming one of its codes, else one of its kind."""
    groups = config.get("groups") or []
    for g in groups:
        if set(g.get("units") or []) & set(codes):
            return g["key"], g.get("label", g["key"]), g
    for g in groups:
        if unit_kind in (g.get("kinds") or []):
            return g["key"], g.get("label", g["key"]), g
    return ("", "", {}) if not groups else ("other", "其他", {})


def region_class(config: dict[str, Any], codes: tuple[str, ...]) -> str:
    """A region's class: the class given for its own code, else for the nearest enclosing unit."""
    mapping = config.get("class_of") or {}
    for code in codes:
        if code in mapping:
            return str(mapping[code])
    return str(config.get("default_class", "1"))


def _part(
    part: dict[str, Any],
    counts: dict[str, int],
    ladder: dict[str, Any] | None,
    area_m2: float | None,
) -> dict[str, Any]:
    """One part's numbers: what it counts, its value and its score (None when there is no data)."""
    out: dict[str, Any] = {k: part[k] for k in ("key", "label", "weight", "kind") if k in part}
    score: Fraction | None = None
    if part["kind"] == "rate":
        num, den = counts.get(part["num"], 0), counts.get(part["den"], 0)
        out.update(num=num, den=den, num_measure=part["num"], den_measure=part["den"])
        if den:
            rate = Fraction(num, den)
            out["rate"] = str(round4(rate))
            score = HUNDRED * (1 - rate if part.get("invert") else rate)
        out["invert"] = bool(part.get("invert"))
    elif part["kind"] == "ladder":
        value = counts.get(part["measure"], 0)
        out.update(value=value, measure=part["measure"])
        score = ladder_score(ladder or part["ladder"], Fraction(value))
    elif part["kind"] == "per_area":
        value = counts.get(part["measure"], 0)
        out.update(value=value, measure=part["measure"], area_m2=area_m2)
        if area_m2:
            density = Fraction(value) * Fraction(str(part.get("per_m2", 10000))) / Fraction(area_m2)
            out["density"] = str(round4(density))
            score = ladder_score(ladder or part.get("ladder") or {"at_most": [], "else": 0}, density)
    out["_score"] = score
    out["score"] = str(round2(score)) if score is not None else None
    return out


def score(
    config: dict[str, Any],
    counts: dict[str, int],
    *,
    unit_kind: str = "",
    codes: tuple[str, ...] = (),
    area_m2: float | None = None,
) -> Outcome:
    """Score one subject: every part, the composite index (weighted mean of the part scores), the
    grade, and whether it has enough volume to be ranked."""
    group, group_label, group_config = group_of(config, unit_kind, codes)
    klass = region_class(config, codes) if "classes" in config else ""
    class_config = (config.get("classes") or {}).get(klass, {})
    policy = config.get("when_empty", "reweight")
    parts = []
    total_weight, total = Fraction(0), Fraction(0)
    for part in config["parts"]:
        ladder = (group_config.get("ladders") or {}).get(part["key"]) or (
            class_config.get("ladders") or {}
        ).get(part["key"])
        out = _part(part, counts, ladder, area_m2)
        value = out.pop("_score")
        if value is None:
            out["empty"] = True
            value = {"full": HUNDRED, "zero": Fraction(0)}.get(policy)
            if value is not None:
                out["score"] = str(round2(value))
        weight = Fraction(str(part["weight"]))
        if value is not None:
            total_weight += weight
            total += weight * value
            out["points"] = str(round2(weight * value / 100))
        parts.append(out)
    for part in config.get("informative") or []:
        if not isinstance(part, dict):  # (an early draft of the defaults listed bare measure names)
            continue
        # Rates shown beside the parts without weight: their "score" is the rate in per cent.
        out = _part({**part, "weight": 0}, counts, None, area_m2)
        out.pop("_score")
        out["informative"] = True
        parts.append(out)
    index = round2(total / total_weight) if total_weight else None
    grade = grade_of(index, config["bands"])
    minimum = config.get("minimum") or {}
    ranked, note = index is not None, "" if index is not None else "no data this period"
    if minimum and counts.get(minimum["measure"], 0) < minimum["at_least"]:
        ranked = False
        counted = counts.get(minimum["measure"], 0)
        note = f"below the minimum volume: {minimum['at_least']} needed, {counted} counted"
    outcome = Outcome(index, grade, parts, ranked, note, group, group_label)
    if klass:
        outcome.extra["region_class"] = klass
        outcome.extra["region_class_label"] = class_config.get("label", klass)
    return outcome


def rank(outcomes: list[Outcome]) -> None:
    """Competition ranking (1, 2, 2, 4) by index within each group, ranked subjects only."""
    by_group: dict[str, list[Outcome]] = {}
    for o in outcomes:
        o.rank = None
        if o.ranked and o.index is not None:
            by_group.setdefault(o.group, []).append(o)
    for members in by_group.values():
        members.sort(key=lambda o: o.index or Decimal(0), reverse=True)
        for position, o in enumerate(members, start=1):
            if position > 1 and o.index == members[position - 2].index:
                o.rank = members[position - 2].rank
            else:
                o.rank = position
