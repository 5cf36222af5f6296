"""The demo district's routing rules (a demo build step), and what the simulated dispatchers read from
routing.

The rules read the way a real district's do: components go to their owner (utilities' covers and
the landscaping contractor's trees are dispatched automatically), the unowned ones to the territory
(flagged); events go to the territory of their grid (the street, or the property manager of a gated
estate), except where a line department is named: enforcement for illegal structures and vendors,
the traffic police for parking, the utilities for burst mains. One street has contracted its refuse
collection out; the city commands illegal taxis; every emergency also tells the emergency bureau.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, NamedTuple

from cityloop.cases.models import Case
from cityloop.core.models import Unit, User
from cityloop.core.units import units_by_id
from cityloop.routing.actions import import_rules
from cityloop.routing.models import ReturnRecord

from .city import GRIDS_VALID_FROM, DemoCity
from .plan import DISTRICT_CODE

if TYPE_CHECKING:
    from .simulate import Simulator


class DemoRule(NamedTuple):
    """One rule of the demo district; ``area`` is district, city or street1 (the first street), ``unit``
    a key of :data:`cityloop.demo.org.DEPARTMENTS` or :data:`~cityloop.demo.org.COMPANIES`."""

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
    R("黑车拉客由市交警统一处置", "event", "0509", "unit", "traffic_police", area="city", level="city"),
    R("露天烧烤交执法", "event", "0510", "unit", "enforcement"),
    R("首街道暴露垃圾由环卫服务公司清运", "event", "0102", "unit", "sanitation_contractor", area="street1"),
    R("突发与紧急案件通知应急管理局", "", "", "unit", "emergency", purpose="emergency"),
)


def rule_rows(city: DemoCity) -> list[dict[str, Any]]:
    """The demo rules as import rows, in force since the grids are."""
    areas = {"district": city.district.code, "city": city.city.code, "street1": city.streets[0].code}
    return [
        {
            "name": r.name,
            "purpose": r.purpose,
            "kind": r.kind,
            "category": r.category,
            "area": areas[r.area],
            "target": r.target,
            "target_unit": city.unit(r.unit).code if r.unit else "",
            "auto_dispatch": "1" if r.auto else "0",
            "level": r.level,
            "valid_from": GRIDS_VALID_FROM.isoformat(),
        }
        for r in RULES
    ]


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


def _staffed(sim: Simulator, ids: list[int], but: int | None) -> list[int]:
    return [u for u in ids if u != but and u in sim.staff.handlers]


def dispatch(sim: Simulator, case: Case, dispatcher: User, at: dt.datetime) -> Case:
    """The dispatcher takes routing's suggestion; now and then they know better and override it,
    saying why. When routing has no unit left (every candidate returned the case), they pick one."""
    suggested = suggested_units(case)
    others = _staffed(sim, suggested[1:], None)
    if others and sim.rng.random() < sim.odds.overridden:
        return sim._act(case, "dispatch", dispatcher, at, unit=others[0], reason="现场核实后改派更合适的单位")
    if not (case.routing or {}).get("unit"):
        returned = set(
            ReturnRecord.objects.filter(case_id=case.pk).values_list("returning_unit_id", flat=True)
        )
        departments = Unit.objects.filter(code__in=[f"{DISTRICT_CODE}-HW", f"{DISTRICT_CODE}-ZF"])
        fallback = [case.street_id or 0, *departments.values_list("pk", flat=True)]
        pick = [u for u in _staffed(sim, fallback, None) if u not in returned] or _staffed(
            sim, fallback, None
        )
        return sim._act(case, "dispatch", dispatcher, at, unit=pick[0] if pick else None)
    return sim._act(case, "dispatch", dispatcher, at)


def bounce(
    sim: Simulator, case: Case, at: dt.datetime, dispatcher: User, leader: User
) -> tuple[Case, dt.datetime]:
    """The unit returns the case (mostly naming another unit); the dispatcher approves (or rejects) and
    re-dispatches where routing now suggests; the next unit may return it too, and the second approved
    return sends it to arbitration, where the shift leader rules (mostly making a rule of it)."""
    rng, odds = sim.rng, sim.odds
    while True:
        current = case.responsible_unit_id
        named = _staffed(sim, suggested_units(case), current) or _staffed(sim, [case.street_id or 0], current)
        payload: dict[str, Any] = {"reason": "经现场核实，非本单位职责"}
        if named and rng.random() < odds.names_other_unit:
            payload["suggested_unit"] = named[0]
        at = sim._later(at, (20, 240))
        case = sim._act(case, "request_return", sim.staff.handlers.get(current or 0), at, **payload)
        at = sim._later(at, (10, 60))
        if rng.random() < odds.return_rejected:
            return sim._act(case, "reject_return", dispatcher, at, reason="职责明确，请继续处置"), at
        case = sim._act(case, "approve_return", dispatcher, at)
        if case.state == "arbitration":
            referral = case.events.filter(transition="refer_to_arbitration").order_by("-seq").first()
            involved = [h["returned_by"]["id"] for h in (referral.data.get("returns") if referral else [])]
            ruled = rng.choice(_staffed(sim, involved + named, None) or [current or 0])
            at = sim._later(at, (60, 600))
            case = sim._act(
                case,
                "rule_arbitration",
                leader,
                at,
                unit=ruled,
                reason="联席会议裁定责任单位",
                make_rule=rng.random() < odds.ruling_makes_rule,
            )
            return case, at
        at = sim._later(at, (5, 30))
        case = dispatch(sim, case, dispatcher, at)
        if rng.random() >= odds.returned_again:
            return case, at
