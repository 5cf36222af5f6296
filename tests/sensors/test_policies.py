"""The city sets what happens to each kind of sensor's cases (自动结案 or 留待核查) through the API, and
the next recovery follows the new policy; only the city's administrators may, with an audit entry."""

from __future__ import annotations

import pytest

from cityloop.cases.models import Case
from cityloop.core.actions import create_user
from cityloop.core.models import AuditEntry, Role
from cityloop.sensors.models import SensorPolicy
from tests.sensors.conftest import post_reading, reading

pytestmark = pytest.mark.django_db
S = "/api/v1/sensors"


@pytest.fixture
def city_admin(loop, actor):
    return create_user(
        actor=actor, username="city_admin", password="demo-pass-2026", roles=[(loop.org.city, Role.ADMIN)]
    )


def test_the_city_turns_automatic_closing_off_and_a_recovery_is_left(devices, network, api_as, city_admin):
    body = {"category": "0406", "category_kind": "event", "recovery": "check", "recovery_minutes": 120}
    answer = api_as(city_admin).put(f"{S}/policies/water_level", body)
    assert answer.status_code == 200, answer.content
    assert answer.json() == {
        "kind": "water_level",
        "category": "0406",
        "category_kind": "event",
        "category_name": SensorPolicy.objects.get(kind="water_level").category.name,
        "recovery": "check",
        "recovery_minutes": 120,
    }
    entry = AuditEntry.objects.get(action="sensor.policy.set", actor=city_admin)
    assert entry.before["recovery"] == "close" and entry.after["recovery"] == "check"
    listed = {p["kind"]: p for p in api_as(city_admin).get(f"{S}/policies").json()}
    assert listed["water_level"]["recovery"] == "check"
    # The underpass drains within minutes: under the new policy the case waits for the check.
    post_reading(network, reading("WL-1", "alert"), "a")
    recovered = post_reading(network, reading("WL-1", "normal", minutes=10), "b").json()
    assert recovered["outcome"] == "left"
    assert Case.objects.get(number=recovered["case_number"]).state == "reported"


def test_only_the_citys_administrators_set_policies(devices, network, loop, actor, api_as):
    district_admin = create_user(
        actor=actor,
        username="district_admin",
        password="demo-pass-2026",
        roles=[(loop.org.district, Role.ADMIN)],
    )
    body = {"category": "0406", "category_kind": "event", "recovery": "check", "recovery_minutes": 120}
    entries = AuditEntry.objects.filter(action="sensor.policy.set").count()
    for user in (loop.users["operator"], district_admin):
        assert api_as(user).put(f"{S}/policies/water_level", body).status_code == 403
    assert SensorPolicy.objects.get(kind="water_level").recovery == "close"
    assert AuditEntry.objects.filter(action="sensor.policy.set").count() == entries


@pytest.mark.parametrize(
    ("kind", "body", "status", "field"),
    [
        ("water_level", {"category": "9999", "category_kind": "event"}, 400, "category"),
        ("water_level", {"category": "01", "category_kind": "event"}, 422, "category"),
        ("water_level", {"category": "0406", "category_kind": "thing"}, 422, "category_kind"),
        ("water_level", {"category": "0406", "category_kind": "event", "recovery": "never"}, 422, "recovery"),
        (
            "water_level",
            {"category": "0406", "category_kind": "event", "recovery_minutes": 0},
            422,
            "recovery_minutes",
        ),
        ("smoke", {"category": "0406", "category_kind": "event"}, 404, "kind"),
    ],
)
def test_bad_policies_name_the_field(devices, network, api_as, city_admin, kind, body, status, field):
    full = {"recovery": "check", "recovery_minutes": 120, **body}
    answer = api_as(city_admin).put(f"{S}/policies/{kind}", full)
    assert answer.status_code == status, answer.content
    got = answer.json()
    named = (
        {e["field"] for e in got["errors"]}
        if isinstance(got.get("errors"), list)
        else set(got.get("errors") or ())
    )
    assert field in named | {got.get("field")}, got
    assert SensorPolicy.objects.get(kind="water_level").recovery == "close"
