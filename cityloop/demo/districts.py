"""The demo city's districts as specifications: what differs between 云湖区 and 临江区.

Everything that builds a district (the plan, the organisation, the people, the routing rules, the
components) takes a :class:`DistrictSpec`, so the second district is the first one's code run again
with other numbers, not a copy of it. The first district, 云湖区, is built exactly as it always was for
a seed; the second, 临江区, lies east of it across the river, is smaller and has fewer departments.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from . import names
from .layout import DEFAULT_SHAPE, Shape

CITY_CODE, CITY_NAME, CITY_NAME_EN = "990100", "示范市", "Demo City"


@dataclass(frozen=True)
class DistrictSpec:
    """One demo district.

    ``short``/``short_en`` name its units (云湖区环境卫生管理所, "Yunhu Sanitation Office"); ``prefix``
    starts its usernames (none for the first district, whose users were there first); ``centre_staff``
    is how many operators, shift leaders, dispatchers and leaders it has; ``departments`` and
    ``companies`` are the keys of :data:`cityloop.demo.org.DEPARTMENTS` and
    :data:`~cityloop.demo.org.COMPANIES` it has (all when empty); ``stand_ins`` says which unit
    answers for one it lacks (``None``: nobody, so components and rules for it are left out);
    ``renamed`` gives a unit key a name of its own (a contractor that is not named after the district).
    """

    code: str
    name: str
    name_en: str
    short: str
    short_en: str
    origin: tuple[float, float]  # lon/lat of the middle of the district
    shape: Shape = DEFAULT_SHAPE
    pools: names.NamePools = field(default_factory=names.NamePools)
    prefix: str = ""
    centre_staff: int = 2
    departments: tuple[str, ...] = ()
    companies: tuple[str, ...] = ()
    stand_ins: Mapping[str, str | None] = field(default_factory=dict)
    renamed: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """The label its randomness is drawn under (empty for the first district: as ever)."""
        return "" if self is DISTRICTS[0] else self.code

    def label(self, label: str) -> str:
        """``label`` for this district's own generator: ``"people"`` or ``"people:990103"``."""
        return f"{label}:{self.key}" if self.key else label

    def has(self, key: str, *, companies: bool = False) -> bool:
        """Whether the district has the department (or company) ``key``."""
        wanted = self.companies if companies else self.departments
        return not wanted or key in wanted

    def resolve(self, key: str) -> str | None:
        """The key of the unit that answers for ``key`` in this district (``None``: nobody)."""
        return self.stand_ins.get(key, key)


# Province 99 is unused by GB/T 2260, so no real county can ever clash with the demo.
YUNHU = DistrictSpec(
    code="990102",
    name="云湖区",
    name_en="Yunhu District",
    short="云湖",
    short_en="Yunhu",
    # Around Nanjing's old city: the demo looks at home on a map of eastern China.
    origin=(118.785, 32.046),
)

# East of Yunhu across the river, drawn on 2 × 2 super-blocks: about half Yunhu's size. Its middle lies
# 3.3 km east of Yunhu's; Yunhu reaches at most 1.84 km east of its middle and Linjiang 0.94 km west
# of its own, so at least 500 m of river lie between their grids whatever the seed.
LINJIANG = DistrictSpec(
    code="990103",
    name="临江区",
    name_en="Linjiang District",
    short="临江",
    short_en="Linjiang",
    origin=(118.820, 32.043),
    shape=Shape(columns=2, rows=2, streets=(3, 4), communities=(14, 20)),
    pools=names.LINJIANG,
    prefix="lj_",
    centre_staff=1,
    departments=(
        "command_centre",
        "municipal",
        "sanitation",
        "landscaping",
        "enforcement",
        "water_affairs",
        "traffic_police",
        "street_lighting",
        "emergency",
    ),
    companies=(
        "water",
        "gas",
        "power",
        "telecom",
        "sanitation_contractor",
        "greening_contractor",
        "property",
    ),
    # A smaller district: the municipal office looks after traffic signs, enforcement after building
    # sites, China Telecom owns every communication cover, there is no district heating.
    stand_ins={
        "traffic": "municipal",
        "housing": "enforcement",
        "mobile": "telecom",
        "unicom": "telecom",
        "cable_tv": "telecom",
        "heating": None,
        "property_b": "property",
    },
    renamed={
        "sanitation_contractor": ("临江净源环境服务有限公司", "Linjiang Clean Source Environmental Services"),
        "greening_contractor": ("临江江岸园林养护有限公司", "Linjiang Riverbank Landscape Maintenance"),
    },
)

DISTRICTS: tuple[DistrictSpec, ...] = (YUNHU, LINJIANG)


def district_spec(code: str) -> DistrictSpec:
    """The spec of the demo district coded ``code``."""
    for spec in DISTRICTS:
        if spec.code == code:
            return spec
    raise KeyError(f"no demo district {code!r}")
