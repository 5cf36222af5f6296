"""The monthly evaluation of streets counts the cases handed to frontage parties and how many the
parties put right themselves (门前三包自我纠正率), recomputed here from the case timelines alone."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.utils import timezone

from cityloop.cases.models import CaseEvent
from cityloop.evaluation.compute import evaluate
from cityloop.evaluation.measures import rates_of
from cityloop.evaluation.periods import parse_period
from cityloop.frontage import index
from cityloop.frontage.correction_actions import answer_declined, answer_fixed, expire_corrections
from cityloop.frontage.models import SelfCorrection

from .loopkit import shop_at_point_a
from .test_loop import photo, registered


@pytest.fixture
def month_of_cases(loop, actor):
    index.reset()
    party = shop_at_point_a(actor)
    cases = [registered(loop) for _ in range(5)]
    mine = [SelfCorrection.objects.get(case_id=c.pk) for c in cases]
    answer_fixed(mine[0].pk, actor=party.account, photo=photo())
    answer_fixed(mine[1].pk, actor=party.account, note="已搬走", photo=photo())
    answer_declined(mine[2].pk, actor=party.account, reason="不是我店的")
    # The fourth runs out; the fifth is still waiting at the cut-off.
    SelfCorrection.objects.filter(pk=mine[3].pk).update(deadline_at=timezone.now() - dt.timedelta(minutes=1))
    assert expire_corrections(timezone.now())["expired"] == 1
    return loop, cases


def from_timelines(street_id: int, start: dt.datetime, cutoff: dt.datetime) -> Counter:
    """The street's frontage counts read from the case events only."""
    counts: Counter = Counter()
    for event in CaseEvent.objects.filter(case__street_id=street_id, at__gte=start, at__lt=cutoff):
        data = event.data or {}
        if event.transition == "dispatch" and data.get("holder"):
            counts["frontage_cases"] += 1
        if event.transition == "dispose" and data.get("self_correction"):
            counts["frontage_self_corrected"] += 1
        if event.transition == "comment" and (data.get("holder") or {}).get("outcome") == "expired":
            counts["frontage_expired"] += 1
    return counts


def test_the_street_evaluation_counts_frontage_self_correction(month_of_cases, org):
    period = parse_period(timezone.localdate().strftime("%Y-%m"))
    now = timezone.now() + dt.timedelta(seconds=1)
    result = evaluate(period, org.city, subjects=["street", "district"], now=now)
    street = next(s for s in result.scores["street"] if s.subject.key == org.street_a.pk)
    expected = from_timelines(org.street_a.pk, result.window.start, result.window.cutoff)
    assert expected == {"frontage_cases": 5, "frontage_self_corrected": 2, "frontage_expired": 1}
    assert {k: street.subject.counts[k] for k in expected} == dict(expected)
    assert rates_of(street.subject.counts)["frontage_self_correction_rate"] == "0.4000"
    district = next(s for s in result.scores["district"] if s.subject.key == org.district.pk)
    assert district.subject.counts["frontage_cases"] == 5
