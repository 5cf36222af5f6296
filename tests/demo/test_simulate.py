"""The simulator drives the demo city through the real actions; its month agrees with the timelines."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.utils import timezone

from cityloop.cases.models import Case, CaseEvent, CaseStep
from cityloop.core.audit import system_actor
from cityloop.core.models import Membership, Role
from cityloop.demo.simulate import simulate
from cityloop.hotline.platforms import create_platform
from cityloop.video.models import CameraCase
from tests.cases.test_invariants import check_case

NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 18, 0))


def test_simulated_days_run_every_side_flow_consistently(demo_city, db):
    # As under `make run`: the demo hotline platform exists, and its service account (which holds
    # command roles to answer for the platform) is never taken for one of the centre's staff.
    platform = create_platform(
        actor=system_actor(),
        code="demo",
        name="演示热线平台",
        callback_url="http://127.0.0.1:9/",
        unit=demo_city.city,
    )
    per_day: dict[dt.date, int] = {}
    report = simulate(days=4, per_day=45, seed=7, now=NOW, progress=per_day.__setitem__)
    assert not CaseEvent.objects.filter(actor=platform.actor).exists()
    cases = list(Case.objects.all())
    assert report.cases == len(cases) > 100
    # The progress line shows the cases each day really got (none after "now" on the last one).
    reported = Counter(timezone.localdate(c.reported_at) for c in cases)
    assert per_day == {day: reported[day] for day in per_day} and sum(per_day.values()) == len(cases)
    states = Counter(c.state for c in cases)
    assert states["closed"] > len(cases) / 3, states
    assert any(s in states for s in ("dispatched", "checking", "disposed", "registered")), (
        "no backlog left open"
    )
    done = Counter(CaseEvent.objects.values_list("transition", flat=True))
    for flow in (
        "send_for_verification",
        "verify",
        "approve_return",
        "approve_extension",
        "check_fail",
        "return_visit",
        "close",
        "dispose",
    ):
        assert done[flow] > 0, f"the simulator never took {flow}"
    # 视频巡查: cases seen through the district's cameras are linked to the camera and checked
    # through it (视频核查) by the centre's operator, not by a supervisor's walk.
    video = [c for c in cases if c.channel_id and c.channel.code == "video_patrol"]
    linked = set(CameraCase.objects.filter(case__in=video).values_list("case_id", flat=True))
    assert video and linked == {c.pk for c in video}
    assert (
        done["video_check_pass"] > 0
        and not CaseEvent.objects.filter(case__in=video, transition__in=("check_pass", "check_fail")).exists()
    )
    for case in cases:
        check_case(case)
        assert case.reported_at <= NOW
    assert not CaseEvent.objects.filter(at__gt=NOW).exists(), "nothing may happen after 'now'"
    late = CaseStep.objects.filter(step="dispose", on_time=False).count()
    on_time = CaseStep.objects.filter(step="dispose", on_time=True).count()
    assert 0 < late < on_time
    check_two_levels(demo_city, cases)


def check_two_levels(demo_city, cases):
    """Both districts have closed cases, the smaller fewer; the city centre commanded its own cases
    end to end, and each centre took only its own command steps."""
    closed = Counter(c.district_id for c in cases if c.state == "closed")
    first, second = (d.district.pk for d in demo_city.districts)
    assert closed[first] > closed[second] > 0, closed
    city_cases = [c for c in cases if c.command_level == "city"]
    assert city_cases, "no case was commanded by the city"
    city_staff = {u.pk for name, u in demo_city.users.items() if name.startswith("city_")}
    dispatched = CaseEvent.objects.filter(case__in=city_cases, transition="dispatch").exclude(
        actor__username="system"
    )
    assert dispatched.exists() and set(dispatched.values_list("actor_id", flat=True)) <= city_staff
    # The dispatch step of a city case was ended by the city's dispatcher; it was closed by the city's
    # shift leader after the district's supervisor checked it on site.
    ended = CaseStep.objects.filter(case__in=city_cases, step="dispatch", ended_at__isnull=False)
    assert ended.exists()
    closes = CaseEvent.objects.filter(case__in=city_cases, transition="close")
    assert closes.exists() and set(closes.values_list("actor__username", flat=True)) == {"city_shift_leader"}
    checkers = set(
        CaseEvent.objects.filter(case__in=city_cases, transition="check_pass").values_list("actor", flat=True)
    )
    supervisors = set(Membership.objects.filter(role=Role.SUPERVISOR).values_list("user", flat=True))
    assert checkers and checkers <= supervisors
    assert {c.responsible_unit for c in city_cases if c.state == "closed"} & set(
        demo_city.city_units.values()
    )
    # No district staff took a command step on a city case, and no city staff on a district case.
    commands = ("accept", "register", "dispatch", "send_for_check", "close", "approve_return", "return_visit")
    after_accept = CaseEvent.objects.filter(transition__in=commands[1:])
    assert (
        not after_accept.filter(case__in=city_cases)
        .exclude(actor_id__in=city_staff)
        .exclude(actor__username="system")
        .exists()
    )
    district_cases = [c for c in cases if c.command_level == "district"]
    assert not CaseEvent.objects.filter(
        case__in=district_cases, transition__in=commands, actor_id__in=city_staff
    ).exists()


def test_demo_has_escalation_rules_for_overdue_steps(demo_city, db):
    from cityloop.timeclock.models import EscalationRule

    rules = {r.step: r for r in EscalationRule.objects.filter(district=demo_city.district)}
    assert set(rules) == {"dispose", "register", "dispatch"}
    assert rules["dispose"].after_unit == "working_day" and rules["dispose"].after_amount == 1
    assert all(
        r.action == "urge" and r.acting_unit == demo_city.unit("command_centre") for r in rules.values()
    )
