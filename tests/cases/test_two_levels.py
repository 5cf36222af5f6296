"""Two levels of command (两级指挥): the city centre takes the cases routing assigns to city-level units
and those a district refers up; a district centre commands only its own; the city urges districts."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from cityloop.cases.engine import TransitionError, available, perform
from cityloop.cases.models import Case
from cityloop.core.actions import create_unit, create_user
from cityloop.core.models import Role, User
from cityloop.routing.actions import create_rule

from .conftest import Loop

pytestmark = pytest.mark.django_db


@pytest.fixture
def city(loop: Loop, actor: User) -> dict[str, Any]:
    """The city centre's staff (on the city unit, their jurisdiction), a city-level department and a
    rule that sends dirty roads (0104) to it, commanded by the city."""
    org = loop.org
    works = create_unit(
        actor=actor, code="990000-SZ", name="市市政设施管理处", kind="department", parent=org.city
    )
    people: dict[str, Any] = {"works": works}
    for username, unit, role in (
        ("city_operator", org.city, Role.OPERATOR),
        ("city_shift_leader", org.city, Role.SHIFT_LEADER),
        ("city_dispatcher", org.city, Role.DISPATCHER),
        ("city_leader", org.city, Role.LEADER),
        ("works_handler", works, Role.HANDLER),
    ):
        people[username] = create_user(
            actor=actor, username=username, password="demo-pass-2026", roles=[(unit, role)]
        )
    create_rule(
        actor=actor,
        name="道路不洁由市市政处置（市级指挥）",
        kind="event",
        category_code="0104",
        area_unit=org.city,
        target="unit",
        target_unit=works,
        level="city",
    )
    return people


def _accepted_dirty_road(loop: Loop) -> Case:
    return loop.act(loop.report(), "accept", category="0104")


def test_routing_to_a_city_unit_hands_the_case_to_the_city_centre(loop: Loop, city: dict[str, Any]) -> None:
    case = _accepted_dirty_road(loop)
    assert case.command_level == "city"
    assert case.routing["unit"]["code"] == "990000-SZ"
    # The registration step is the city centre's: its warnings and overdue notices go there.
    register_step = case.steps.get(step="register", ended_at__isnull=True)
    assert register_step.unit == loop.org.city
    assert register_step.timer.responsible_unit == loop.org.city

    # The district's shift leader no longer registers it, and is told who does.
    with pytest.raises(TransitionError) as refused:
        loop.act(case, "register")
    assert refused.value.status == 403
    assert "city command centre" in refused.value.message
    assert "register" not in [t.name for t in available(case, loop.users["shift_leader"])]

    case = loop.act(case, "register", user=city["city_shift_leader"])
    case = loop.act(case, "dispatch", user=city["city_dispatcher"], unit="990000-SZ")
    assert case.responsible_unit == city["works"]
    case = loop.act(
        case, "dispose", user=city["works_handler"], attachments=[loop.photo(city["works_handler"])]
    )
    with pytest.raises(TransitionError):
        loop.act(case, "send_for_check")  # the district's operator
    case = loop.act(case, "send_for_check", user=city["city_operator"])
    case = loop.act(case, "check_pass")  # the district's supervisor checks on site
    case = loop.act(case, "close", user=city["city_shift_leader"])
    assert case.state == "closed"
    accepted = case.events.get(transition="accept")
    assert accepted.data["command_level"] == "city"


def test_a_district_case_is_commanded_by_its_district_and_urged_by_the_city(
    loop: Loop, city: dict[str, Any]
) -> None:
    case = loop.drive(loop.report(), "accept", "register")
    assert case.command_level == "district"
    with pytest.raises(TransitionError) as refused:
        loop.act(case, "dispatch", user=city["city_dispatcher"])
    assert refused.value.status == 403
    assert "示范区" in refused.value.message  # commanded by the district, named

    # The city sees every district's cases and urges them.
    assert Case.objects.filter(pk=case.pk).exists()
    names = [t.name for t in available(case, city["city_leader"])]
    assert set(names) == {"urge", "comment"}
    case = loop.act(case, "urge", user=city["city_leader"])
    assert case.urges_count == 1
    case = loop.act(case, "dispatch")
    assert case.state == "dispatched"


def test_a_district_cannot_dispatch_to_a_city_unit(loop: Loop, city: dict[str, Any]) -> None:
    case = loop.drive(loop.report(), "accept", "register")
    with pytest.raises(ValidationError) as refused:
        loop.act(case, "dispatch", unit="990000-SZ", reason="交市里")
    assert "city-level unit" in str(refused.value.message_dict["unit"])
    case.refresh_from_db()
    assert case.state == "registered" and case.responsible_unit is None


def test_referrals_between_the_district_and_the_city(loop: Loop, city: dict[str, Any]) -> None:
    case = loop.drive(loop.report(), "accept", "register")
    with pytest.raises(ValidationError):
        loop.act(case, "refer_to_city", reason="")
    case = loop.act(case, "refer_to_city", reason="跨区问题，请市级协调")
    assert case.command_level == "city" and case.state == "registered"
    with pytest.raises(TransitionError) as twice:
        loop.act(case, "refer_to_city", user=city["city_dispatcher"], reason="再次上报")
    assert twice.value.status in (403, 409)

    case = loop.act(case, "dispatch", user=city["city_dispatcher"], unit="990000-SZ", reason="市级协调")
    assert case.responsible_unit == city["works"]


def test_the_city_hands_a_case_back_and_the_rules_do_not_raise_it_again(
    loop: Loop, city: dict[str, Any]
) -> None:
    case = _accepted_dirty_road(loop)
    case = loop.act(case, "refer_to_district", user=city["city_shift_leader"], reason="属区级职责")
    assert case.command_level == "district"
    case = loop.act(case, "register")  # the district's shift leader; routing still names the city unit
    assert case.command_level == "district"
    case = loop.act(case, "dispatch")
    assert case.responsible_unit == loop.org.sanitation


def test_the_api_shows_and_filters_the_command_level(loop: Loop, city: dict[str, Any], api_as: Any) -> None:
    city_case = _accepted_dirty_road(loop)
    district_case = loop.drive(loop.report(), "accept")
    api = api_as(city["city_dispatcher"])
    body = api.get("/api/v1/cases", level="city").json()
    assert [c["number"] for c in body["items"]] == [city_case.number]
    assert body["items"][0]["command_level"] == "city"
    assert body["items"][0]["district"] == "示范区"
    others = api.get("/api/v1/cases", level="district").json()["items"]
    assert [c["number"] for c in others] == [district_case.number]
    assert api.get("/api/v1/cases", level="province").status_code in (400, 422)
    refused = api.post(f"/api/v1/cases/{district_case.pk}/actions/register", {"condition": 1})
    assert refused.status_code == 403
    assert refused.json()["detail"]
