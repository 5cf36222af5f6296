"""Who sees which case: the Case scope behind ``restrict`` (territory and dispatch, for every kind of unit).

The scope resolves the user's subtrees to unit ids and filters on one indexed column per part
(district, street, community, responsible unit). These tests pin its rows for each kind of unit and
compare them with the plain definition it replaced: a case is visible when its community, its district
or its responsible unit lies in one of the user's subtrees.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from dataclasses import dataclass, field

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from cityloop.cases.models import Case
from cityloop.core.actions import create_unit, create_user
from cityloop.core.models import Role, Unit, User
from cityloop.core.permissions import jurisdiction_paths, register_scope, restrict, scope_for
from cityloop.geo.actions import import_grids
from tests.geo.conftest import DLAT, DLON, ORIGIN, block

from .conftest import POINT_A, POINT_B, Loop


def reference(user: User) -> set[int]:
    """The cases the user may see by the scope's definition: community, district or responsible unit
    inside the user's subtrees (evaluated with subqueries, as the scope once was)."""
    if user.is_superuser:
        return set(Case.objects.values_list("pk", flat=True))
    paths = jurisdiction_paths(user, scope_for(Case).actions["view"])
    if not paths:
        return set()

    def under(path: str) -> Q:
        subtree = Unit.objects.filter(path__startswith=path).values("id")
        return Q(community_id__in=subtree) | Q(district_id__in=subtree) | Q(responsible_unit_id__in=subtree)

    q = functools.reduce(operator.or_, (under(p) for p in paths))
    return set(Case.objects.filter(q).values_list("pk", flat=True))


def _where(user: User) -> str:
    return str(restrict(Case.objects.all(), user, "view").query).split(" WHERE ", 1)[1]


def visible(user: User) -> set[int]:
    return set(restrict(Case.objects.all(), user, "view").values_list("pk", flat=True))


@dataclass
class World:
    loop: Loop
    units: dict[str, Unit] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    cases: dict[str, int] = field(default_factory=dict)

    def named(self, *keys: str) -> set[int]:
        return {self.cases[k] for k in keys}


@pytest.fixture
def world(loop: Loop, actor: User) -> World:
    """The small city with units of every kind that may receive a case, a user in each, and cases
    on both streets dispatched across territories and districts."""
    org = loop.org
    w = World(loop)

    def unit(key: str, code: str, kind: str, parent: Unit) -> Unit:
        w.units[key] = create_unit(actor=actor, code=code, name=key, kind=kind, parent=parent)
        return w.units[key]

    district2 = unit("district2", "990200", "district", org.city)
    unit("roads2", "D2-ROADS", "department", district2)
    unit("city_traffic", "C-TRAFFIC", "department", org.city)
    unit("sani_team", "D-SANI-1", "department", org.sanitation)
    unit("station_a", "990100001001-ZZ", "station", org.community_a)
    unit("street_a_office", "990100001-OFFICE", "department", org.street_a)
    roles = {
        "district2_leader": [(district2, Role.LEADER)],
        "roads2_handler": [(w.units["roads2"], Role.HANDLER)],
        "city_traffic_handler": [(w.units["city_traffic"], Role.HANDLER)],
        "sani_team_handler": [(w.units["sani_team"], Role.HANDLER)],
        "station_a_head": [(w.units["station_a"], Role.COMMUNITY_HEAD)],
        "street_a_office_handler": [(w.units["street_a_office"], Role.HANDLER)],
        "both_communities": [(org.community_a, Role.SUPERVISOR), (org.community_b, Role.SUPERVISOR)],
        "community_b_and_water": [(org.community_b, Role.COMMUNITY_HEAD), (org.water, Role.HANDLER)],
        "nobody": [],
    }
    # The city centre dispatches to the city's own units (两级指挥): a district refers such a case up.
    city_dispatcher = create_user(
        actor=actor,
        username="city_dispatcher",
        password="demo-pass-2026",
        roles=[(org.city, Role.DISPATCHER)],
    )
    for username, held in roles.items():
        w.users[username] = create_user(actor=actor, username=username, password="demo-pass-2026", roles=held)
    w.users.update(loop.users)

    w.cases["a_reported"] = loop.report().pk
    w.cases["b_reported"] = loop.report(point=POINT_B, actor=loop.users["supervisor_b"]).pk
    targets = {
        "a_to_sanitation": ("a", org.sanitation),
        "a_to_roads2": ("a", w.units["roads2"]),
        "a_to_city_traffic": ("a", w.units["city_traffic"]),
        "b_to_street_a": ("b", org.street_a),
        "b_to_community_a": ("b", org.community_a),
        "b_to_station_a": ("b", w.units["station_a"]),
        "b_to_street_a_office": ("b", w.units["street_a_office"]),
        "b_to_sani_team": ("b", w.units["sani_team"]),
        "b_to_water": ("b", org.water),
    }
    for key, (where, to) in targets.items():
        point, reporter = (POINT_A, "supervisor_a") if where == "a" else (POINT_B, "supervisor_b")
        case = loop.drive(loop.report(point=point, actor=loop.users[reporter]), "accept", "register")
        if key == "a_to_city_traffic":
            case = loop.act(case, "refer_to_city", reason="市级单位处置")
            w.cases[key] = loop.act(case, "dispatch", user=city_dispatcher, unit=to.code, reason="市级").pk
            continue
        w.cases[key] = loop.act(case, "dispatch", unit=to.code).pk
    return w


