"""The demo city in the database: units, grids, roads, users and the build steps."""

from __future__ import annotations

import re
from typing import Any

import pytest
import shapely
from django.contrib.auth import authenticate
from django.contrib.auth.hashers import PBKDF2PasswordHasher, identify_hasher
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client

from cityloop.core.actions import create_unit
from cityloop.core.models import AuditEntry, Membership, Role, Unit, UnitKind, User
from cityloop.core.permissions import jurisdiction, restrict
from cityloop.demo.actions import set_password_hashes
from cityloop.demo.build import STEPS, run_steps, step_label
from cityloop.demo.city import DemoCity
from cityloop.demo.people import DEMO_HASH_ITERATIONS, DEMO_PASSWORD, KEY_LOGINS, password_hashes
from cityloop.demo.plan import CITY_CODE, DISTRICT_CODE
from cityloop.demo.report import demo_logins, demo_summary, logins_table
from cityloop.geo.index import locate, locate_many
from cityloop.geo.models import Grid, Road

DEPARTMENT_KEYS = {
    "command_centre",
    "municipal",
    "sanitation",
    "landscaping",
    "enforcement",
    "water_affairs",
    "traffic",
    "street_lighting",
    "emergency",
}
COMPANY_KEYS = {
    "water",
    "gas",
    "power",
    "telecom",
    "cable_tv",
    "heating",
    "sanitation_contractor",
    "property",
}


def test_the_city_has_its_streets_communities_grids_and_roads(demo_city: DemoCity) -> None:
    plan = demo_city.plan
    assert demo_city.city.code == CITY_CODE and demo_city.city.kind == UnitKind.CITY
    assert demo_city.district.code == DISTRICT_CODE and demo_city.district.parent_id == demo_city.city.pk
    assert [s.code for s in demo_city.streets] == [s.code for s in plan.streets]
    assert [c.code for c in demo_city.communities] == [c.code for c in plan.communities]
    assert (
        demo_city.grids_count
        == len(plan.grids)
        == Grid.objects.filter(code__startswith=DISTRICT_CODE).count()
    )
    assert Road.objects.filter(district=demo_city.district).count() == len(demo_city.roads) == len(plan.roads)
    assert 6 <= len(demo_city.streets) <= 8 and 30 <= len(demo_city.communities) <= 50
    assert 400 <= demo_city.grids_count <= 800
    assert all(c.parent and c.parent.kind == UnitKind.STREET for c in demo_city.communities)
    assert demo_city.stations and all(
        s.parent and s.parent.kind == UnitKind.COMMUNITY for s in demo_city.stations
    )
    assert demo_summary() == {
        k: demo_city.summary[k] for k in ("districts", "streets", "communities", "grids", "roads", "users")
    }
    assert demo_city.summary["grids"] == Grid.objects.count() > demo_city.grids_count


def test_departments_and_companies_have_stable_keys_and_codes(demo_city: DemoCity) -> None:
    assert set(demo_city.departments) >= DEPARTMENT_KEYS
    assert set(demo_city.companies) >= COMPANY_KEYS
    assert "traffic_police" in demo_city.departments
    assert {"mobile", "unicom", "property_b"} <= set(demo_city.companies)
    for unit in demo_city.departments.values():
        assert unit.kind == UnitKind.DEPARTMENT and unit.parent_id == demo_city.district.pk
        assert re.fullmatch(rf"{DISTRICT_CODE}-[A-Z0-9]+", unit.code)
    for unit in demo_city.companies.values():
        assert unit.kind == UnitKind.COMPANY and unit.parent_id == demo_city.district.pk
    assert demo_city.unit("sanitation").name == "云湖区环境卫生管理所"
    assert demo_city.unit("water").code == f"{DISTRICT_CODE}-ZLS"
    with pytest.raises(KeyError):
        demo_city.unit("no_such_unit")


