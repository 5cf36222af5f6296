"""The demo city's second district (临江区) and the city's own command centre, departments and staff."""

from __future__ import annotations

import re

import numpy as np
import pytest
import shapely

from cityloop.core.models import Membership, Role, Unit, UnitKind
from cityloop.demo import names
from cityloop.demo.city import DemoCity
from cityloop.demo.dispatching import rule_rows
from cityloop.demo.districts import DISTRICTS, LINJIANG, YUNHU
from cityloop.demo.people import KEY_LOGINS
from cityloop.demo.plan import plan_city
from cityloop.geo.index import locate_many
from cityloop.geo.models import Grid, Road
from cityloop.geo.projection import EqualArea
from cityloop.routing.models import Rule

from .conftest import cached_plan

SEEDS = (1, 2, 3, 4, 5)


def linjiang(city: DemoCity):  # type: ignore[no-untyped-def]
    return city.in_district(LINJIANG.code)


# --- the plan, without a database ------------------------------------------------------------------


@pytest.mark.parametrize("seed", SEEDS)
def test_the_second_district_is_smaller_and_never_touches_the_first(seed: int) -> None:
    first, second = cached_plan(seed), plan_city(seed, district=LINJIANG)
    assert second.district_code == "990103" and first.district_code == "990102"
    assert 3 <= len(second.streets) <= 4 and 14 <= len(second.communities) <= 20
    assert 150 <= len(second.grids) < len(first.grids)
    projection = EqualArea(*YUNHU.origin)
    gap = shapely.distance(projection.project(first.polygon), projection.project(second.polygon))
    assert gap > 300  # metres of river between them, whatever the seed
    assert second.polygon.bounds[0] > first.polygon.bounds[2]  # east of Yunhu
    codes = [g.code for g in second.grids]
    assert all(re.fullmatch(r"990103\d{9}", c) for c in codes) and len(set(codes)) == len(codes)
    areas = shapely.area(EqualArea(*LINJIANG.origin).project(np.array([g.polygon for g in second.grids])))
    assert areas.min() >= 6_000 and areas.max() <= 16_000


@pytest.mark.parametrize("seed", SEEDS)
def test_the_districts_share_no_street_community_or_road_name(seed: int) -> None:
    first, second = cached_plan(seed), plan_city(seed, district=LINJIANG)

    def named(plan):  # type: ignore[no-untyped-def]
        return (
            {s.name for s in plan.streets}
            | {c.name for c in plan.communities}
            | {n for n, _, _ in plan.roads}
        )

    assert not named(first) & named(second)
    assert plan_city(seed, district=LINJIANG).grids == second.grids  # same seed, same district


def test_name_pools_of_the_districts_are_apart() -> None:
    pools = [d.pools for d in DISTRICTS]
    fields = ("arterial_roads", "secondary_roads", "lane_stems", "streets", "communities")
    first, second = ({n for f in fields for n in getattr(p, f)} for p in pools)
    assert not first & second
    assert pools[0] == names.NamePools()  # Yunhu's pools are the ones it always drew from


# --- in the database -------------------------------------------------------------------------------


def test_the_second_district_has_its_units_grids_and_roads(demo_city: DemoCity) -> None:
    second = linjiang(demo_city)
    assert [d.district.code for d in demo_city.districts] == ["990102", "990103"]
    assert second.district.name == "临江区" and second.district.parent_id == demo_city.city.pk
    assert (
        second.grids_count == len(second.plan.grids) == Grid.objects.filter(code__startswith="990103").count()
    )
    assert Road.objects.filter(district=second.district).count() == len(second.roads) > 0
    assert set(second.departments) < set(demo_city.departments)  # a smaller set
    for unit in [*second.departments.values(), *second.companies.values()]:
        assert unit.parent_id == second.district.pk and unit.code.startswith("990103-")
        assert "云湖" not in unit.name
    assert second.unit("sanitation").name == "临江区环境卫生管理所"
    assert second.unit("traffic_police").name == "示范市公安局交通警察支队临江大队"
    assert second.unit("traffic") == second.unit("municipal")  # stands in for the transport bureau
    assert second.find("heating") is None
    points = [g.polygon.representative_point() for g in second.plan.grids]
    found = locate_many([p.x for p in points], [p.y for p in points])
    assert all(f is not None and f.district_code == "990103" for f in found)


