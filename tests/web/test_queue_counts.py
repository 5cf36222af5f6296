"""The queue's counts, totals and pages stay right however they are read (the fast paths of the queue
and the map with a million cases: one state condition per query, text matched once, ids first)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cityloop.web import maps, queue

from .conftest import POINT_B


@pytest.fixture
def spread(loop: Any, cases_ab: Any) -> dict[str, Any]:
    """Cases in several states on both streets, some of them mentioning 垃圾桶."""
    made = dict(cases_ab)
    made["accepted"] = loop.drive(loop.report(description="垃圾桶破损"), "accept")
    made["registered"] = loop.drive(loop.report(description="垃圾桶满溢"), "accept", "register")
    made["b_accepted"] = loop.drive(
        loop.report(point=POINT_B, description="垃圾桶倒了", actor=loop.users["supervisor_b"]), "accept"
    )
    made["voided"] = loop.act(loop.report(description="垃圾桶误报"), "void")
    return made


def _seen(response: Any) -> tuple[list[tuple[str, int]], int, list[str]]:
    context = response.context
    counts = [(state, n) for state, _label, n in context["counts"]]
    return counts, context["page"].paginator.count, [c.number for c in context["rows"]]


QUERIES = [
    "view=open&q=垃圾桶",
    "view=all&q=垃圾桶",
    "view=all&q=垃圾桶&state=accepted",
    "view=all&q=垃圾桶&state=voided",
    "view=open&q=垃圾桶&state=voided",
    "view=mine&q=垃圾桶&sort=-reported_at",
    "view=all&q=垃圾桶&light=green&sort=number",
]


@pytest.mark.parametrize("query", QUERIES)
def test_text_search_reads_the_matches_once_and_shows_what_the_filter_shows(
    client_as, spread, monkeypatch, query
):
    operator = client_as("operator")
    fast = _seen(operator.get(f"/cases/?{query}"))
    # With no room for the matches, the queue counts and pages with the text filter itself.
    monkeypatch.setattr(queue, "TEXT_MATCH_CAP", 0)
    plain = _seen(operator.get(f"/cases/?{query}"))
    assert fast == plain


@pytest.mark.parametrize("query", QUERIES)
def test_a_common_text_walks_the_listed_cases_and_shows_the_same(client_as, spread, monkeypatch, query):
    operator = client_as("operator")
    fast = _seen(operator.get(f"/cases/?{query}"))
    # Held by "many" cases: no reading of the matches; counts and open lists probe the text index.
    monkeypatch.setattr(queue, "COMMON_TEXT", 0)
    common = _seen(operator.get(f"/cases/?{query}"))
    assert fast == common


def test_text_search_counts_and_total(client_as, spread):
    counts, total, rows = _seen(client_as("operator").get("/cases/?view=all&q=垃圾桶"))
    assert counts == [("accepted", 2), ("registered", 1)]
    # Everything: the voided case too, counted exactly (no cap for a text search's few matches).
    assert total == 4 and spread["voided"].number in rows


def test_every_query_carries_one_state_condition(client_as, spread):
    """Repeated state conditions make PostgreSQL misjudge how many cases match (and pick bad plans)."""
    operator = client_as("operator")
    for query in ("view=open&state=accepted&overdue=on", "view=mine&state=registered", "view=open"):
        with CaptureQueriesContext(connection) as captured:
            assert operator.get(f"/cases/?{query}").status_code == 200
        for q in captured.captured_queries:
            if "cases_case" in q["sql"]:
                assert q["sql"].count('"state" IN') <= 1, (query, q["sql"])


def test_totals_of_open_states_come_from_the_counts(client_as, spread):
    operator = client_as("operator")
    counts, total, rows = _seen(operator.get("/cases/?view=all&state=accepted&state=reported"))
    assert total == 3 == len(rows) and dict(counts)["accepted"] == 2
    # A closed state is not counted per state: the total is then counted (up to the cap).
    counts, total, rows = _seen(operator.get("/cases/?view=all&state=voided"))
    assert total == 1 and rows == [spread["voided"].number]
    # A chosen state the view does not show lists nothing.
    assert _seen(operator.get("/cases/?view=open&state=voided"))[1:] == (0, [])


def test_overdue_lists_only_open_cases(client_as, spread):
    counts, total, rows = _seen(client_as("operator").get("/cases/?view=all&overdue=on"))
    assert (counts, total, rows) == ([], 0, [])


def test_map_picks_its_cases_by_id_and_counts_past_the_limit(client_as, spread, monkeypatch):
    operator = client_as("operator")
    whole = operator.get("/map/cases.json", {"scope": "all"}).json()
    assert whole["total"] == len(whole["cases"]) == 6 and not whole["truncated"]
    monkeypatch.setattr(maps, "MAP_CASE_LIMIT", 2)
    cut = operator.get("/map/cases.json", {"scope": "all"}).json()
    assert cut["truncated"] and len(cut["cases"]) == 2 and cut["total"] == 6
    assert {row[0] for row in cut["cases"]} <= {row[0] for row in whole["cases"]}
    street_a = client_as("street_a_manager").get("/map/cases.json", {"scope": "all"}).json()
    assert spread["b_accepted"].pk not in {row[0] for row in street_a["cases"]}


def test_a_units_list_shows_the_cases_sent_to_it(client_as, spread):
    todo = client_as("sanitation_handler").get("/tasks/")
    assert [c.number for c in todo.context["rows"]] == [spread["a"].number]
    assert todo.context["page"].paginator.count == 1