def test_every_grid_is_located_in_its_community_street_and_district(demo_city: DemoCity) -> None:
    plan = demo_city.plan
    community_street = {c.code: c.street_code for c in plan.communities}
    points = [g.polygon.representative_point() for g in plan.grids]
    found = locate_many([p.x for p in points], [p.y for p in points])
    for grid, location in zip(plan.grids, found, strict=True):
        assert location is not None, grid.code
        assert location.grid_code == grid.code
        assert location.community_code == grid.community_code
        assert location.street_code == community_street[grid.community_code]
        assert location.district_code == DISTRICT_CODE
    one = locate(points[0].x, points[0].y)
    assert one is not None and one.district_name == "云湖区"
    assert locate(118.0, 31.0) is None


def test_grids_have_areas_and_some_have_a_property_manager(demo_city: DemoCity) -> None:
    areas = list(Grid.objects.values_list("area_m2", flat=True))
    assert min(areas) >= 6_000 and max(areas) <= 16_000
    managers = {demo_city.companies["property"].pk, demo_city.companies["property_b"].pk}
    responsible = set(
        Grid.objects.filter(code__startswith=DISTRICT_CODE)
        .exclude(responsible_unit=None)
        .values_list("responsible_unit_id", flat=True)
    )
    assert responsible == managers


def test_every_role_has_a_user(demo_city: DemoCity) -> None:
    roles = set(Membership.objects.values_list("role", flat=True))
    assert roles == set(Role.values)
    assert set(KEY_LOGINS) <= set(demo_city.users)
    assert all(re.fullmatch(r"[a-z0-9_]+", name) for name in demo_city.users)
    assert all(u.display_name for u in demo_city.users.values())
    assert len(demo_city.logins) == len(demo_city.users)


def test_supervisors_patrol_every_community(demo_city: DemoCity) -> None:
    patrolled = Membership.objects.filter(role=Role.SUPERVISOR).values_list("unit__kind", "unit__code")
    assert {kind for kind, _ in patrolled} == {UnitKind.COMMUNITY}
    everywhere = [c.code for d in demo_city.districts for c in d.communities]
    assert sorted(code for _, code in patrolled) == sorted(everywhere)


def test_admin_and_every_key_user_log_in_with_the_demo_password(demo_city: DemoCity, db: Any) -> None:
    admin = authenticate(username="admin", password=DEMO_PASSWORD)
    assert isinstance(admin, User) and admin.is_superuser
    assert Membership.objects.filter(user=admin, role=Role.ADMIN, unit=demo_city.city).exists()
    for username in KEY_LOGINS:
        assert authenticate(username=username, password=DEMO_PASSWORD) is not None, username
    assert authenticate(username="admin", password="wrong-password") is None
    assert Client().login(username="dispatcher1", password=DEMO_PASSWORD)
    # Each user got an audit entry for their password.
    assert AuditEntry.objects.filter(action="user.set_password").count() == len(demo_city.users)


def test_jurisdictions_follow_the_tree(demo_city: DemoCity) -> None:
    manager = demo_city.users["street01_manager"]
    own = set(jurisdiction(manager).values_list("code", flat=True))
    assert demo_city.streets[0].code in own and demo_city.streets[1].code not in own
    grids = restrict(Grid.objects.all(), manager, "view")
    assert grids.exists() and all(g.code.startswith(demo_city.streets[0].code) for g in grids)
    dispatcher = demo_city.users["dispatcher1"]
    assert restrict(Grid.objects.all(), dispatcher, "view").count() == demo_city.grids_count


def test_logins_can_be_read_back_from_the_database(demo_city: DemoCity) -> None:
    key = demo_logins()
    assert [row[0] for row in key] == list(KEY_LOGINS)
    everyone = {row[0]: row for row in demo_logins(everyone=True)}
    assert everyone.keys() == demo_city.users.keys()
    for username, role, unit in demo_city.logins:
        assert everyone[username] == (username, role, unit)
    table = logins_table(key)
    assert "admin" in table and DEMO_PASSWORD in table and "系统管理员" in table


