"""Shared fixtures: a small organisation tree, users for each role, an API client with tokens."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.test import Client

from cityloop.core.actions import create_api_token, create_unit, create_user
from cityloop.core.audit import system_actor
from cityloop.core.models import Role, Unit, User


@dataclass
class Org:
    """A city with one district, two streets, a community in each, and two departments."""

    city: Unit
    district: Unit
    street_a: Unit
    street_b: Unit
    community_a: Unit
    community_b: Unit
    water: Unit
    sanitation: Unit
    users: dict[str, User] = field(default_factory=dict)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``postgres`` are skipped on SQLite before any fixture runs: a skip from inside
    the test would come after its database set-up, and a ``serialized_rollback`` set-up there
    reloads rows the previous transactional test's flush had already recreated."""
    from django.conf import settings

    if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://… (CI does)")
    for item in items:
        if item.get_closest_marker("postgres"):
            item.add_marker(skip)


# What a flush's post_migrate signal makes again by itself: reloading these from the snapshot would
# collide with the rows it made.
POST_MIGRATE_MODELS = {"contenttypes.contenttype", "auth.permission"}


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    """The test database, with its ``serialized_rollback`` snapshot left without content types and
    permissions: a ``serialized_rollback`` test reloads the snapshot at its start, and when the
    transactional test before it flushed with post_migrate (a live-server test does), those rows
    are already there. Where they are not, Django makes content types on first use."""
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents:
            rows = [row for row in json.loads(contents) if row["model"] not in POST_MIGRATE_MODELS]
            connection._test_serialized_contents = json.dumps(rows)  # type: ignore[attr-defined]


@pytest.fixture(scope="session", autouse=True)
def flush_past_the_audit_guard() -> Any:
    """Transactional tests end with a flush that empties every table, and ``serialized_rollback``
    ones reload a snapshot: let both through the audit tables' guard (``cityloop.core.audit_guard``),
    as ``cityloop restore`` does."""
    from django.db.backends.base.creation import BaseDatabaseCreation
    from django.db.backends.base.operations import BaseDatabaseOperations

    from cityloop.core.audit_chain import forget_cached_head
    from cityloop.core.audit_guard import maintenance

    plain = BaseDatabaseOperations.execute_sql_flush
    plain_reload = BaseDatabaseCreation.deserialize_db_from_string

    def execute_sql_flush(self: BaseDatabaseOperations, sql_list: list[str]) -> None:
        with maintenance(self.connection):
            plain(self, sql_list)
        forget_cached_head(self.connection.alias)

    def deserialize_db_from_string(self: BaseDatabaseCreation, data: str) -> None:
        # A ``serialized_rollback`` test reloads the snapshot over rows that may still be there.
        with maintenance(self.connection):
            plain_reload(self, data)
        forget_cached_head(self.connection.alias)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]
    BaseDatabaseCreation.deserialize_db_from_string = deserialize_db_from_string  # type: ignore[method-assign]
    yield
    BaseDatabaseOperations.execute_sql_flush = plain  # type: ignore[method-assign]
    BaseDatabaseCreation.deserialize_db_from_string = plain_reload  # type: ignore[method-assign]


@pytest.fixture(scope="session", autouse=True)
def audit_heads_elsewhere(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The worker's sweep exports daily audit heads: into a temporary folder, not the checkout."""
    from django.test import override_settings

    with override_settings(CITYLOOP_AUDIT_HEAD_DIR=str(tmp_path_factory.mktemp("audit-heads"))):
        yield


@pytest.fixture(autouse=True)
def login_lockout_off(settings: Any) -> None:
    """django-axes needs the request at every authenticate(); the test client's login() and the
    tests calling authenticate() have none. The lockout's own tests turn it back on."""
    settings.AXES_ENABLED = False


@pytest.fixture(autouse=True)
def fast_password_hasher(settings: Any) -> None:
    """Real hashers are slow on purpose; tests only need passwords to round-trip."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def fresh_spatial_index() -> Any:
    """Each test's grids and reference data live in its own transaction; never let one test see
    another's index or cached catalog, channels and memberships."""
    from cityloop.core import caching, units
    from cityloop.frontage import corrections
    from cityloop.frontage import index as zones
    from cityloop.geo import index
    from cityloop.routing import ruleset
    from cityloop.timeclock import calendars

    def forget() -> None:
        index.reset()
        calendars.reset()
        ruleset.reset()
        caching.clear_all()
        units.UNITS.reset()
        zones.reset()
        corrections.DUTY_MAP.reset()

    forget()
    yield
    forget()


@pytest.fixture
def actor(db: Any) -> User:
    return system_actor()


@pytest.fixture
def org(db: Any, actor: User) -> Org:
    city = create_unit(actor=actor, code="990000", name="示范市", kind="city")
    district = create_unit(actor=actor, code="990100", name="示范区", kind="district", parent=city)
    street_a = create_unit(actor=actor, code="990100001", name="东街道", kind="street", parent=district)
    street_b = create_unit(actor=actor, code="990100002", name="西街道", kind="street", parent=district)
    community_a = create_unit(
        actor=actor, code="990100001001", name="东一社区", kind="community", parent=street_a
    )
    community_b = create_unit(
        actor=actor, code="990100002001", name="西一社区", kind="community", parent=street_b
    )
    water = create_unit(actor=actor, code="D-WATER", name="自来水公司", kind="company", parent=district)
    sanitation = create_unit(actor=actor, code="D-SANI", name="环卫所", kind="department", parent=district)
    o = Org(city, district, street_a, street_b, community_a, community_b, water, sanitation)
    specs = {
        "admin": (city, Role.ADMIN),
        "leader": (district, Role.LEADER),
        "dispatcher": (district, Role.DISPATCHER),
        "street_a_manager": (street_a, Role.UNIT_MANAGER),
        "street_b_manager": (street_b, Role.UNIT_MANAGER),
        "water_handler": (water, Role.HANDLER),
        "supervisor_a": (community_a, Role.SUPERVISOR),
    }
    for username, (unit, role) in specs.items():
        o.users[username] = create_user(
            actor=actor,
            username=username,
            password="demo-pass-2026",
            display_name=username,
            roles=[(unit, role)],
        )
    return o


class ApiClient:
    """A JSON client that authenticates with a bearer token, as an outside system would (so Django's
    CSRF checks are enforced, as they are on a real server)."""

    def __init__(self, user: User | None) -> None:
        self.client = Client(enforce_csrf_checks=True)
        self.headers: dict[str, str] = {}
        if user is not None:
            _, raw = create_api_token(actor=system_actor(), user=user, name="test")
            self.headers["Authorization"] = f"Bearer {raw}"

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, body: Any = None, **headers: str) -> Any:
        return self.client.post(
            path, json.dumps(body or {}), content_type="application/json", headers={**self.headers, **headers}
        )

    def put(self, path: str, body: Any = None) -> Any:
        return self.client.put(
            path, json.dumps(body or {}), content_type="application/json", headers=self.headers
        )

    def delete(self, path: str) -> Any:
        return self.client.delete(path, headers=self.headers)


@pytest.fixture
def api_as(db: Any) -> Any:
    """``api_as(user)`` gives an :class:`ApiClient` holding a fresh token for ``user`` (None: anonymous)."""
    return ApiClient
