"""The demo city's routing rules (a demo build step), and what the simulated dispatchers read from
routing.

The rules read the way a real district's do, and each district has its own: components go to their
owner (utilities' covers and the landscaping contractor's trees are dispatched automatically), the
unowned ones to the territory (flagged); events go to the territory of their grid (the street, or the
property manager of a gated estate), except where a line department is named: enforcement for illegal
structures and vendors, the traffic police for parking, the utilities for burst mains. A district
without some department has the rules for it sent to the unit standing in for it, or none. One street
has contracted its refuse collection out; every emergency also tells the emergency bureau.

The city's own rules (``level="city"``: the city command centre commands these cases, 两级指挥) send
illegal taxis to the city's traffic police and the bridges it owns to its municipal facilities office,
in every district.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, NamedTuple

from cityloop.cases.models import Case
from cityloop.core.models import Unit, User
from cityloop.core.units import units_by_id
from cityloop.routing.actions import import_rules
from cityloop.routing.models import ReturnRecord

from .city import GRIDS_VALID_FROM, DemoCity, DemoDistrict

if TYPE_CHECKING:
    from .simulate import Simulator


class DemoRule(NamedTuple):
    """One rule of the demo city. ``area`` is district or street1 (the first street) for a rule every
    district has, with ``unit`` a key of :data:`cityloop.demo.org.DEPARTMENTS` or
    :data:`~cityloop.demo.org.COMPANIES`; or city for one of the city's own, with ``unit`` a key of
    :data:`~cityloop.demo.org.CITY_UNITS`."""

    name: str
    kind: str
    category: str
    target: str
    unit: str = ""
    auto: bool = False
    area: str = "district"
    level: str = "district"
    purpose: str = "dispatch"


R = DemoRule
RULES: tuple[DemoRule, ...] = (
    R("部件先属主", "component", "", "owner"),
    R("公用设施井盖由权属单位直接处置", "component", "01", "owner", auto=True),
    R("无主井盖交主管部门", "component", "0114", "authority"),
    R("园林部件交养护单位", "component", "04", "maintainer", auto=True),
    R("垃圾箱交环卫作业公司", "component", "0305", "maintainer"),
    R("公厕交环卫作业公司", "component", "0301", "maintainer"),
    R("交通护栏交养护单位", "component", "0211", "maintainer"),
    R("事件先属地", "event", "", "grid"),
    R("私搭乱建交执法大队", "event", "0101", "unit", "enforcement", auto=True),
    R("积存渣土交执法大队", "event", "0103", "unit", "enforcement"),
    R("道路不洁交环卫所", "event", "0104", "unit", "sanitation", auto=True),
    R("水域不洁交水务局", "event", "0105", "unit", "water_affairs"),
    R("绿地脏乱交园林所", "event", "0106", "unit", "landscaping"),
    R("废弃车辆交交警", "event", "0107", "unit", "traffic_police"),
    R("违章广告牌匾交执法", "event", "0202", "unit", "enforcement"),
    R("占道广告牌交执法", "event", "0203", "unit", "enforcement"),
    R("施工扰民交住建局", "event", "0301", "unit", "housing"),
    R("工地扬尘交住建局", "event", "0302", "unit", "housing"),
    R("施工占道交市政", "event", "0304", "unit", "municipal"),
    R("无证掘路交市政", "event", "0305", "unit", "municipal"),
    R("路面塌陷交市政", "event", "0401", "unit", "municipal", auto=True),
    R("自来水管破裂交自来水公司", "event", "0402", "unit", "water", auto=True),
    R("燃气管道破裂交燃气集团（市级指挥）", "event", "0403", "unit", "gas", auto=True, level="city"),
    R("下水道堵塞交市政", "event", "0404", "unit", "municipal", auto=True),
    R("热力管道破裂交热力公司", "event", "0405", "unit", "heating", auto=True),
    R("道路积水交水务局", "event", "0406", "unit", "water_affairs", auto=True),
    R("道路积雪交环卫所", "event", "0407", "unit", "sanitation", auto=True),
    R("架空线缆损坏交供电", "event", "0408", "unit", "power"),
    R("游商交执法大队", "event", "0501", "unit", "enforcement", auto=True),
    R("占道废品收购交执法", "event", "0503", "unit", "enforcement"),
    R("机动车乱停放交交警", "event", "0505", "unit", "traffic_police", auto=True),
    R("商业噪音交执法", "event", "0508", "unit", "enforcement"),
    R(
        "黑车拉客由市交警支队统一处置（市级指挥）",
        "event",
        "0509",
        "unit",
        "city_traffic_police",
        area="city",
        level="city",
    ),
    R(
        "过街天桥由权属单位市市政设施管理处处置（市级指挥）",
        "component",
        "0205",
        "owner",
        area="city",
        level="city",
    ),
    R(
        "跨河桥交市市政设施管理处（市级指挥）",
        "component",
        "0208",
        "unit",
        "city_municipal",
        area="city",
        level="city",
    ),
    R("露天烧烤交执法", "event", "0510", "unit", "enforcement"),
    R("首街道暴露垃圾由环卫服务公司清运", "event", "0102", "unit", "sanitation_contractor", area="street1"),
    R("突发与紧急案件通知应急管理局", "", "", "unit", "emergency", purpose="emergency"),
)


def _row(rule: DemoRule, area: str, target_unit: str) -> dict[str, Any]:
    return {
        "name": rule.name,
        "purpose": rule.purpose,
        "kind": rule.kind,
        "category": rule.category,
        "area": area,
        "target": rule.target,
        "target_unit": target_unit,
        "auto_dispatch": "1" if rule.auto else "0",
        "level": rule.level,
        "valid_from": GRIDS_VALID_FROM.isoformat(),
    }


def district_rule_rows(district: DemoDistrict) -> list[dict[str, Any]]:
    """The district's own rules as import rows: a rule naming a unit the district lacks goes to the
    unit standing in for it, or is left out when nobody does."""
    areas = {"district": district.district.code, "street1": district.streets[0].code}
    rows = []
    for r in RULES:
        if r.area == "city":
            continue
        unit = district.find(r.unit) if r.unit else None
        if r.unit and unit is None:
            continue
        rows.append(_row(r, areas[r.area], unit.code if unit else ""))
    return rows


def rule_rows(city: DemoCity) -> list[dict[str, Any]]:
    """The demo rules as import rows, in force since the grids are: each district's, then the city's."""
    rows = [row for district in city.districts for row in district_rule_rows(district)]
    rows += [
        _row(r, city.city.code, city.city_units[r.unit].code if r.unit else "")
        for r in RULES
        if r.area == "city"
    ]
    return rows


def rules_step(city: DemoCity, *, actor: User) -> None:
    """Routing rules (owner first, territory first, line departments, emergencies)."""
    counts = import_rules(rule_rows(city), actor=actor)
    city.summary["routing rules"] = counts["created"] + counts["unchanged"]


def suggested_units(case: Case) -> list[int]:
    """The units routing suggests for the case, best first: its choice, then the alternatives."""
    decision = case.routing or {}
    units = [decision.get("unit"), *[a.get("unit") for a in decision.get("alternatives") or []]]
    return [u["id"] for u in units if u]


def choose_unit(case: Case, *, exclude: bool = False) -> Unit:
    """The unit a dispatcher sends ``case`` to: routing's suggestion (``exclude`` takes the first
    alternative that is not the unit now responsible)."""
    ids = [u for u in suggested_units(case) if not exclude or u != case.responsible_unit_id]
    unit = units_by_id(ids[:1]).get(ids[0]) if ids else None
    return unit or case.street or case.district


def _staffed(sim: Simulator, case: Case, ids: list[int], but: int | None) -> list[int]:
    """The units among ``ids`` (but ``but``) that have a handler and that the case's centre may send
    it to (a district's centre never sends a case to a city unit)."""
    return [u for u in ids if u != but and u in sim.staff.handlers and sim.staff.may_take(case, u)]


def _fallback_units(case: Case) -> list[int]:
    """Where a dispatcher sends a case nobody is left to take: the district's sanitation office and
    enforcement brigade, which take most street problems."""
    codes = [f"{case.district.code}-HW", f"{case.district.code}-ZF"]
    return list(Unit.objects.filter(code__in=codes).values_list("pk", flat=True))


def dispatch(sim: Simulator, case: Case, dispatcher: User, at: dt.datetime) -> Case:
    """The dispatcher takes routing's suggestion; now and then they know better and override it,
    saying why. When routing has no unit left (every candidate returned the case), they pick one."""
    suggested = suggested_units(case)
    others = _staffed(sim, case, suggested[1:], None)
    if others and sim.rng.random() < sim.odds.overridden:
        return sim._act(case, "dispatch", dispatcher, at, unit=others[0], reason="现场核实后改派更合适的单位")
    if not (case.routing or {}).get("unit"):
        returned = set(
            ReturnRecord.objects.filter(case_id=case.pk).values_list("returning_unit_id", flat=True)
        )
        fallback = [case.street_id or 0, *_fallback_units(case)]
        pick = [u for u in _staffed(sim, case, fallback, None) if u not in returned] or _staffed(
            sim, case, fallback, None
        )
        return sim._act(case, "dispatch", dispatcher, at, unit=pick[0] if pick else None)
    return sim._act(case, "dispatch", dispatcher, at)


def bounce(sim: Simulator, case: Case, at: dt.datetime) -> tuple[Case, dt.datetime]:
    """The unit returns the case (mostly naming another unit); the dispatcher of the centre commanding
    it approves (or rejects) and re-dispatches where routing now suggests; the next unit may return it
    too, and the second approved return sends it to arbitration, where the shift leader rules (mostly
    making a rule of it)."""
    rng, odds = sim.rng, sim.odds
    while True:
        current = case.responsible_unit_id
        named = _staffed(sim, case, suggested_units(case), current) or _staffed(
            sim, case, [case.street_id or 0], current
        )
        payload: dict[str, Any] = {"reason": "经现场核实，非本单位职责"}
        if named and rng.random() < odds.names_other_unit:
            payload["suggested_unit"] = named[0]
        at = sim._later(at, (20, 240))
        case = sim._act(case, "request_return", sim.staff.handlers.get(current or 0), at, **payload)
        at = sim._later(at, (10, 60))
        if rng.random() < odds.return_rejected:
            return sim._act(
                case, "reject_return", sim.crew(case).dispatcher, at, reason="职责明确，请继续处置"
            ), at
        case = sim._act(case, "approve_return", sim.crew(case).dispatcher, at)
        if case.state == "arbitration":
            referral = case.events.filter(transition="refer_to_arbitration").order_by("-seq").first()
            involved = [h["returned_by"]["id"] for h in (referral.data.get("returns") if referral else [])]
            ruled = rng.choice(_staffed(sim, case, involved + named, None) or [current or 0])
            at = sim._later(at, (60, 600))
            case = sim._act(
                case,
                "rule_arbitration",
                sim.crew(case).shift_leader,
                at,
                unit=ruled,
                reason="联席会议裁定责任单位",
                make_rule=rng.random() < odds.ruling_makes_rule,
            )
            return case, at
        at = sim._later(at, (5, 30))
        case = dispatch(sim, case, sim.crew(case).dispatcher, at)
        if rng.random() >= odds.returned_again:
            return case, at
