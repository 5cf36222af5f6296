"""The community micro-loop's actions: success, forbidden roles, another community, bad input, and
the way into (and back from) the district's case loop."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cityloop.cases.models import Case
from cityloop.community import tasks
from cityloop.community.models import Task, TaskState
from cityloop.core.models import AuditEntry

from .conftest import POINT_A, Community, png_bytes

pytestmark = pytest.mark.django_db


def test_raise_keeps_the_residents_report_with_its_photo(community: Community, raised: Task) -> None:
    assert raised.state == TaskState.OPEN
    assert raised.community_id == community.loop.org.community_a.pk
    assert raised.district_id == community.loop.org.district.pk
    assert raised.photos.count() == 1
    assert AuditEntry.objects.filter(action="community.task.raise", object_id=str(raised.pk)).exists()


def test_a_head_of_another_community_may_not_raise_here(community: Community) -> None:
    with pytest.raises(PermissionDenied):
        tasks.raise_task(
            actor=community.users["station_head_b"],
            station=community.station,
            description="漏水",
            lon=POINT_A[0],
            lat=POINT_A[1],
        )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"description": " "}, "description"),
        ({"description": "x" * 501}, "description"),
        ({"lon": 200.0}, "lon"),
        ({"lat": float("nan")}, "lat"),
        ({"source": "case"}, "source"),
        ({"photos": [("a.png", b"not an image")]}, "photos"),
    ],
)
def test_raise_refuses_bad_input_naming_the_field(
    community: Community, fields: dict[str, Any], field: str
) -> None:
    values: dict[str, Any] = {"description": "漏水", "lon": POINT_A[0], "lat": POINT_A[1], **fields}
    with pytest.raises(ValidationError) as caught:
        tasks.raise_task(actor=community.users["station_head"], station=community.station, **values)
    assert field in caught.value.message_dict
    assert not Task.objects.exists()


def test_the_station_assigns_a_professional_with_its_short_working_time_deadline(
    community: Community, raised: Task
) -> None:
    task = tasks.assign_task(
        actor=community.users["station_head"], task=raised, professional=community.plumber
    )
    assert task.state == TaskState.ASSIGNED
    assert task.deadline_at is not None and task.deadline_at > task.assigned_at
    assert "李师傅" in task.assignee_label()
    assert AuditEntry.objects.filter(action="community.task.assign", object_id=str(task.pk)).exists()


def test_the_head_assigned_finds_the_task_in_the_inbox_once_per_assignment(
    community: Community, raised: Task
) -> None:
    from cityloop.notify.models import Outbox

    head = community.building.user
    tasks.assign_task(actor=community.users["station_head"], task=raised, post=community.building)
    notice = Outbox.objects.get(kind=tasks.ASSIGNED_NOTICE)
    assert notice.recipient_users == [head.pk] and notice.subject_id == str(raised.pk)
    assert "办结" in notice.payload["body"] and notice.district_id == raised.district_id
    # Handed to the plumber: his account is told; without an account the station phones him.
    tasks.assign_task(actor=community.users["station_head"], task=raised, professional=community.plumber)
    latest = Outbox.objects.filter(kind=tasks.ASSIGNED_NOTICE).latest("pk")
    assert community.plumber.user is not None and latest.recipient_users == [community.plumber.user.pk]
    type(community.plumber).objects.filter(pk=community.plumber.pk).update(user=None)
    community.plumber.refresh_from_db()
    tasks.assign_task(actor=community.users["station_head"], task=raised, professional=community.plumber)
    assert Outbox.objects.filter(kind=tasks.ASSIGNED_NOTICE).count() == 2


def test_only_the_station_assigns(community: Community, raised: Task) -> None:
    for name in ("building_head", "station_head_b", "street_b_manager", "water_handler"):
        with pytest.raises(PermissionDenied):
            tasks.assign_task(actor=community.users[name], task=raised, post=community.building)
    # The street's manager may.
    tasks.assign_task(actor=community.users["street_a_manager"], task=raised, post=community.building)


def test_assign_needs_exactly_one_assignee_and_a_sane_limit(community: Community, raised: Task) -> None:
    head = community.users["station_head"]
    with pytest.raises(ValidationError, match="assignee"):
        tasks.assign_task(actor=head, task=raised)
    with pytest.raises(ValidationError, match="assignee"):
        tasks.assign_task(actor=head, task=raised, post=community.building, professional=community.plumber)
    with pytest.raises(ValidationError, match="hours"):
        tasks.assign_task(actor=head, task=raised, post=community.building, hours=0)
    other_post = community.station_b.posts.get()
    with pytest.raises(ValidationError, match="post"):
        tasks.assign_task(actor=head, task=raised, post=other_post)


def test_solved_in_the_community_needs_a_photo_and_counts(community: Community, raised: Task) -> None:
    task = tasks.assign_task(
        actor=community.users["station_head"], task=raised, professional=community.plumber
    )
    plumber = community.users["plumber_user"]
    with pytest.raises(ValidationError, match="photos"):
        tasks.solve_task(actor=plumber, task=task, solution="换了阀门", photos=[])
    with pytest.raises(PermissionDenied):
        tasks.solve_task(
            actor=community.users["station_head_b"], task=task, solution="x", photos=community.photo()
        )
    task = tasks.solve_task(actor=plumber, task=task, solution="换了阀门", photos=community.photo())
    assert task.state == TaskState.SOLVED and task.solved_at is not None
    assert task.photos.filter(stage="solution").count() == 1
    assert not Case.objects.exists()  # settled inside the community: the district never saw it
    with pytest.raises(ValidationError, match="state"):
        tasks.note_task(actor=plumber, task=task, text="再看一下")


def test_escalation_makes_a_case_with_everything_gathered(community: Community, raised: Task) -> None:
    head = community.users["station_head"]
    task = tasks.assign_task(actor=head, task=raised, post=community.building)
    tasks.note_task(actor=community.users["building_head"], task=task, text="联系物业，物业说是市政管网")
    with pytest.raises(PermissionDenied):
        tasks.escalate_task(actor=community.users["building_head"], task=task, reason="管网问题")
    task = tasks.escalate_task(actor=head, task=task, reason="市政管网破裂，社区无法处置")
    assert task.state == TaskState.ESCALATED and task.case_number
    case = Case.objects.get(pk=task.case_id)
    assert case.channel.code == "community_head"
    assert "3号楼下水管漏水" in case.description
    assert "联系物业" in case.description and "市政管网破裂" in case.description
    assert case.reporter_phone == "13800001111"
    assert case.attachments.count() == 1  # the resident's photo went with it
    assert case.community_id == community.loop.org.community_a.pk


def test_escalation_refused_by_the_case_loop_leaves_nothing_behind(community: Community) -> None:
    head = community.users["station_head"]
    task = tasks.raise_task(actor=head, station=community.station, description="护栏断了", lon=0.5, lat=0.5)
    with pytest.raises(ValidationError):
        tasks.escalate_task(actor=head, task=task, reason="需要区里")  # outside every grid of the city
    task.refresh_from_db()
    assert task.state == TaskState.OPEN and not Case.objects.exists()
    assert not AuditEntry.objects.filter(action="community.task.escalate").exists()


def _dispatched_to_station(community: Community) -> Case:
    loop = community.loop
    case = loop.report(description="楼道灯不亮")
    case = loop.act(case, "accept")
    case = loop.act(case, "register")
    return loop.act(case, "dispatch", unit=community.station_unit.code, reason="社区级问题交社区工作站")


def test_a_case_sent_to_the_station_is_solved_in_the_community_and_disposed(community: Community) -> None:
    from cityloop.community.escalation import bridge

    case = _dispatched_to_station(community)
    head = community.users["station_head"]
    assert [c.number for c in bridge().incoming(community.station_unit.pk, limit=10)] == [case.number]
    with pytest.raises(PermissionDenied):
        tasks.take_case(actor=community.users["station_head_b"], station=community.station, case_id=case.pk)
    with pytest.raises(ValidationError, match="case_id"):
        tasks.take_case(actor=community.users["station_head_b"], station=community.station_b, case_id=case.pk)
    task = tasks.take_case(actor=head, station=community.station, case_id=case.pk)
    assert task.case_number == case.number and task.source == "case"
    with pytest.raises(ValidationError, match="case_id"):
        tasks.take_case(actor=head, station=community.station, case_id=case.pk)
    task = tasks.solve_task(actor=head, task=task, solution="换了灯泡", photos=community.photo())
    case.refresh_from_db()
    assert case.state == "disposed"
    assert case.attachments.filter(purpose="disposal").count() == 1


def test_a_case_the_community_cannot_solve_goes_back_to_the_district(community: Community) -> None:
    case = _dispatched_to_station(community)
    head = community.users["station_head"]
    task = tasks.take_case(actor=head, station=community.station, case_id=case.pk)
    tasks.escalate_task(actor=head, task=task, reason="需要更换整条线路", photos=[("p.png", png_bytes())])
    case.refresh_from_db()
    assert case.state == "return_requested"
