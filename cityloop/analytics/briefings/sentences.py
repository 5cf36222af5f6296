"""The key findings of a briefing written out in Chinese sentences, chosen by the figures: the total
against the period before, which subclasses rose or fell notably and where they were concentrated,
the hotspots, recurrence after cleanup, the units with most overdue cases, and the evaluation.

Each sentence is a template filled with the figures; a movement is reported only when it is both
large (``NOTABLE_PCT``) and on enough cases (``NOTABLE_CASES``), so that a subclass going from 2 to
4 cases is not announced as doubling."""

from __future__ import annotations

from typing import Any

NOTABLE_PCT = 20.0
NOTABLE_CASES = 10  # cases in the larger of the two periods
STEADY_PCT = 5.0
SMALL_BASE = 5  # fewer cases than this before: a rise is told in cases, not as a percentage
MAX_RISES = 3
MAX_FALLS = 2


def _n(value: int | float) -> str:
    return f"{int(value):,}"


def _pct(value: float) -> str:
    """23% rather than 23.0%; one decimal only under 20% (12.5%, 8.1%), rounded half up."""
    value = round(abs(value), 1)
    if value >= 20 or value == int(value):
        return f"{int(value + 0.5)}%"
    return f"{value:.1f}%"


def words(kind: str) -> tuple[str, str]:
    return ("本周", "上周") if kind == "weekly" else ("本月", "上月")


def overall(f: dict[str, Any]) -> str:
    this, last = words(f["kind"])
    total, prev = f["total"], f["prev_total"]
    if not prev:
        return f"{this}共受理案件{_n(total)}件（{last}无案件可比）。"
    change = f["change"] or 0.0
    if abs(change) < STEADY_PCT:
        return f"{this}共受理案件{_n(total)}件，与{last}（{_n(prev)}件）基本持平。"
    way = "上升" if change > 0 else "下降"
    return f"{this}共受理案件{_n(total)}件，较{last}（{_n(prev)}件）{way}{_pct(change)}。"


def year_on_year(f: dict[str, Any]) -> str | None:
    """The total against the same period a year before (同比), when there were cases then."""
    before = f.get("last_year") or 0
    if not before:
        return None
    change = 100 * (f["total"] - before) / before
    if abs(change) < STEADY_PCT:
        return f"与去年同期（{_n(before)}件）基本持平。"
    return f"与去年同期（{_n(before)}件）相比{'上升' if change > 0 else '下降'}{_pct(change)}。"


def holiday_line(f: dict[str, Any]) -> str | None:
    names = f.get("holidays") or []
    if not names:
        return None
    this, _ = words(f["kind"])
    return f"{this}含{'、'.join(names)}假期，案件数量的变化请结合假期因素研判。"


def channel_mix(f: dict[str, Any]) -> str | None:
    rows = [c for c in f["channels"] if c["n"]]
    if not rows or not f["total"]:
        return None
    parts = [f"{c['name']}{_n(c['n'])}件（占{_pct(100 * c['n'] / f['total'])}）" for c in rows[:3]]
    return "按来源分：" + "，".join(parts) + "。"


def notable(s: dict[str, Any]) -> bool:
    return (
        s["change"] is not None
        and abs(s["change"]) >= NOTABLE_PCT
        and max(s["n"], s["prev"]) >= NOTABLE_CASES
    )


def _where(s: dict[str, Any]) -> str:
    if not s.get("street"):
        return ""
    text = f"，集中在{s['street']}（占{_pct(s['street_share'])}）"
    if s.get("grid") and s.get("grid_n", 0) >= 3:
        text += f"，以{s['grid']}网格最多（{_n(s['grid_n'])}件）"
    return text


def _rise(s: dict[str, Any]) -> str:
    """ "上升23%"; from a handful of cases a percentage says little, so "明显增多"."""
    if s["prev"] < SMALL_BASE:
        return "明显增多"
    return f"上升{_pct(s['change'])}"


