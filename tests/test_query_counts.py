"""SQL query counts of the ten endpoints a real deployment calls most, against the baselines kept in
``tests/query_counts.json`` (one set per database engine).

Why these ten:

1. ``POST /api/v1/reports``: every channel's intake. The 12345 hotline integration and the citizens'
   app post here all day; each call is a case.
2. ``POST /api/v1/cases/{ref}/actions/{action}``: every step of the loop (here ``dispatch``, the
   step with the routing decision, the step clocks and the notices).
3. ``GET /api/v1/cases``: integrations and the phone apps poll the list of their cases.
4. ``GET /api/v1/cases/{ref}``: the case with its steps and timeline, after every list click and
   after every action (the action answers with it too).
5. ``GET /api/v1/cases/{ref}/actions``: what the user may do now, asked before every action form.
6. ``GET /api/v1/inbox``: every signed-in app polls its notices.
7. ``GET /cases/``: the command centre's queue, open all day on every operator's and dispatcher's
   screen and reloaded (htmx) after every filter change and action.
8. ``GET /cases/<pk>/``: the console's case page, opened for every case handled.
9. ``GET /map/cases.json``: the wall map of the command centre, refreshed on every pan and zoom.
10. ``GET /m/``: the supervisors' phone home: supervisors are the most numerous signed-in users (one
    or more per grid) and reopen it between every two tasks.

Each scenario runs on the ``loop`` city. A list is measured with 5 and then 10 rows (a case's page
with 5 and 10 timeline events, each with a photo; a report with 1 and 3 photos): the count must
not grow with the rows, so an N+1 shows at once. Every request is made twice and the second one
counted, as a running server process would make it (its per-process reference data built, its
token's ``last_used_at`` fresh); the compiled reference data (grids, rules, calendars) is not
rechecked in between, as it would not be within its 2-second window. Work a write defers to the
commit (notices) is not counted: the test runs inside a transaction that never commits, and the
actions' own transactions are savepoints here (counted as queries) where production opens real
transactions.

More queries than the baseline fail with the queries listed; fewer fail too, asking for the baseline
to be lowered (run with ``UPDATE_QUERY_COUNTS=1`` to rewrite the current engine's counts).
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cityloop.cases.models import Case
from cityloop.core.actions import create_api_token
from cityloop.core.audit import system_actor
from cityloop.notify.delivery import deliver
from cityloop.notify.outbox import enqueue
from tests.cases.conftest import POINT_A, Loop, loop  # noqa: F401  (``loop``: the fixture)

BASELINES = Path(__file__).with_name("query_counts.json")
UPDATE = os.environ.get("UPDATE_QUERY_COUNTS") == "1"
ROWS = (5, 10)


@dataclass
class Bench:
    """The ``loop`` city, signed-in clients, and the rows a scenario made so far."""

    loop: Loop
    cases: list[Case] = field(default_factory=list)
    pool: list[Any] = field(default_factory=list)
    case: Case | None = None
    per_call: int = 0
    _clients: dict[tuple[str, bool], tuple[Client, dict[str, str]]] = field(default_factory=dict)
    _serial: itertools.count[int] = field(default_factory=itertools.count)

    def client(self, username: str, *, api: bool) -> tuple[Client, dict[str, str]]:
        """A client for ``username``: with a bearer token for the API, signed in for the console."""
        key = (username, api)
        if key not in self._clients:
            user = self.loop.users[username]
            client, headers = Client(), {}
            if api:
                _, raw = create_api_token(actor=system_actor(), user=user, name="query counts")
                headers["Authorization"] = f"Bearer {raw}"
            else:
                client.force_login(user)
            self._clients[key] = (client, headers)
        return self._clients[key]

    def get(self, username: str, url: str, *, api: bool = False) -> Any:
        client, headers = self.client(username, api=api)
        return client.get(url, headers=headers)

    def post_json(self, username: str, url: str, body: dict[str, Any]) -> Any:
        client, headers = self.client(username, api=True)
        return client.post(url, json.dumps(body), content_type="application/json", headers=headers)

    def serial(self) -> int:
        return next(self._serial)

    def dispatched(self, n: int) -> None:
        """Dispatched cases in street A until there are ``n``."""
        while len(self.cases) < n:
            case = self.loop.report(description=f"暴露垃圾 {len(self.cases)}")
            self.cases.append(self.loop.drive(case, "accept", "register", "dispatch"))

    def timeline(self, n: int) -> None:
        """One dispatched case with ``n`` comments, each with a photo."""
        if self.case is None:
            self.case = self.loop.drive(self.loop.report(), "accept", "register", "dispatch")
        supervisor = self.loop.users["supervisor_a"]
        while self.case.events.filter(transition="comment").count() < n:
            photo = self.loop.photo(supervisor, "report")
            self.case = self.loop.act(self.case, "comment", user=supervisor, note="照片", attachments=[photo])


@dataclass(frozen=True)
class Scenario:
    name: str
    call: Callable[[Bench], Any]
    grow: Callable[[Bench, int], None] | None = None  # add rows until there are n
    prepare: Callable[[Bench], None] | None = None  # rows the calls use, made once
    rows: tuple[int, ...] = ROWS
    status: int = 200
    per_row: int = 0  # queries each row may add, when known and bounded (say why at the scenario)


def report(b: Bench) -> Any:
    photos = b.pool[: b.per_call]
    del b.pool[: b.per_call]
    return b.post_json(
        "operator",
        "/api/v1/reports",
        {
            "channel": "hotline_12345",
            "external_id": f"12345-{b.serial()}",
            "description": "市民来电：路边有暴露垃圾",
            "lon": POINT_A[0],
            "lat": POINT_A[1],
            "category": "0102",
            "kind": "event",
            "reporter_phone": "13800138000",
            "attachments": photos,
        },
    )


def dispatch(b: Bench) -> Any:
    case = b.pool.pop()
    return b.post_json("dispatcher", f"/api/v1/cases/{case.pk}/actions/dispatch", {})


def photos(b: Bench, n: int) -> None:
    """Photos for two reports (the warm-up's and the counted one) of ``n`` photos each."""
    b.per_call = n
    b.pool = [b.loop.photo(b.loop.users["operator"], "report") for _ in range(2 * n)]


def registered(b: Bench) -> None:
    b.pool = [b.loop.drive(b.loop.report(), "accept", "register") for _ in range(2)]


def inbox(b: Bench, n: int) -> None:
    """Notices in the dispatcher's inbox until there are ``n``."""
    user = b.loop.users["dispatcher"]
    with override_settings(CITYLOOP_NOTIFY_CHANNELS={}):
        while len(b.pool) < n:
            key = f"query-counts-{len(b.pool)}"
            enqueue("timeclock.overdue", recipients=[user], dedupe_key=key, payload={"title": key})
            b.pool.append(key)
        deliver(timezone.now())


def verifying(b: Bench, n: int) -> None:
    """Hotline cases in community A waiting for the supervisor's check on site."""
    while len(b.cases) < n:
        case = b.loop.report(channel="hotline_12345", description=f"核实 {len(b.cases)}")
        b.cases.append(b.loop.drive(case, "send_for_verification"))


def first(b: Bench) -> int:
    assert b.case is not None or b.cases
    return (b.case or b.cases[0]).pk


def api_cases(b: Bench) -> Any:
    return b.get("dispatcher", "/api/v1/cases?limit=50", api=True)


def api_case(b: Bench) -> Any:
    return b.get("dispatcher", f"/api/v1/cases/{first(b)}", api=True)


def api_actions(b: Bench) -> Any:
    return b.get("sanitation_handler", f"/api/v1/cases/{first(b)}/actions", api=True)


def api_inbox(b: Bench) -> Any:
    return b.get("dispatcher", "/api/v1/inbox", api=True)


def queue(b: Bench) -> Any:
    return b.get("dispatcher", "/cases/?view=all&per=50")


def case_page(b: Bench) -> Any:
    return b.get("dispatcher", f"/cases/{first(b)}/")


def map_cases(b: Bench) -> Any:
    return b.get("dispatcher", "/map/cases.json?scope=all")


def mobile_home(b: Bench) -> Any:
    return b.get("supervisor_a", "/m/")


SCENARIOS = [
    # Known, and bounded by the six photos an action takes: ``cases.attachments.attach`` saves each
    # photo with its own UPDATE (its purpose may differ from the others').
    Scenario("POST /api/v1/reports", report, photos, rows=(1, 3), status=201, per_row=1),
    Scenario("POST /api/v1/cases/{ref}/actions/{action}", dispatch, prepare=registered, rows=(1,)),
    Scenario("GET /api/v1/cases", api_cases, Bench.dispatched),
    Scenario("GET /api/v1/cases/{ref}", api_case, Bench.timeline),
    Scenario("GET /api/v1/cases/{ref}/actions", api_actions, Bench.dispatched, rows=(1,)),
    Scenario("GET /api/v1/inbox", api_inbox, inbox),
    Scenario("GET /cases/", queue, Bench.dispatched),
    Scenario("GET /cases/<pk>/", case_page, Bench.timeline),
    Scenario("GET /map/cases.json", map_cases, Bench.dispatched),
    Scenario("GET /m/", mobile_home, verifying),
]


def engine() -> str:
    return connection.vendor


def load() -> dict[str, dict[str, int]]:
    return json.loads(BASELINES.read_text()) if BASELINES.exists() else {}


def save(name: str, count: int) -> None:
    data = load()
    data.setdefault(engine(), {})[name] = count
    ordered = {k: dict(sorted(v.items())) for k, v in sorted(data.items())}
    BASELINES.write_text(json.dumps(ordered, ensure_ascii=False, indent=2) + "\n")


def listing(queries: CaptureQueriesContext) -> str:
    return "\n".join(f"  {i}. {q['sql'][:400]}" for i, q in enumerate(queries.captured_queries, 1))


@pytest.fixture
def steady_reference_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """The compiled grids, rules and calendars are rechecked every 2 s; the measured request must
    not fall on a recheck (it would count one query more, by chance)."""
    from cityloop.geo.index import GRIDS
    from cityloop.routing.ruleset import RULES
    from cityloop.timeclock.calendars import CALENDARS

    for versioned in (GRIDS, RULES, CALENDARS):
        monkeypatch.setattr(versioned, "recheck_seconds", 3600.0)


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.name)
def test_query_count(scenario: Scenario, loop: Loop, steady_reference_data: None) -> None:  # noqa: F811
    bench = Bench(loop)
    if scenario.prepare is not None:
        scenario.prepare(bench)
    measured: dict[int, CaptureQueriesContext] = {}
    for rows in scenario.rows:
        if scenario.grow is not None:
            scenario.grow(bench, rows)
        warm = scenario.call(bench)
        assert warm.status_code == scenario.status, warm.content[:500]
        with CaptureQueriesContext(connection) as queries:
            response = scenario.call(bench)
        assert response.status_code == scenario.status, response.content[:500]
        measured[rows] = queries

    counts = {rows: len(q) for rows, q in measured.items()}
    least, most = min(scenario.rows), max(scenario.rows)
    allowed = {rows: counts[least] + scenario.per_row * (rows - least) for rows in scenario.rows}
    assert counts == allowed, (
        f"{scenario.name}: the query count grows with the rows ({counts}, expected {allowed}): "
        f"a query per row (N+1)?\nThe queries with {most} rows:\n{listing(measured[most])}"
    )
    count = counts[most]
    if UPDATE:
        save(scenario.name, count)
        return
    baseline = load().get(engine(), {}).get(scenario.name)
    assert baseline is not None, (
        f"{scenario.name}: no {engine()} baseline in {BASELINES.name}; run with UPDATE_QUERY_COUNTS=1"
    )
    assert count <= baseline, (
        f"{scenario.name}: {count} queries on {engine()}, the baseline is {baseline}. "
        f"The queries:\n{listing(measured[most])}"
    )
    assert count >= baseline, (
        f"{scenario.name}: {count} queries on {engine()}, fewer than the baseline {baseline}: well done. "
        f"Lower the baseline in tests/{BASELINES.name} (or run with UPDATE_QUERY_COUNTS=1)."
    )


def test_every_baseline_has_its_scenario() -> None:
    names = {s.name for s in SCENARIOS}
    for kind, counts in load().items():
        stale = sorted(set(counts) - names)
        assert not stale, f"{BASELINES.name} [{kind}] has baselines of no scenario: {stale}"