def test_run_steps_runs_each_step_in_its_own_transaction(demo_city: DemoCity, db: Any) -> None:
    def add_kiosk_company(city: DemoCity, *, actor: User) -> None:
        """Add a kiosk company."""
        city.companies["kiosk"] = create_unit(
            actor=actor, code=f"{DISTRICT_CODE}-TT", name="报亭公司", kind="company", parent=city.district
        )
        city.summary["kiosks"] = city.rng_for("kiosks").randint(1, 9)

    def broken(city: DemoCity, *, actor: User) -> None:
        create_unit(
            actor=actor, code=f"{DISTRICT_CODE}-XX", name="半途", kind="company", parent=city.district
        )
        raise ValidationError("this step fails after a write")

    messages: list[str] = []
    actor = demo_city.users["admin"]
    run_steps(demo_city, actor=actor, steps=[add_kiosk_company], say=messages.append)
    assert messages == ["Add a kiosk company …"]
    assert Unit.objects.filter(code=f"{DISTRICT_CODE}-TT").exists()
    assert demo_city.summary["kiosks"] == demo_city.rng_for("kiosks").randint(1, 9)
    with pytest.raises(ValidationError):
        run_steps(demo_city, actor=actor, steps=[broken])
    assert not Unit.objects.filter(code=f"{DISTRICT_CODE}-XX").exists()
    assert step_label(broken) == "broken"
    assert isinstance(STEPS, list)
    demo_city.companies.pop("kiosk")
    demo_city.summary.pop("kiosks")


def test_set_password_hashes_refuses_a_plain_password(demo_city: DemoCity, db: Any) -> None:
    with pytest.raises(ValidationError, match="password hash"):
        set_password_hashes({demo_city.users["leader1"]: "plain-text"}, actor=demo_city.users["admin"])


def test_every_demo_user_has_a_salt_of_their_own(demo_city: DemoCity, db: Any) -> None:
    encoded = list(User.objects.filter(username__in=demo_city.users).values_list("password", flat=True))
    salts = [identify_hasher(e).decode(e)["salt"] for e in encoded]
    assert len(encoded) == len(demo_city.users) > 10
    assert len(set(salts)) == len(salts)
    assert len(set(encoded)) == len(encoded)


def test_the_demo_password_meets_the_policy_for_every_demo_user(demo_city: DemoCity, db: Any) -> None:
    for user in demo_city.users.values():
        validate_password(DEMO_PASSWORD, user)  # raises if the policy refused it


def test_demo_hashes_are_cheap_and_strengthened_at_first_login(
    settings: Any, demo_city: DemoCity, db: Any
) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    hashes = password_hashes(["leader1", "admin"], seed=1)
    assert hashes["leader1"] != hashes["admin"]
    assert hashes == password_hashes(["leader1", "admin"], seed=1)  # a seed gives the same database
    leader = demo_city.users["leader1"]
    set_password_hashes({leader: hashes["leader1"]}, actor=demo_city.users["admin"])
    assert identify_hasher(hashes["leader1"]).decode(hashes["leader1"])["iterations"] == DEMO_HASH_ITERATIONS
    assert authenticate(username="leader1", password=DEMO_PASSWORD) is not None
    stored = User.objects.get(pk=leader.pk).password
    assert stored != hashes["leader1"]
    assert identify_hasher(stored).decode(stored)["iterations"] == PBKDF2PasswordHasher.iterations


def test_the_plan_rides_along_for_later_steps(demo_city: DemoCity) -> None:
    assert demo_city.seed == 1
    assert demo_city.plan.polygon.contains(shapely.Point(118.79, 32.05))
    assert demo_city.rng_for("x").random() == demo_city.rng_for("x").random()
    assert demo_city.np_rng_for("x").random() == demo_city.np_rng_for("x").random()
