"""The tables the console, Excel and PDF all show, as plain rows: one definition, three outputs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ..measures import RATES, rates_of
from ..models import SUBJECT_LABELS_ZH, Deduction, EvaluationRun, Score
from ..reading import AnyUser, deductions, measure_label, rankings

GRADE_COLOURS = {"A": "2E7D32", "B": "558B2F", "C": "F9A825", "D": "EF6C00", "E": "C62828"}
STATUS_ZH = {"draft": "草稿", "published": "已发布"}


@dataclass
class Table:
    """A titled table: header row and body rows (numbers stay numbers, for Excel)."""

    key: str
    title: str
    header: list[str]
    rows: list[list[Any]]
    grade_column: int | None = None


def _num(value: Any) -> Any:
    return float(value) if value is not None else None


def part_headers(scores: list[Score]) -> list[tuple[str, str]]:
    for s in scores:
        return [
            (p["key"], p.get("label", p["key"]) + ("（%）" if p.get("informative") else "得分"))
            for p in s.parts
            if p.get("key") != "_meta"
        ]
    return []


def percent(rate: str | None) -> float | None:
    """A stored rate ("0.8333") as the per cent the tables show (83.33)."""
    return None if rate is None else float((Decimal(rate) * 100).quantize(Decimal("0.01")))


def rate_headers(scores: list[Score]) -> list[tuple[str, str]]:
    """The named rates (满意率 …) the subject's counts give and its scheme does not already show."""
    if not scores:
        return []
    shown = {(p.get("num_measure"), p.get("den_measure")) for p in scores[0].parts}
    have = rates_of(scores[0].measures)
    return [(r.key, f"{r.label}（%）") for r in RATES if r.key in have and (r.num, r.den) not in shown]


def ranking_table(run: EvaluationRun, subject: str, user: AnyUser) -> Table:
    """The ranking of one subject: rank, name, group, index, grade, each part's score, the named
    rates its counts give (满意率 …), the note."""
    scores = list(rankings(run, subject, user))
    parts = part_headers(scores)
    extra = rate_headers(scores)
    header = [
        "排名",
        "名称",
        "编码",
        "分组",
        "综合指标值",
        "等级",
        *[label for _, label in parts],
        *[label for _, label in extra],
        "说明",
    ]
    rows = []
    for s in scores:
        by_key = {p["key"]: p for p in s.parts}
        rates = rates_of(s.measures)
        rows.append(
            [
                s.rank if s.ranked else "不参与排名",
                s.label,
                s.code,
                s.group_label,
                _num(s.index) if s.ranked else "",
                s.grade if s.ranked else "",
                *[_num(by_key.get(k, {}).get("score")) for k, _ in parts],
                *[percent(rates.get(k)) for k, _ in extra],
                note_zh(s.note),
            ]
        )
    title = f"{run.scope.name} {run.period} {SUBJECT_LABELS_ZH[subject]}排名（{STATUS_ZH[run.status]}）"
    return Table(subject, title, header, rows, grade_column=5)


def counts_table(run: EvaluationRun, subject: str, user: AnyUser) -> Table:
    """The counts behind a subject's scores, one column per measure, then the named rates."""
    scores = list(rankings(run, subject, user))
    keys = list(scores[0].measures) if scores else []
    rate_keys = [r for r in RATES if r.key in rates_of(scores[0].measures)] if scores else []
    header = [
        "名称",
        "编码",
        *[measure_label(subject, k) for k in keys],
        *[f"{r.label}（%）" for r in rate_keys],
    ]
    rows = [
        [
            s.label,
            s.code,
            *[s.measures.get(k, 0) for k in keys],
            *[percent(rates_of(s.measures).get(r.key)) for r in rate_keys],
        ]
        for s in scores
    ]
    return Table(f"{subject}-counts", f"{SUBJECT_LABELS_ZH[subject]}计数明细", header, rows)


def deduction_table(run: EvaluationRun, user: AnyUser) -> Table:
    """The month's deduction table: points kept per part, bonus, adjustments, final, money."""
    lines: list[Deduction] = list(deductions(run, user))
    parts = [(p["key"], p["label"]) for p in (lines[0].parts if lines else []) if p.get("kind") != "bonus"]
    header = [
        "排名",
        "单位",
        *[f"{label}（得分）" for _, label in parts],
        "加分",
        "调整",
        "扣分",
        "最终得分",
        "奖补金额（元）",
    ]
    rows = []
    for d in lines:
        by_key = {p["key"]: p for p in d.parts}
        rows.append(
            [
                d.rank,
                d.label,
                *[_num(by_key.get(k, {}).get("kept")) for k, _ in parts],
                _num(d.bonus_points),
                _num(d.adjustment_points),
                _num(d.deducted_points),
                _num(d.final_points),
                _num(d.reward_yuan),
            ]
        )
    return Table("deductions", f"{run.scope.name} {run.period} 扣分考核表", header, rows)


def note_zh(note: str) -> str:
    """A score's note (stored in English for the API) as the Chinese console and exports show it."""
    if note.startswith("below the minimum volume"):
        return "业务量不足最低要求：" + note.split(": ", 1)[-1].replace(" needed, ", "（要求），").replace(
            " counted", "（实际）"
        )
    if note == "no data this period":
        return "本期无数据"
    return note


def all_tables(run: EvaluationRun, user: AnyUser, subjects: list[str] | None = None) -> list[Table]:
    present = set(run.scores.values_list("subject", flat=True))
    chosen = [s for s in (subjects or list(SUBJECT_LABELS_ZH)) if s in present]
    tables = [ranking_table(run, s, user) for s in chosen]
    if run.deductions.exists() and (not subjects or "department" in subjects):
        tables.append(deduction_table(run, user))
    tables += [counts_table(run, s, user) for s in chosen]
    return tables
