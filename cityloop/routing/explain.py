"""Words for decisions, in Chinese for the dispatcher and in English: who, in which role, and why."""

from __future__ import annotations

from .facts import Facts
from .ruleset import CompiledRule, RuleSet, UnitInfo

# How the chosen unit relates to the case.
ROLE_ZH = {
    "unit": "指定单位",
    "owner": "权属单位",
    "maintainer": "养护单位",
    "authority": "主管部门",
    "grid": "网格责任单位",
    "street": "属地街道",
    "community": "属地社区",
    "claimer": "认领单位",
    "suggested": "回退建议单位",
}
ROLE_EN = {
    "unit": "named unit",
    "owner": "owner",
    "maintainer": "maintenance unit",
    "authority": "supervising authority",
    "grid": "grid's responsible unit",
    "street": "street",
    "community": "community",
    "claimer": "claimed by",
    "suggested": "unit named by the returning unit",
}
# Why: the principle (DOMAIN.md §5) or the kind of rule that chose it.
BASIS_ZH = {
    "owner_first": "部件先属主",
    "unowned_fallback": "部件无主，属地兜底",
    "territory_first": "事件先属地",
    "line_department": "专业部门按规则承办",
    "arbitration": "仲裁裁定",
    "rule": "按规则",
    "claimer": "认领在先",
    "suggested": "回退单位建议，派遣员已同意回退",
    "none": "没有找到承办单位",
}
BASIS_EN = {
    "owner_first": "components go to their owner first",
    "unowned_fallback": "unowned component: the territory is the fallback",
    "territory_first": "events go to the territory first",
    "line_department": "the rule names the line department",
    "arbitration": "arbitration ruling",
    "rule": "by rule",
    "claimer": "claimed before the territory",
    "suggested": "named by the unit whose return was approved",
    "none": "no responsible unit found",
}
NOTE_ZH = {
    "no_component": "案件没有关联部件",
    "no_role_unit": "部件未登记该单位",
    "no_territory": "网格没有对应的属地单位",
    "inactive": "单位已撤销",
    "excluded": "该单位已回退本案",
    "outranked": "被更优先的规则取代",
    "same_unit": "指向同一单位",
    "chosen": "采用",
    "alternative": "备选",
}
NOTE_EN = {
    "no_component": "the case names no component",
    "no_role_unit": "the component record names no such unit",
    "no_territory": "the grid has no territorial unit",
    "inactive": "the unit is no longer active",
    "excluded": "this unit returned the case",
    "outranked": "outranked by a stronger rule",
    "same_unit": "names the same unit",
    "chosen": "chosen",
    "alternative": "alternative",
}


def rule_basis(rule: CompiledRule, kind: str) -> str:
    """What kind of reason a rule gives, in the vocabulary of DOMAIN.md §5."""
    if rule.source == "arbitration":
        return "arbitration"
    if rule.target == "owner":
        return "owner_first"
    if rule.territorial and kind == "event":
        return "territory_first"
    if rule.target == "unit" and kind == "event":
        return "line_department"
    return "rule"


def short_code(code: str) -> str:
    """A 16-digit component ID as a dispatcher reads it aloud: 3205…0001."""
    return f"{code[:4]}…{code[-4:]}" if len(code) > 10 else code


def headline(facts: Facts, rs: RuleSet) -> tuple[str, str]:
    name, name_en = rs.category_name(facts.kind, facts.category_code)
    component = f" {short_code(facts.component.code)}" if facts.component else ""
    return (
        f"{facts.category_code} {name}{component}".strip(),
        f"{facts.category_code} {name_en or name}{component}".strip(),
    )


def sentence(
    facts: Facts,
    rs: RuleSet,
    *,
    unit: UnitInfo | None,
    role: str,
    basis: str,
    rule: CompiledRule | None,
    basis_text: tuple[str, str] | None = None,
) -> tuple[str, str]:
    """One line each in Chinese and English: "0101 上水井盖 3205…0001：权属单位 自来水公司 — 部件先属主"."""
    head_zh, head_en = headline(facts, rs)
    why_zh, why_en = basis_text or (BASIS_ZH[basis], BASIS_EN[basis])
    if rule is not None:
        why_zh += f"（规则 #{rule.id}「{rule.name}」）"
        why_en += f" (rule #{rule.id} “{rule.name}”)"
    if unit is None:
        return f"{head_zh}：{why_zh}", f"{head_en}: {why_en}"
    return (
        f"{head_zh}：{ROLE_ZH[role]} {unit.name} — {why_zh}",
        f"{head_en}: {ROLE_EN[role]} {unit.name_en or unit.name} — {why_en}",
    )
