"""The demo district's organisation: city, district, streets, communities, the departments and companies
a real district has, and community service stations. Every unit has a stable code.

Streets and communities carry admin-style codes (district + 3 digits, street + 3 digits). Departments
and companies have no admin code, so theirs is the district code plus the pinyin initials cities use
for them in their own systems (``990102-HW`` for 环卫); stations add ``-ZZ`` (治理服务站) to their
community's code.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from cityloop.core.actions import create_unit
from cityloop.core.models import Unit, UnitKind, User

from .plan import CITY_CODE, CITY_NAME, CITY_NAME_EN, DISTRICT_CODE, DISTRICT_NAME, DISTRICT_NAME_EN, CityPlan

STATION_SHARE = 1 / 3  # about this share of the communities run a service station (城市治理服务站)


@dataclass(frozen=True)
class UnitSpec:
    """A department or company of the demo district: stable English key, code suffix and names."""

    key: str
    abbr: str
    name: str
    name_en: str

    @property
    def code(self) -> str:
        return f"{DISTRICT_CODE}-{self.abbr}"


# Line departments (专业部门) under the district; the command centre is where operators, shift leaders
# and dispatchers work.
DEPARTMENTS: tuple[UnitSpec, ...] = (
    UnitSpec(
        "command_centre", "ZH", "云湖区城市运行管理服务指挥中心", "Yunhu City Management Command Centre"
    ),
    UnitSpec("municipal", "SZ", "云湖区市政工程管理处", "Yunhu Municipal Works Office"),
    UnitSpec("sanitation", "HW", "云湖区环境卫生管理所", "Yunhu Sanitation Office"),
    UnitSpec("landscaping", "YL", "云湖区园林绿化管理所", "Yunhu Landscaping Office"),
    UnitSpec(
        "enforcement", "ZF", "云湖区城市管理综合行政执法大队", "Yunhu City Management Enforcement Brigade"
    ),
    UnitSpec("water_affairs", "SW", "云湖区水务局", "Yunhu Water Affairs Bureau"),
    UnitSpec("traffic", "JT", "云湖区交通运输局", "Yunhu Transport Bureau"),
    UnitSpec(
        "traffic_police", "JJ", "示范市公安局交通警察支队云湖大队", "Demo City Traffic Police, Yunhu Brigade"
    ),
    UnitSpec("street_lighting", "LD", "云湖区路灯管理所", "Yunhu Street Lighting Office"),
    UnitSpec("emergency", "YJ", "云湖区应急管理局", "Yunhu Emergency Management Bureau"),
    UnitSpec("housing", "ZJ", "云湖区住房和城乡建设局", "Yunhu Housing and Construction Bureau"),
)

# Utilities, contractors and property managers that own or look after components in the district.
COMPANIES: tuple[UnitSpec, ...] = (
    UnitSpec("water", "ZLS", "示范市自来水有限公司云湖分公司", "Demo City Water Supply Co., Yunhu Branch"),
    UnitSpec("gas", "RQ", "示范市燃气集团有限公司云湖分公司", "Demo City Gas Group, Yunhu Branch"),
    UnitSpec("power", "GD", "示范市供电公司云湖供电中心", "Demo City Power Supply, Yunhu Centre"),
    UnitSpec("telecom", "DX", "中国电信示范市分公司云湖分局", "China Telecom Demo City, Yunhu Office"),
    UnitSpec("mobile", "YD", "中国移动示范市分公司云湖分公司", "China Mobile Demo City, Yunhu Branch"),
    UnitSpec("unicom", "LT", "中国联通示范市分公司云湖分公司", "China Unicom Demo City, Yunhu Branch"),
    UnitSpec("cable_tv", "GDWL", "示范市广电网络有限公司云湖分公司", "Demo City Cable Network, Yunhu Branch"),
    UnitSpec("heating", "RL", "示范市热力有限公司云湖分公司", "Demo City Heating Co., Yunhu Branch"),
    UnitSpec(
        "sanitation_contractor", "HWBJ", "示范洁城环境服务有限公司", "Demo Clean City Environmental Services"
    ),
    UnitSpec(
        "greening_contractor", "LHYH", "示范绿源园林养护有限公司", "Demo Green Source Landscape Maintenance"
    ),
    UnitSpec("property", "WY1", "云湖物业管理有限公司", "Yunhu Property Management Co."),
    UnitSpec("property_b", "WY2", "锦程物业服务有限公司", "Jincheng Property Services Co."),
)


@dataclass
class DemoOrg:
    """The units of the demo district, as created."""

    city: Unit
    district: Unit
    streets: list[Unit] = field(default_factory=list)
    communities: list[Unit] = field(default_factory=list)
    stations: list[Unit] = field(default_factory=list)
    departments: dict[str, Unit] = field(default_factory=dict)
    companies: dict[str, Unit] = field(default_factory=dict)

    def count(self) -> int:
        return 2 + sum(
            map(len, (self.streets, self.communities, self.stations, self.departments, self.companies))
        )


def _station_communities(rng: random.Random, plan: CityPlan) -> set[str]:
    codes = [c.code for c in plan.communities]
    return set(rng.sample(codes, max(1, round(len(codes) * STATION_SHARE))))


def create_org(plan: CityPlan, *, actor: User, rng: random.Random) -> DemoOrg:
    """Create the demo city's units through :func:`cityloop.core.actions.create_unit`."""
    city = create_unit(actor=actor, code=CITY_CODE, name=CITY_NAME, name_en=CITY_NAME_EN, kind=UnitKind.CITY)
    district = create_unit(
        actor=actor,
        code=DISTRICT_CODE,
        name=DISTRICT_NAME,
        name_en=DISTRICT_NAME_EN,
        kind=UnitKind.DISTRICT,
        parent=city,
    )
    org = DemoOrg(city=city, district=district)
    for spec in DEPARTMENTS:
        org.departments[spec.key] = create_unit(
            actor=actor,
            code=spec.code,
            name=spec.name,
            name_en=spec.name_en,
            kind=UnitKind.DEPARTMENT,
            parent=district,
        )
    for spec in COMPANIES:
        org.companies[spec.key] = create_unit(
            actor=actor,
            code=spec.code,
            name=spec.name,
            name_en=spec.name_en,
            kind=UnitKind.COMPANY,
            parent=district,
        )
    streets = {}
    for street in plan.streets:
        streets[street.code] = create_unit(
            actor=actor, code=street.code, name=street.name, kind=UnitKind.STREET, parent=district
        )
        org.streets.append(streets[street.code])
    with_station = _station_communities(rng, plan)
    for community in plan.communities:
        unit = create_unit(
            actor=actor,
            code=community.code,
            name=community.name,
            kind=UnitKind.COMMUNITY,
            parent=streets[community.street_code],
        )
        org.communities.append(unit)
        if community.code in with_station:
            org.stations.append(
                create_unit(
                    actor=actor,
                    code=f"{community.code}-ZZ",
                    name=f"{community.name}城市治理服务站",
                    kind=UnitKind.STATION,
                    parent=unit,
                )
            )
    return org


def property_managed(rng: random.Random, org: DemoOrg) -> dict[str, str]:
    """Communities whose grids a property manager is responsible for (gated estates), mapped to the
    manager's unit code; elsewhere the street answers for its grids (属地兜底)."""
    managers = [org.companies["property"].code, org.companies["property_b"].code]
    chosen = rng.sample([c.code for c in org.communities], max(2, len(org.communities) // 8))
    return {code: managers[i % len(managers)] for i, code in enumerate(sorted(chosen))}