def test_the_second_district_has_its_own_users(demo_city: DemoCity) -> None:
    second = linjiang(demo_city)
    own = {name: user for name, user in demo_city.users.items() if name.startswith("lj_")}
    held = set(Membership.objects.filter(user__in=own.values()).values_list("role", flat=True))
    assert {Role.ADMIN, Role.LEADER, Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER} <= held
    assert {Role.SUPERVISOR, Role.HANDLER, Role.UNIT_MANAGER, Role.COMMUNITY_HEAD} <= held
    for username in ("lj_operator1", "lj_shift_leader1", "lj_dispatcher1", "lj_leader1"):
        assert Membership.objects.get(user=own[username]).unit == second.district
    inside = Unit.objects.filter(path__startswith=second.district.path)
    assert not Membership.objects.filter(user__in=own.values()).exclude(unit__in=inside).exists()
    names_taken = [u.display_name for u in demo_city.users.values()]
    assert len(set(names_taken)) == len(names_taken)  # nobody shares a name across the city
    assert {k for k in KEY_LOGINS if k.startswith("lj_")} <= set(own)


def test_the_city_has_its_command_centre_departments_and_staff(demo_city: DemoCity) -> None:
    units = demo_city.city_units
    assert {u.code: u.name for u in units.values()} == {
        "990100-ZH": "示范市城市运行管理服务指挥中心",
        "990100-SZ": "示范市市政设施管理处",
        "990100-JJ": "示范市公安局交通警察支队",
    }
    assert all(u.parent_id == demo_city.city.pk and u.kind == UnitKind.DEPARTMENT for u in units.values())
    staff = {
        "city_operator1": Role.OPERATOR,
        "city_shift_leader": Role.SHIFT_LEADER,
        "city_dispatcher": Role.DISPATCHER,
        "city_leader": Role.LEADER,
        "city_admin": Role.ADMIN,
    }
    for username, role in staff.items():
        # Held at the city, above every district: the city centre's jurisdiction (两级指挥).
        assert Membership.objects.get(user=demo_city.users[username]).unit == demo_city.city
        assert Membership.objects.get(user=demo_city.users[username]).role == role
    for key in ("city_municipal", "city_traffic_police"):
        held = Membership.objects.get(user=demo_city.users[f"{key}_handler"])
        assert held.unit == units[key] and held.role == Role.HANDLER


def test_rules_import_cleanly_for_both_districts_and_the_city(demo_city: DemoCity) -> None:
    rows = rule_rows(demo_city)
    assert Rule.objects.count() == len(rows) == demo_city.summary["routing rules"]
    city_rules = Rule.objects.filter(level="city", area_unit=demo_city.city)
    assert {r.category_code for r in city_rules} == {"0509", "0205", "0208"}
    taxis = city_rules.get(category_code="0509")
    assert taxis.target_unit == demo_city.unit("city_traffic_police")
    second = linjiang(demo_city)
    own = Rule.objects.filter(area_unit=second.district)
    assert own.exists() and not own.filter(target_unit__path__startswith=demo_city.district.path).exists()
    # A rule for a unit the district lacks goes to the one standing in for it.
    assert own.get(kind="event", category_code="0301").target_unit == second.unit("enforcement")


def test_footbridges_are_owned_by_the_city(demo_city: DemoCity) -> None:
    from cityloop.assets.models import Component

    bridges = Component.objects.filter(subclass__code="0205")
    assert bridges.exists()
    assert set(bridges.values_list("owner__code", flat=True)) == {"990100-SZ"}
    assert {c[:6] for c in bridges.values_list("code", flat=True)} == {"990102", "990103"}
    assert not Component.objects.filter(code__startswith="990103", subclass__code="0110").exists()
