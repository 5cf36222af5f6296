"""The demo city's organisation: the city with its command centre and city-level departments, and in
each district the district, streets, communities, the departments and companies a real district has,
and community service stations. Every unit has a stable code.

Streets and communities carry admin-style codes (district + 3 digits, street + 3 digits). Departments
and companies have no admin code, so theirs is their district's (or the city's) code plus the pinyin
initials cities use for them in their own systems (``990102-HW`` for 环卫, ``990100-ZH`` for the city's
指挥中心); stations add ``-ZZ`` (治理服务站) to their community's code.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from cityloop.core.actions import create_unit
from cityloop.core.models import Unit, UnitKind, User

from .districts import CITY_CODE, CITY_NAME, CITY_NAME_EN, YUNHU, DistrictSpec
from .plan import CityPlan

STATION_SHARE = 1 / 3  # about this share of the communities run a service station (城市治理服务站)


@dataclass(frozen=True)
class UnitSpec:
    """A department or company of a demo district (or of the city): stable English key, code suffix
    and names, in which ``{d}``/``{e}`` stand for the district's short Chinese/English name."""

    key: str
    abbr: str
    name: str
    name_en: str

    @property
    def code(self) -> str:
        """The unit's code in the first district (云湖区)."""
        return self.code_in(YUNHU.code)

    def code_in(self, parent_code: str) -> str:
        return f"{parent_code}-{self.abbr}"

    def names_in(self, spec: DistrictSpec) -> tuple[str, str]:
        """The unit's Chinese and English names in the district ``spec``."""
        if self.key in spec.renamed:
            return spec.renamed[self.key]
        return self.name.format(d=spec.short), self.name_en.format(e=spec.short_en)


# Line departments (专业部门) under a district; the command centre is where operators, shift leaders
# and dispatchers work.
DEPARTMENTS: tuple[UnitSpec, ...] = (
    UnitSpec("command_centre", "ZH", "{d}区城市运行管理服务指挥中心", "{e} City Management Command Centre"),
    UnitSpec("municipal", "SZ", "{d}区市政工程管理处", "{e} Municipal Works Office"),
    UnitSpec("sanitation", "HW", "{d}区环境卫生管理所", "{e} Sanitation Office"),
    UnitSpec("landscaping", "YL", "{d}区园林绿化管理所", "{e} Landscaping Office"),
    UnitSpec("enforcement", "ZF", "{d}区城市管理综合行政执法大队", "{e} City Management Enforcement Brigade"),
    UnitSpec("water_affairs", "SW", "{d}区水务局", "{e} Water Affairs Bureau"),
    UnitSpec("traffic", "JT", "{d}区交通运输局", "{e} Transport Bureau"),
    UnitSpec(
        "traffic_police", "JJ", "示范市公安局交通警察支队{d}大队", "Demo City Traffic Police, {e} Brigade"
    ),
    UnitSpec("street_lighting", "LD", "{d}区路灯管理所", "{e} Street Lighting Office"),
    UnitSpec("emergency", "YJ", "{d}区应急管理局", "{e} Emergency Management Bureau"),
    UnitSpec("housing", "ZJ", "{d}区住房和城乡建设局", "{e} Housing and Construction Bureau"),
)

# Utilities, contractors and property managers that own or look after components in a district.
COMPANIES: tuple[UnitSpec, ...] = (
    UnitSpec("water", "ZLS", "示范市自来水有限公司{d}分公司", "Demo City Water Supply Co., {e} Branch"),
    UnitSpec("gas", "RQ", "示范市燃气集团有限公司{d}分公司", "Demo City Gas Group, {e} Branch"),
    UnitSpec("power", "GD", "示范市供电公司{d}供电中心", "Demo City Power Supply, {e} Centre"),
    UnitSpec("telecom", "DX", "中国电信示范市分公司{d}分局", "China Telecom Demo City, {e} Office"),
    UnitSpec("mobile", "YD", "中国移动示范市分公司{d}分公司", "China Mobile Demo City, {e} Branch"),
    UnitSpec("unicom", "LT", "中国联通示范市分公司{d}分公司", "China Unicom Demo City, {e} Branch"),
    UnitSpec("cable_tv", "GDWL", "示范市广电网络有限公司{d}分公司", "Demo City Cable Network, {e} Branch"),
    UnitSpec("heating", "RL", "示范市热力有限公司{d}分公司", "Demo City Heating Co., {e} Branch"),
    UnitSpec(
        "sanitation_contractor", "HWBJ", "示范洁城环境服务有限公司", "Demo Clean City Environmental Services"
    ),
    UnitSpec(
        "greening_contractor", "LHYH", "示范绿源园林养护有限公司", "Demo Green Source Landscape Maintenance"
    ),
    UnitSpec("property", "WY1", "{d}物业管理有限公司", "{e} Property Management Co."),
    UnitSpec("property_b", "WY2", "锦程物业服务有限公司", "Jincheng Property Services Co."),
)