IN_A = ("a_reported", "a_to_sanitation", "a_to_roads2", "a_to_city_traffic")
IN_B = (
    "b_reported",
    "b_to_street_a",
    "b_to_community_a",
    "b_to_station_a",
    "b_to_street_a_office",
    "b_to_sani_team",
    "b_to_water",
)
SENT_INTO_A = ("b_to_street_a", "b_to_community_a", "b_to_station_a", "b_to_street_a_office")

EXPECTED: dict[str, tuple[str, ...]] = {
    # District staff: the whole district, whoever handles the case.
    "leader": IN_A + IN_B,
    "operator": IN_A + IN_B,
    # A street: its territory, and what is sent to it or to a unit under it (community, station, office).
    "street_a_manager": IN_A + SENT_INTO_A,
    "street_b_manager": IN_B,
    # A community: its territory, and what is sent to it or its station.
    "community_head_a": (*IN_A, "b_to_community_a", "b_to_station_a"),
    "supervisor_b": IN_B,
    "both_communities": IN_A + IN_B,
    # A department or company: what is sent to it or to its sub-units, wherever it lies.
    "sanitation_handler": ("a_to_sanitation", "b_to_sani_team"),
    "sani_team_handler": ("b_to_sani_team",),
    "water_handler": ("b_to_water",),
    "street_a_office_handler": ("b_to_street_a_office",),
    "station_a_head": ("b_to_station_a",),
    "city_traffic_handler": ("a_to_city_traffic",),
    "roads2_handler": ("a_to_roads2",),
    # Another district sees the case sent to its department, nothing of this district's territory.
    "district2_leader": ("a_to_roads2",),
    # Several memberships: the union of their subtrees.
    "community_b_and_water": IN_B,
    "nobody": (),
}


@pytest.mark.parametrize("username", EXPECTED)
def test_each_kind_of_unit_sees_its_territory_and_what_is_sent_to_it(world, username):
    user = world.users[username]
    assert visible(user) == world.named(*EXPECTED[username])


@pytest.mark.parametrize("username", EXPECTED)
def test_the_scope_keeps_the_definition_of_territory_or_dispatch(world, username):
    assert visible(world.users[username]) == reference(world.users[username])


def test_superuser_and_city_administrator_see_everything(world):
    everything = set(Case.objects.values_list("pk", flat=True))
    assert visible(world.users["admin"]) == everything == reference(world.users["admin"])
    su = create_user(
        actor=world.loop.users["admin"], username="root", password="root-pass-2026", is_superuser=True
    )
    assert visible(su) == everything


