"""The demo city's people: one or more users for every role in each district and at the city, all
with the same known password (each hash with its own salt).

District centre staff (acceptance operators, shift leaders, dispatchers) and leaders hold their roles
at the district itself: a role's jurisdiction is the subtree of its unit, and theirs is the whole
district. Supervisors hold theirs at the communities of their patrol area; handlers and unit managers
at their department, company or street; community heads at their community or service station. The
second district's usernames start with its prefix (``lj_dispatcher1``).

City staff (``city_operator1``, ``city_shift_leader``, ``city_dispatcher``, ``city_leader``) work in the
city's command centre (990100-ZH) and hold their roles at the city itself, above every district, as
district staff hold theirs at their district: the engine takes a command step from a role whose unit
holds the case's territory, and one held above every district commands the city's cases (两级指挥).
The city's departments have their handlers and managers, and ``city_admin`` administers the city.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.hashers import BasePasswordHasher, PBKDF2PasswordHasher, get_hasher, get_hashers
from django.db.models import Q

from cityloop.core.actions import create_user
from cityloop.core.models import Role, Unit, User

from .actions import set_password_hashes
from .names import person_names
from .org import CityOrg, DemoOrg

# Published in the README and printed by ``cityloop demo-city``: for demo databases only. It meets the
# password policy (AUTH_PASSWORD_VALIDATORS) so that the demo shows the real rules at work.
DEMO_PASSWORD = "cityloop-demo"
# PBKDF2 rounds for the demo hashes: the password is public, so strength buys nothing at build time;
# Django rehashes at full strength on each user's first login (the hasher's ``must_update``).
DEMO_HASH_ITERATIONS = 1000

ROLE_LABELS: dict[str, str] = {
    Role.ADMIN: "系统管理员",
    Role.LEADER: "领导",
    Role.OPERATOR: "受理员",
    Role.SHIFT_LEADER: "值班长",
    Role.DISPATCHER: "派遣员",
    Role.SUPERVISOR: "监督员",
    Role.HANDLER: "处置人员",
    Role.UNIT_MANAGER: "单位管理员",
    Role.COMMUNITY_HEAD: "社区负责人",
}

# The channels' service accounts, by the link from their platform (hotline), network (sensors) or
# detector (video): they hold roles to answer for their channel, never to work as people.
SERVICE_ACCOUNT_LINKS = ("hotline_platform", "sensor_network", "video_detector")


def not_a_service_account(user_field: str = "") -> Q:
    """Rows whose user (``user_field``, e.g. ``"user"`` on memberships; the row itself when empty)
    is not a channel's service account."""
    prefix = f"{user_field}__" if user_field else ""
    return Q(**{f"{prefix}{link}__isnull": True for link in SERVICE_ACCOUNT_LINKS})


# What the logins table calls a frontage party's account (it holds no role).
PARTY_ROLE_LABEL = "门前三包责任主体"

# The logins printed by ``cityloop demo-city``: one or more for each role, in this order.
KEY_LOGINS: tuple[str, ...] = (
    "admin",
    "district_admin",
    "leader1",
    "operator1",
    "shift_leader1",
    "dispatcher1",
    "supervisor01",
    "street01_manager",
    "street01_handler",
    "sanitation_manager",
    "sanitation_handler",
    "municipal_handler",
    "enforcement_handler",
    "water_handler",
    "community01_head",
    "station01_head",
    "city_admin",
    "city_leader",
    "city_operator1",
    "city_shift_leader",
    "city_dispatcher",
    "city_municipal_handler",
    "city_traffic_police_handler",
    "lj_district_admin",
    "lj_leader1",
    "lj_operator1",
    "lj_shift_leader1",
    "lj_dispatcher1",
    "lj_supervisor01",
    "lj_street01_handler",
    "lj_sanitation_handler",
)


@dataclass(frozen=True)
class UserSpec:
    """A demo user to create: the role held in each of ``units``."""

    username: str
    role: str
    units: tuple[Unit, ...]
    is_superuser: bool = False
    display_name: str = ""


def _patrol_areas(communities: Sequence[Unit]) -> list[list[Unit]]:
    """Each street's communities (in code order) split into two patrol areas, north half first."""
    by_street: dict[int | None, list[Unit]] = {}
    for community in communities:
        by_street.setdefault(community.parent_id, []).append(community)
    areas: list[list[Unit]] = []
    for members in by_street.values():
        half = (len(members) + 1) // 2
        areas.extend(area for area in (members[:half], members[half:]) if area)
    return areas


