"""The routing principles, table-driven: owner first, unowned fallback, territory, line departments,
emergencies, area scopes, priorities, effective dates; plus ambiguity, exclusions and claimers."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cityloop.routing.claimers import Claim, register_claimer, unregister_claimer
from cityloop.routing.decide import route
from cityloop.routing.facts import Facts, facts_at

from .conftest import A1, A4, B1, B3

DAY = dt.date(2026, 3, 2)


@pytest.fixture
def rules(city: Any, actor: Any) -> Any:
    """A district's rule set, the way a real one reads."""
    o, add = city, city.rule
    add(actor, name="部件先属主", kind="component", area_unit=o.district, target="owner")
    add(
        actor,
        name="行道树交养护单位",
        kind="component",
        category_code="0402",
        area_unit=o.district,
        target="maintainer",
        auto_dispatch=True,
    )
    add(actor, name="事件先属地", kind="event", area_unit=o.district, target="grid")
    add(
        actor,
        name="私搭乱建交执法",
        kind="event",
        category_code="0101",
        area_unit=o.district,
        target="unit",
        target_unit=o.enforcement,
        auto_dispatch=True,
    )
    add(
        actor,
        name="东街道暴露垃圾交环卫所",
        kind="event",
        category_code="0102",
        area_unit=o.street_a,
        target="unit",
        target_unit=o.sanitation,
    )
    add(
        actor,
        name="西一社区道路不洁交环卫所",
        kind="event",
        category_code="0104",
        area_unit=o.community_b,
        target="unit",
        target_unit=o.sanitation,
    )
    add(
        actor,
        name="网格内绿地脏乱交园林所",
        kind="event",
        category_code="0106",
        area_grid=city_grid("990100001001004"),
        target="unit",
        target_unit=o.landscaping,
    )
    add(
        actor,
        name="全市游商交执法（市级）",
        kind="event",
        category_code="0501",
        area_unit=o.city,
        target="unit",
        target_unit=o.enforcement,
        level="city",
    )
    add(actor, name="乱停车先属地", kind="event", category_code="0505", area_unit=o.district, target="street")
    add(
        actor,
        name="乱停车交执法（优先）",
        kind="event",
        category_code="0505",
        area_unit=o.district,
        target="unit",
        target_unit=o.enforcement,
        priority=5,
    )
    add(
        actor,
        name="上半年小广告交环卫所",
        kind="event",
        category_code="0201",
        area_unit=o.district,
        target="unit",
        target_unit=o.sanitation,
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 7, 1),
    )
    add(
        actor,
        name="突发事件通知应急局",
        purpose="emergency",
        area_unit=o.district,
        target="unit",
        target_unit=o.emergency,
    )
    return city


def city_grid(code: str) -> Any:
    from cityloop.geo.models import Grid

    return Grid.objects.get(code=code)


def facts(point: tuple[float, float], code: str, kind: str = "event", on: dt.date = DAY, **kw: Any) -> Facts:
    return facts_at(point[0], point[1], kind=kind, category_code=code, on=on, **kw)


# (what, point, kind, code, component key, day, expected unit key, basis, flags that must be set)
PRINCIPLES = [
    ("owner first", A1, "component", "0101", "owned", DAY, "water", "owner_first", set()),
    (
        "unowned: territory, flagged",
        A1,
        "component",
        "0102",
        "unowned",
        DAY,
        "street_a",
        "unowned_fallback",
        {"unowned", "territorial_fallback"},
    ),
    (
        "unowned in a managed grid",
        B1,
        "component",
        "0102",
        "unowned_b1",
        DAY,
        "property",
        "unowned_fallback",
        {"unowned"},
    ),
    ("maintainer by rule", A4, "component", "0402", "tree", DAY, "contractor", "rule", set()),
    ("event: territory (street)", B3, "event", "0103", None, DAY, "street_b", "territory_first", set()),
    ("event: territory (grid's unit)", B1, "event", "0103", None, DAY, "property", "territory_first", set()),
    ("event: line department", B3, "event", "0101", None, DAY, "enforcement", "line_department", set()),
    ("street scope inside", A1, "event", "0102", None, DAY, "sanitation", "line_department", set()),
    ("street scope outside", B3, "event", "0102", None, DAY, "street_b", "territory_first", set()),
    ("community scope inside", B3, "event", "0104", None, DAY, "sanitation", "line_department", set()),
    ("community scope outside", A1, "event", "0104", None, DAY, "street_a", "territory_first", set()),
    ("grid scope inside", A4, "event", "0106", None, DAY, "landscaping", "line_department", set()),
    ("grid scope outside", A1, "event", "0106", None, DAY, "street_a", "territory_first", set()),
    ("city scope", B3, "event", "0501", None, DAY, "enforcement", "line_department", set()),
    ("priority beats narrower", A1, "event", "0505", None, DAY, "enforcement", "line_department", set()),
    ("in force", A1, "event", "0201", None, dt.date(2026, 3, 1), "sanitation", "line_department", set()),
    (
        "before it starts",
        A1,
        "event",
        "0201",
        None,
        dt.date(2025, 12, 31),
        "street_a",
        "territory_first",
        set(),
    ),
    ("after it ends", A1, "event", "0201", None, dt.date(2026, 7, 1), "street_a", "territory_first", set()),
    ("emergency event", A1, "event", "0401", None, DAY, "street_a", "territory_first", {"emergency"}),
]


