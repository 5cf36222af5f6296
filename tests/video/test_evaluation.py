"""Missed cameras and rounds show in the operator's monthly evaluation: recomputed here from the
rounds' own records and compared with the operator's counts."""

from __future__ import annotations

import datetime as dt

import pytest

from cityloop.evaluation.compute import evaluate
from cityloop.evaluation.measures import rates_of
from cityloop.evaluation.periods import parse_period
from cityloop.video.models import RoundStop
from cityloop.video.patrol import close_stale_rounds, create_route, finish_round, look_at, start_round

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)


def test_operator_counts_cameras_looked_and_missed_and_unfinished_rounds(cameras, loop, actor) -> None:
    operator = loop.users["operator"]
    route = create_route(
        actor=actor,
        code="day-1",
        name="白班轮巡",
        district=loop.org.district,
        shift="day",
        cameras=[c.code for c in cameras],
    )
    finished = start_round(route, actor=operator, at=T0)
    first, second, _third = RoundStop.objects.filter(round=finished).order_by("position")
    look_at(first, actor=operator, at=T0 + dt.timedelta(seconds=40))
    look_at(second, actor=operator, at=T0 + dt.timedelta(seconds=90))
    finish_round(finished, actor=operator, at=T0 + dt.timedelta(minutes=3))
    # The next day's round is left running: the sweep marks it missed, every camera unseen.
    left = start_round(route, actor=operator, at=T0 + dt.timedelta(days=1))
    look_at(RoundStop.objects.get(round=left, position=1), actor=operator, at=T0 + dt.timedelta(days=1))
    assert close_stale_rounds(actor=actor, today=left.day + dt.timedelta(days=1)) == 1
    # Today's round is still running: not counted until it is over.
    start_round(route, actor=operator, at=T0 + dt.timedelta(days=2))

    now = T0 + dt.timedelta(days=2, hours=1)
    result = evaluate(parse_period("2026-12"), loop.org.district, subjects=("operator",), now=now)
    counts = next(s.subject.counts for s in result.scores["operator"] if s.subject.user_id == operator.pk)

    over = RoundStop.objects.filter(round__operator=operator, round__status__in=("finished", "missed"))
    assert counts["video_stops"] == over.count() == 6
    assert counts["video_looked"] == over.filter(status="looked").count() == 3
    assert counts["video_missed"] == over.filter(status="missed").count() == 3
    assert counts["video_rounds_missed"] == 1
    assert rates_of(counts)["video_look_rate"] == "0.5000"
