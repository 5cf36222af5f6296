"""The station's claim on community-level cases, and coordination meetings built from the backlog."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cityloop.community import tasks
from cityloop.community.actions import mark_community_level
from cityloop.community.meetings import complete_item, hold_meeting, overdue_items
from cityloop.community.models import ActionItem
from cityloop.routing.claimers import claimers
from cityloop.routing.decide import route
from cityloop.routing.facts import facts_for

from .conftest import POINT_A, POINT_B, Community

pytestmark = pytest.mark.django_db


def test_the_community_claimer_is_registered_beside_the_others() -> None:
    names = [name for name, _ in claimers()]
    assert "community" in names
    if "frontage" in names:  # frontage comes first in INSTALLED_APPS: a shop's zone is told first
        assert names.index("frontage") < names.index("community")


def test_a_community_level_category_goes_to_the_station_first(community: Community) -> None:
    loop = community.loop
    case = loop.report(description="楼道灯不亮", point=POINT_A)
    case = loop.act(case, "accept", category="0104", kind="event")
    assert route(facts_for(case)).unit.id != community.station_unit.pk  # not community-level yet
    mark_community_level(actor=community.users["admin"], code="0104", note="楼院小事")
    decision = route(facts_for(case))
    assert decision.unit is not None and decision.unit.id == community.station_unit.pk
    other = loop.act(
        loop.report(description="路灯不亮", point=POINT_B, actor=loop.users["supervisor_b"]),
        "accept",
        category="0104",
        kind="event",
    )
    assert route(facts_for(other)).unit.id == community.station_b.unit_id


def test_an_escalated_problem_is_not_claimed_back(community: Community) -> None:
    mark_community_level(actor=community.users["admin"], code="0104")
    head = community.users["station_head"]
    task = tasks.raise_task(
        actor=head,
        station=community.station,
        description="护栏断了",
        lon=POINT_A[0],
        lat=POINT_A[1],
        category_code="0104",
    )
    task = tasks.escalate_task(actor=head, task=task, reason="需要市政更换护栏")
    from cityloop.cases.models import Case

    case = Case.objects.get(pk=task.case_id)
    decision = route(facts_for(case))
    assert decision.unit is None or decision.unit.id != community.station_unit.pk


def test_only_the_city_or_district_marks_community_level(community: Community) -> None:
    with pytest.raises(PermissionDenied):
        mark_community_level(actor=community.users["street_a_manager"], code="0104")


def test_weekly_meeting_takes_the_backlog_and_follows_items(community: Community) -> None:
    head = community.users["station_head"]
    org = community.loop.org
    open_task = tasks.raise_task(
        actor=head, station=community.station, description="垃圾桶破损", lon=POINT_A[0], lat=POINT_A[1]
    )
    solved = tasks.raise_task(
        actor=head, station=community.station, description="井盖松动", lon=POINT_A[0], lat=POINT_A[1]
    )
    tasks.solve_task(actor=head, task=solved, solution="已固定", photos=community.photo())
    today = timezone.localdate()
    meeting = hold_meeting(
        actor=head,
        unit=org.community_a,
        kind="community_weekly",
        held_on=today,
        decisions="垃圾桶由物业更换",
        items=[
            {
                "what": "更换垃圾桶",
                "who": "物业李经理",
                "due": today - dt.timedelta(days=1),
                "task": open_task.pk,
            },
            {"what": "回访居民", "who": "王站长", "due": today + dt.timedelta(days=3)},
        ],
    )
    assert list(meeting.agenda.all()) == [open_task]
    overdue = overdue_items(ActionItem.objects.filter(unit=org.community_a))
    assert [i.what for i in overdue] == ["更换垃圾桶"]
    item = overdue.get()
    with pytest.raises(PermissionDenied):
        complete_item(actor=community.users["station_head_b"], item=item, note="已换")
    complete_item(actor=head, item=item, note="已换新桶")
    assert not overdue_items(ActionItem.objects.filter(unit=org.community_a)).exists()
    with pytest.raises(ValidationError, match="item"):
        complete_item(actor=head, item=item, note="again")


def test_meetings_refuse_the_wrong_unit_people_and_items(community: Community) -> None:
    org = community.loop.org
    today = timezone.localdate()
    head = community.users["station_head"]
    with pytest.raises(ValidationError, match="unit"):
        hold_meeting(actor=head, unit=org.street_a, kind="community_weekly", held_on=today)
    with pytest.raises(PermissionDenied):
        hold_meeting(
            actor=community.users["station_head_b"],
            unit=org.community_a,
            kind="community_weekly",
            held_on=today,
        )
    with pytest.raises(PermissionDenied):
        hold_meeting(actor=head, unit=org.street_a, kind="street_monthly", held_on=today)
    with pytest.raises(ValidationError, match=r"items\.0\.who"):
        hold_meeting(
            actor=head,
            unit=org.community_a,
            kind="community_weekly",
            held_on=today,
            items=[{"what": "x", "due": today}],
        )
    meeting = hold_meeting(
        actor=community.users["street_a_manager"], unit=org.street_a, kind="street_monthly", held_on=today
    )
    assert meeting.kind == "street_monthly"