def test_scope_filters_on_plain_columns_not_subqueries(world):
    """One IN per part on an indexed column: no subquery the database would re-run for each row."""
    for username in ("operator", "street_a_manager", "community_head_a", "sanitation_handler"):
        assert "SELECT" not in _where(world.users[username]), username


def test_each_part_of_the_scope_is_taken_at_its_highest_level(world):
    """A street's cases by ``street_id``, a district's by ``district_id``, a community's by
    ``community_id``, a department's by ``responsible_unit_id`` alone."""
    org = world.loop.org
    street = _where(world.users["street_a_manager"])
    assert f'"street_id" = {org.street_a.pk}' in street and "community_id" not in street
    district = _where(world.users["operator"])
    assert f'"district_id" = {org.district.pk}' in district
    assert "street_id" not in district and "community_id" not in district
    community = _where(world.users["community_head_a"])
    assert f'"community_id" = {org.community_a.pk}' in community and "street_id" not in community
    department = _where(world.users["sanitation_handler"])
    assert "responsible_unit_id" in department and "district_id" not in department


def test_restricted_querysets_compose_with_filters(world):
    operator_ = world.users["operator"]
    open_ = restrict(Case.objects.filter(state="dispatched"), operator_, "view")
    assert set(open_.values_list("pk", flat=True)) == world.named(*IN_A[1:], *IN_B[1:])
    one = restrict(Case.objects.filter(pk=world.cases["b_reported"]), world.users["street_a_manager"], "view")
    assert not one.exists()


def test_register_scope_needs_a_way_to_filter():
    with pytest.raises(ImproperlyConfigured, match="under_path"):
        register_scope(Case, actions={"view": {Role.ADMIN}})
    # The registered scope is untouched by the refused registration.
    assert scope_for(Case).under_paths is not None


def test_a_paths_only_scope_answers_for_one_path_too(world):
    scope = scope_for(Case)
    path = world.loop.org.street_b.path
    one = set(Case.objects.filter(scope.under_path(path)).values_list("pk", flat=True))
    assert one == world.named(*IN_B)
    assert set(Case.objects.filter(scope.under([])).values_list("pk", flat=True)) == set()


def test_a_district_sees_a_case_of_another_district_sent_to_one_of_its_units(loop, actor):
    """Under a district the dispatch part of the scope is left out while no case of another district
    is sent to its units, and comes back (with that case) once one is."""
    org = loop.org
    operator_ = loop.users["operator"]
    assert "responsible_unit_id" not in _where(operator_)
    district2 = create_unit(actor=actor, code="990200", name="东区", kind="district", parent=org.city)
    street2 = create_unit(actor=actor, code="990200001", name="东区街道", kind="street", parent=district2)
    create_unit(actor=actor, code="990200001001", name="东区社区", kind="community", parent=street2)
    lon, lat = ORIGIN[0] + 10 * DLON, ORIGIN[1]
    import_grids(block("990200001001", lon, lat), actor=actor, valid_from=dt.date(2020, 1, 1))
    community2 = Unit.objects.get(code="990200001001")
    staff = create_user(
        actor=actor,
        username="district2_staff",
        password="demo-pass-2026",
        roles=[(district2, Role.OPERATOR), (district2, Role.SHIFT_LEADER), (district2, Role.DISPATCHER)],
    )
    reporter = create_user(
        actor=actor, username="supervisor2", password="demo-pass-2026", roles=[(community2, Role.SUPERVISOR)]
    )
    case = loop.report(point=(lon + DLON * 0.5, lat + DLAT * 0.5), actor=reporter)
    assert case.district_id == district2.pk
    assert case.pk not in visible(operator_)
    for name in ("accept", "register"):
        case = loop.act(case, name, user=staff)
    case = loop.act(case, "dispatch", user=staff, unit=org.sanitation.code)
    assert "responsible_unit_id" in _where(operator_)
    assert case.pk in visible(operator_) and visible(operator_) == reference(operator_)
    assert case.pk in visible(loop.users["sanitation_handler"])
    assert case.pk not in visible(loop.users["street_a_manager"])