def user_specs(org: DemoOrg) -> list[UserSpec]:
    """Who the district's users are and where they hold which role (display names come later); the
    first district also has ``admin``, the superuser."""
    p, spec = org.spec.prefix, org.spec
    specs = (
        []
        if p
        else [UserSpec("admin", Role.ADMIN, (org.city,), is_superuser=True, display_name="系统管理员")]
    )
    specs.append(UserSpec(f"{p}district_admin", Role.ADMIN, (org.district,)))
    for role, stem in (
        (Role.LEADER, "leader"),
        (Role.OPERATOR, "operator"),
        (Role.SHIFT_LEADER, "shift_leader"),
        (Role.DISPATCHER, "dispatcher"),
    ):
        specs += [UserSpec(f"{p}{stem}{n}", role, (org.district,)) for n in range(1, spec.centre_staff + 1)]
    for n, area in enumerate(_patrol_areas(org.communities), start=1):
        specs.append(UserSpec(f"{p}supervisor{n:02d}", Role.SUPERVISOR, tuple(area)))
    units = [(key, unit) for key, unit in org.departments.items() if key != "command_centre"]
    units += list(org.companies.items())
    units += [(f"street{n:02d}", street) for n, street in enumerate(org.streets, start=1)]
    for key, unit in units:
        specs.append(UserSpec(f"{p}{key}_manager", Role.UNIT_MANAGER, (unit,)))
        specs.append(UserSpec(f"{p}{key}_handler", Role.HANDLER, (unit,)))
    specs += [
        UserSpec(f"{p}community{n:02d}_head", Role.COMMUNITY_HEAD, (c,))
        for n, c in enumerate(org.communities, start=1)
    ]
    specs += [
        UserSpec(f"{p}station{n:02d}_head", Role.COMMUNITY_HEAD, (s,))
        for n, s in enumerate(org.stations, start=1)
    ]
    return specs


def city_user_specs(org: CityOrg) -> list[UserSpec]:
    """The city's own users: its administrator, the command centre's staff and leader (holding their
    roles at the city, their jurisdiction), and a manager and a handler for each city department."""
    centre = (org.city,)
    specs = [
        UserSpec("city_admin", Role.ADMIN, (org.city,)),
        UserSpec("city_leader", Role.LEADER, centre),
        UserSpec("city_operator1", Role.OPERATOR, centre),
        UserSpec("city_operator2", Role.OPERATOR, centre),
        UserSpec("city_shift_leader", Role.SHIFT_LEADER, centre),
        UserSpec("city_dispatcher", Role.DISPATCHER, centre),
    ]
    for key, unit in org.units.items():
        if key != "city_command_centre":
            specs.append(UserSpec(f"{key}_manager", Role.UNIT_MANAGER, (unit,)))
            specs.append(UserSpec(f"{key}_handler", Role.HANDLER, (unit,)))
    return specs


def unit_label(units: Sequence[Unit]) -> str:
    """The units of a login as one short label: 桂园社区、柳岸社区 or 桂园社区等4个单位."""
    if len(units) <= 2:
        return "、".join(u.name for u in units)
    return f"{units[0].name}等{len(units)}个单位"


def role_label(role: str) -> str:
    return f"{ROLE_LABELS.get(role, role)} {role}"


def _demo_hasher() -> BasePasswordHasher:
    """PBKDF2 with few iterations where the project allows it: Django re-makes each hash with the
    project's own hasher (Argon2) on the user's first sign-in. Tests name their own hasher (MD5)."""
    allowed = {h.algorithm for h in get_hashers()}
    return get_hasher("pbkdf2_sha256") if "pbkdf2_sha256" in allowed else get_hasher()


def password_hashes(usernames: Iterable[str], seed: int) -> dict[str, str]:
    """The demo password hashed for each user with a salt of their own (from the seed and the
    username, so that a seed always gives the same database). With PBKDF2 the hashes are cheap ones
    that Django strengthens on first login; a thousand users take a second, not ten minutes."""
    hasher = _demo_hasher()
    hashes: dict[str, str] = {}
    for username in usernames:
        salt = hashlib.sha256(f"cityloop-demo-{seed}-{username}".encode()).hexdigest()[:22]
        if isinstance(hasher, PBKDF2PasswordHasher):
            hashes[username] = hasher.encode(DEMO_PASSWORD, salt, iterations=DEMO_HASH_ITERATIONS)
        else:
            hashes[username] = hasher.encode(DEMO_PASSWORD, salt)
    return hashes


def create_users(
    specs: Iterable[UserSpec],
    *,
    actor: User,
    rng: random.Random,
    seed: int,
    taken: Iterable[str] = (),
) -> tuple[dict[str, User], list[tuple[str, str, str]]]:
    """Create the users with Chinese display names (none of them in ``taken``, the names already
    given) and the demo password (each hash salted on its own); returns them by username and their
    logins (username, role label, unit label)."""
    specs = list(specs)
    people = iter(person_names(rng, len(specs), taken=taken))
    users: dict[str, User] = {}
    logins: list[tuple[str, str, str]] = []
    for spec in specs:
        users[spec.username] = create_user(
            actor=actor,
            username=spec.username,
            password=None,
            display_name=spec.display_name or next(people),
            roles=[(unit, spec.role) for unit in spec.units],
            is_superuser=spec.is_superuser,
        )
        logins.append((spec.username, role_label(spec.role), unit_label(spec.units)))
    hashes = password_hashes(users, seed)
    set_password_hashes({user: hashes[name] for name, user in users.items()}, actor=actor)
    return users, logins
