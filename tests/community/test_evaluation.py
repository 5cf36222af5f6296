"""The monthly evaluation counts problems solved at community level: recomputed here from the tasks
themselves and compared with what the evaluation says for each community and street."""

from __future__ import annotations

import pytest
from django.utils import timezone

from cityloop.community import tasks
from cityloop.community.models import Task
from cityloop.evaluation.compute import evaluate
from cityloop.evaluation.periods import parse_period

from .conftest import POINT_A, Community

pytestmark = pytest.mark.django_db


def test_solved_and_escalated_problems_are_counted_per_community_and_street(community: Community) -> None:
    head = community.users["station_head"]
    made = [
        tasks.raise_task(
            actor=head, station=community.station, description=f"问题{n}", lon=POINT_A[0], lat=POINT_A[1]
        )
        for n in range(4)
    ]
    for task in made[:2]:
        tasks.solve_task(actor=head, task=task, solution="已解决", photos=community.photo())
    tasks.escalate_task(actor=head, task=made[2], reason="社区无法解决")
    # made[3] stays open: counted nowhere.
    now = timezone.now()
    period = parse_period(timezone.localdate(now).strftime("%Y-%m"))
    result = evaluate(period, community.loop.org.district, subjects=("community", "street"), now=now)
    org = community.loop.org
    for kind, unit, field in (
        ("community", org.community_a, "community_id"),
        ("street", org.street_a, "street_id"),
    ):
        counts = next(s.subject.counts for s in result.scores[kind] if s.subject.unit_id == unit.pk)
        expected_solved = Task.objects.filter(**{field: unit.pk}, state="solved").count()
        expected_escalated = Task.objects.filter(**{field: unit.pk}, state="escalated").count()
        assert counts["community_solved"] == expected_solved == 2
        assert counts["community_escalated"] == expected_escalated == 1