def movements(f: dict[str, Any]) -> list[str]:
    """Rises and falls by subclass, biggest first; one sentence when nothing moved notably."""
    this, last = words(f["kind"])
    moved = [s for s in f["subclasses"] if notable(s)]
    rises = sorted((s for s in moved if s["change"] > 0), key=lambda s: -(s["n"] - s["prev"]))[:MAX_RISES]
    falls = sorted((s for s in moved if s["change"] < 0), key=lambda s: s["n"] - s["prev"])[:MAX_FALLS]
    out = [
        f"{this}{s['name']}案件较{last}{_rise(s)}（{_n(s['prev'])}件→{_n(s['n'])}件）{_where(s)}。"
        for s in rises
    ]
    out += [
        f"{s['name']}案件较{last}下降{_pct(s['change'])}（{_n(s['prev'])}件→{_n(s['n'])}件）。" for s in falls
    ]
    # A subclass that appeared from nothing has no percentage: named when it is many cases at once.
    new = [s for s in f["subclasses"] if s["prev"] == 0 and s["n"] >= NOTABLE_CASES][:2]
    out += [f"{s['name']}案件{last}未见，{this}出现{_n(s['n'])}件{_where(s)}。" for s in new]
    if not out and f["total"]:
        out.append(f"各类案件数量与{last}相比无明显变化。")
    return out


def hotspot_line(f: dict[str, Any]) -> str:
    spots = f["hotspots"]["spots"]
    if not spots:
        return "未发现明显异常的热点网格（各网格案件数均在其常态范围内）。"
    named = "、".join(
        f"{s['name']}（{_n(s['count'])}件，常态约{s['expected']:.0f}件）"
        if s["expected"] is not None
        else f"{s['name']}（{_n(s['count'])}件）"
        for s in spots[:3]
    )
    return f"发现{f['hotspots']['significant']}处案件异常偏多的热点网格，主要是{named}。"


def recurrence_line(f: dict[str, Any]) -> str | None:
    r = f["recurrence"]
    this, _ = words(f["kind"])
    if not r["closed"]:
        return None
    if not r["recurring"]:
        return (
            f"{this}结案{_n(r['closed'])}件，截至目前未发现结案后{r['days']}日内同一地点再次发生的同类问题。"
        )
    text = (
        f"{this}结案{_n(r['closed'])}件，其中{_n(r['recurring'])}件在结案后{r['days']}日内同一地点再次发生同类问题"
        f"（回潮率{_pct(r['rate'])}）"
    )
    if r["spots"]:
        top = r["spots"][0]
        text += f"，回潮最多的是{top['name']}的{top['category_name']}（{_n(top['recurring'])}次）"
    if r["streets"]:
        text += f"；回潮率最高的街道是{r['streets'][0]['name']}（{_pct(r['streets'][0]['rate'])}）"
    return text + "。"


def overdue_line(f: dict[str, Any]) -> str:
    units = f["red_units"]
    if not units:
        return "目前没有超期（红灯）未结的案件。"
    named = "、".join(f"{u['name']}{_n(u['red'])}件" for u in units[:3])
    return f"目前超期（红灯）未结案件最多的单位：{named}，请督促加快处置。"


def evaluation_line(f: dict[str, Any]) -> str | None:
    e = f["evaluation"]
    if not e:
        return None
    state = "" if e["status"] == "published" else "（草稿）"
    first, last = e["first"], e["last"]
    if not e["ranked"]:
        return f"{e['label']}综合评价{state}中，暂无街道达到参与排名所需的案件量。"
    if e["ranked"] < 2:
        return (
            f"{e['label']}综合评价{state}中，{first['name']}综合指标值{first['index']:.1f}"
            f"（{first['grade']}级）。"
        )
    return (
        f"{e['label']}综合评价{state}中，{first['name']}以{first['index']:.1f}分位列街道第一，"
        f"{last['name']}排名末位（{last['index']:.1f}分，{last['grade']}级）。"
    )


def findings(f: dict[str, Any]) -> list[str]:
    """The briefing's key findings, in the order a leader reads them."""
    out = [overall(f)]
    out += [s for s in (year_on_year(f), holiday_line(f), channel_mix(f)) if s]
    out += movements(f)
    out.append(hotspot_line(f))
    out += [s for s in (recurrence_line(f), overdue_line(f), evaluation_line(f)) if s]
    return out