# The city's own units, directly under the city: its command centre (两级指挥: the city commands the
# cases that are the city's) and the departments that handle them. Keys start with ``city_``.
CITY_UNITS: tuple[UnitSpec, ...] = (
    UnitSpec(
        "city_command_centre", "ZH", "示范市城市运行管理服务指挥中心", "Demo City Management Command Centre"
    ),
    UnitSpec("city_municipal", "SZ", "示范市市政设施管理处", "Demo City Municipal Facilities Office"),
    UnitSpec(
        "city_traffic_police", "JJ", "示范市公安局交通警察支队", "Demo City Public Security Traffic Police"
    ),
)


@dataclass
class CityOrg:
    """The city and its own units (by key)."""

    city: Unit
    units: dict[str, Unit] = field(default_factory=dict)


def create_city(*, actor: User) -> CityOrg:
    """Create the city, its command centre and its city-level departments."""
    city = create_unit(actor=actor, code=CITY_CODE, name=CITY_NAME, name_en=CITY_NAME_EN, kind=UnitKind.CITY)
    org = CityOrg(city)
    for spec in CITY_UNITS:
        org.units[spec.key] = create_unit(
            actor=actor,
            code=spec.code_in(CITY_CODE),
            name=spec.name,
            name_en=spec.name_en,
            kind=UnitKind.DEPARTMENT,
            parent=city,
        )
    return org


@dataclass
class DemoOrg:
    """The units of one demo district, as created."""

    spec: DistrictSpec
    city: Unit
    district: Unit
    streets: list[Unit] = field(default_factory=list)
    communities: list[Unit] = field(default_factory=list)
    stations: list[Unit] = field(default_factory=list)
    departments: dict[str, Unit] = field(default_factory=dict)
    companies: dict[str, Unit] = field(default_factory=dict)

    def count(self) -> int:
        return 1 + sum(
            map(len, (self.streets, self.communities, self.stations, self.departments, self.companies))
        )


def _station_communities(rng: random.Random, plan: CityPlan) -> set[str]:
    codes = [c.code for c in plan.communities]
    return set(rng.sample(codes, max(1, round(len(codes) * STATION_SHARE))))


def create_org(
    plan: CityPlan, *, actor: User, rng: random.Random, city: Unit, spec: DistrictSpec = YUNHU
) -> DemoOrg:
    """Create the district ``spec`` of ``plan`` under ``city`` through
    :func:`cityloop.core.actions.create_unit`: only the departments and companies it has."""
    district = create_unit(
        actor=actor, code=spec.code, name=spec.name, name_en=spec.name_en, kind=UnitKind.DISTRICT, parent=city
    )
    org = DemoOrg(spec=spec, city=city, district=district)
    for specs, found, kind in (
        (DEPARTMENTS, org.departments, UnitKind.DEPARTMENT),
        (COMPANIES, org.companies, UnitKind.COMPANY),
    ):
        for made in specs:
            if not spec.has(made.key, companies=kind == UnitKind.COMPANY):
                continue
            name, name_en = made.names_in(spec)
            found[made.key] = create_unit(
                actor=actor,
                code=made.code_in(spec.code),
                name=name,
                name_en=name_en,
                kind=kind,
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
    managers = [org.companies[key].code for key in ("property", "property_b") if key in org.companies]
    chosen = rng.sample([c.code for c in org.communities], max(2, len(org.communities) // 8))
    return {code: managers[i % len(managers)] for i, code in enumerate(sorted(chosen))}
