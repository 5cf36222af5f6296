"""Repeated complaints at a spot (DOMAIN.md §9): the reports merged (合并) into an open case of the
same problem are counted for the place, in the period they were merged."""

from __future__ import annotations

from cityloop.evaluation.compute import evaluate
from cityloop.evaluation.periods import parse_period
from tests.evaluation.conftest import AFTER, PERIOD, at
from tests.evaluation.test_worked_examples import one


def test_reports_merged_into_an_open_case_are_counted_for_the_place(drive, no_minimums, org):
    first = drive.report(at(13, 9, 0))
    second = drive.report(at(13, 11, 0), channel="hotline_12345")
    drive.act(second, "merge", at(13, 11, 5), into=first.number)
    late = drive.report(at(31, 23, 0), channel="hotline_12345")
    drive.act(late, "merge", at(11, 9, 0, month=11), into=first.number)  # merged after the month
    result = evaluate(parse_period(PERIOD), org.city, now=AFTER)
    for kind, label in (("street", "东街道"), ("community", "东一社区")):
        counts = one(result, kind, label).subject.counts
        assert (counts["cases_reported"], counts["repeats"], counts["cases"]) == (3, 1, 0), label
