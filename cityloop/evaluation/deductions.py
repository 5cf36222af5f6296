"""The deduction scheme (扣分制): 100 points in weighted parts, each kept in proportion to a rate or
lost "X per finding, capped at the part", bonus parts, manual adjustments, and the reward fund.

A ``rate`` part keeps ``points × rate`` (``invert``: ``points × (1 − rate)``); without data it keeps
its points (``when_empty: full``) or none (``zero``). A ``per_finding`` part keeps
``max(0, points − each × findings)``. Bonus parts are ``per_finding`` counts that *add* points
(``each`` per finding up to ``max``) or ``manual`` parts filled only by adjustments, capped at ``max``.
Adjustments without a part add or remove points directly. The final score is never below 0 nor above
the total plus every bonus; the reward is final points × ``yuan_per_point``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from .scoring import round2, round4


@dataclass
class DeductionLine:
    parts: list[dict[str, Any]]
    base: Decimal
    bonus: Decimal
    adjustments: Decimal
    final: Decimal
    deducted: Decimal
    reward_yuan: Decimal
    extra: dict[str, Any] = field(default_factory=dict)


def deduct(
    config: dict[str, Any], counts: dict[str, int], adjustments: list[tuple[str, Decimal]]
) -> DeductionLine:
    """One unit's line: points kept per part, bonus, adjustments (``(part, points)`` pairs), final."""
    policy = config.get("when_empty", "full")
    parts: list[dict[str, Any]] = []
    base = Fraction(0)
    for part in config["parts"]:
        points = Fraction(str(part["points"]))
        out: dict[str, Any] = {
            "key": part["key"],
            "label": part["label"],
            "points": str(points),
            "kind": part["kind"],
        }
        if part["kind"] == "rate":
            num, den = counts.get(part["num"], 0), counts.get(part["den"], 0)
            out.update(num=num, den=den, num_measure=part["num"], den_measure=part["den"])
            if den:
                rate = Fraction(num, den)
                out["rate"] = str(round4(rate))
                kept = points * (1 - rate if part.get("invert") else rate)
            else:
                out["empty"] = True
                kept = points if policy == "full" else Fraction(0)
        else:
            findings = counts.get(part["measure"], 0)
            out.update(findings=findings, measure=part["measure"], each=str(part["each"]))
            kept = max(Fraction(0), points - Fraction(str(part["each"])) * findings)
        out["kept"] = str(round2(kept))
        out["lost"] = str(round2(points - kept))
        base += kept
        parts.append(out)
    manual: dict[str, Fraction] = {}
    loose = Fraction(0)
    for part_key, amount in adjustments:
        if part_key:
            manual[part_key] = manual.get(part_key, Fraction(0)) + Fraction(amount)
        else:
            loose += Fraction(amount)
    bonus = Fraction(0)
    bonus_cap = Fraction(0)
    for part in config.get("bonus") or []:
        cap = Fraction(str(part["max"]))
        bonus_cap += cap
        bonus_findings: int | None = None
        if part.get("kind") == "per_finding":
            bonus_findings = counts.get(part["measure"], 0)
            gained = Fraction(str(part["each"])) * bonus_findings + manual.get(part["key"], Fraction(0))
        else:
            gained = manual.get(part["key"], Fraction(0))
        gained = min(cap, max(Fraction(0), gained))
        bonus += gained
        parts.append(
            {
                "key": part["key"],
                "label": part["label"],
                "kind": "bonus",
                "max": str(cap),
                "findings": bonus_findings,
                "gained": str(round2(gained)),
            }
        )
    total = Fraction(str(config.get("total", 100)))
    final = min(total + bonus_cap, max(Fraction(0), base + bonus + loose))
    yuan = Decimal(str((config.get("fund") or {}).get("yuan_per_point", 0)))
    final_points = round2(final)
    return DeductionLine(
        parts=parts,
        base=round2(base),
        bonus=round2(bonus),
        adjustments=round2(loose),
        final=final_points,
        deducted=round2(total - base),
        # The fund pays on the published (rounded) points, so the table's two columns agree.
        reward_yuan=(final_points * yuan).quantize(Decimal("0.01")),
    )