@pytest.mark.parametrize(
    ("what", "point", "kind", "code", "component", "day", "unit", "basis", "flags"),
    PRINCIPLES,
    ids=[p[0] for p in PRINCIPLES],
)
def test_principles(rules, what, point, kind, code, component, day, unit, basis, flags):
    comp = rules.components[component] if component else None
    decision = route(facts(point, code, kind, day, component=comp))
    assert decision.unit is not None and decision.unit.code == getattr(rules, unit).code, decision.explanation
    assert decision.basis == basis, decision.explanation
    assert flags <= set(decision.flags)
    assert decision.chain and decision.chain[0].outcome in ("chosen", "skipped", "excluded")
    assert any(c.outcome == "chosen" for c in decision.chain)


def test_explanation_reads_like_a_dispatcher_says_it(rules):
    decision = route(facts(A1, "0101", "component", component=rules.components["owned"]))
    assert decision.explanation.startswith("0101 上水井盖 9901…0001：权属单位 自来水公司 — 部件先属主")
    assert "rule #" in decision.explanation_en and "owner" in decision.explanation_en
    assert decision.rule is not None and decision.rule.name == "部件先属主"
    assert decision.confidence >= 0.85 and not decision.auto_dispatch
    # Alternatives: the territory of the grid remains as a fallback.
    assert [a["unit"]["code"] for a in decision.alternatives] == [rules.street_a.code]
    data = decision.as_dict()
    assert data["unit"]["code"] == "D-WATER" and data["chain"][0]["outcome"] == "chosen"


def test_no_rules_at_all_still_decides_by_principle(city):
    owned = route(facts(A1, "0101", "component", component=city.components["owned"]))
    assert owned.unit.code == "D-WATER" and owned.basis == "owner_first" and owned.rule is None
    event = route(facts(B3, "0102"))
    assert event.unit.code == city.street_b.code and event.basis == "territory_first"


def test_levels_and_auto_dispatch(rules):
    city_level = route(facts(B3, "0501"))
    assert city_level.level == "city" and not city_level.auto_dispatch
    auto = route(facts(A1, "0101"))
    assert auto.auto_dispatch and auto.unit.code == rules.enforcement.code


def test_emergency_names_the_unit_to_tell(rules):
    collapse = route(facts(A1, "0401"))
    assert [u.code for u in collapse.emergency_units] == [rules.emergency.code]
    assert "应急管理局" in collapse.explanation
    urgent = route(facts(A1, "0102", urgent=True))
    assert "emergency" in urgent.flags and urgent.emergency_units
    calm = route(facts(A1, "0102"))
    assert "emergency" not in calm.flags and not calm.emergency_units


def test_rules_of_equal_rank_naming_different_units_are_ambiguous(rules, actor):
    rules.rule(
        actor,
        name="乱堆物交环卫",
        kind="event",
        category_code="0507",
        area_unit=rules.district,
        target="unit",
        target_unit=rules.sanitation,
        auto_dispatch=True,
    )
    rules.rule(
        actor,
        name="乱堆物交执法",
        kind="event",
        category_code="0507",
        area_unit=rules.district,
        target="unit",
        target_unit=rules.enforcement,
        auto_dispatch=True,
    )
    decision = route(facts(A1, "0507"))
    assert "ambiguous" in decision.flags and decision.confidence <= 0.5 and not decision.auto_dispatch
    assert {a["unit"]["code"] for a in decision.alternatives} >= {
        rules.sanitation.code,
        rules.enforcement.code,
    } - {decision.unit.code}


def test_units_that_returned_the_case_are_never_chosen(rules):
    first = facts(A1, "0101", "component", component=rules.components["owned"])
    again = route(first.excluding([rules.water.pk]))
    assert again.unit.code == rules.street_a.code and "returned" in again.flags
    assert any(c.outcome == "excluded" and c.unit.code == "D-WATER" for c in again.chain)
    suggested = route(first.excluding([rules.water.pk], suggested=rules.sanitation.pk))
    assert suggested.unit.code == rules.sanitation.code and suggested.basis == "suggested"


def test_claimers_come_before_the_territory_only(rules):
    def station(f: Facts) -> Claim | None:
        if f.kind == "event" and f.community_id == rules.community_a.pk:
            return Claim(
                rules.landscaping.pk, "社区服务站认领：小事不出社区", "the community station claims it", 0.75
            )
        return None

    register_claimer("station", station)
    try:
        claimed = route(facts(A1, "0103"))  # territorial: the station claims first
        assert claimed.unit.code == rules.landscaping.code and "claimed" in claimed.flags
        assert "社区服务站认领" in claimed.explanation and claimed.confidence == 0.75
        line = route(facts(A1, "0101"))  # a line department's rule outranks the claim
        assert line.unit.code == rules.enforcement.code
        elsewhere = route(facts(B3, "0103"))
        assert elsewhere.unit.code == rules.street_b.code
    finally:
        unregister_claimer("station")


def test_a_new_rule_is_used_at_once(rules, actor):
    assert route(facts(B3, "0504")).unit.code == rules.street_b.code
    rules.rule(
        actor,
        name="店外经营交执法",
        kind="event",
        category_code="0504",
        area_unit=rules.district,
        target="unit",
        target_unit=rules.enforcement,
    )
    assert route(facts(B3, "0504")).unit.code == rules.enforcement.code
