"""Console: server time of the queue, the case page and the map with 1,000,000 cases in the database.

The demo city is built into the scratch database, then synthetic cases are bulk-inserted directly
(``bulk_create``, in this benchmark only: the point is the size of the table the pages read, not the
loop, which ``bench_cases`` measures). A few real cases run the loop through the actions so that the
case page shows a real timeline. Each page is requested through Django's test client as a district
operator, a street manager and a department handler; p50 and p99 are printed against the 300 ms
target. Quick mode (``BENCH_QUICK=1``): 20,000 cases.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from collections.abc import Callable
from typing import Any

import bench

TARGET_MS = 300.0
BATCH = 20_000


def _size() -> int:
    return 20_000 if os.environ.get("BENCH_QUICK") else 1_000_000


def _repeat() -> int:
    return 10 if os.environ.get("BENCH_QUICK") else 30


# Share of cases per state: most of a year's cases are closed; the rest is the working backlog.
STATE_MIX = [
    ("closed", 0.90),
    ("dispatched", 0.03),
    ("reported", 0.01),
    ("verifying", 0.005),
    ("accepted", 0.005),
    ("registered", 0.005),
    ("disposed", 0.005),
    ("checking", 0.005),
    ("checked", 0.005),
    ("not_accepted", 0.01),
    ("voided", 0.01),
    ("return_requested", 0.0025),
    ("extension_requested", 0.0025),
    ("on_hold", 0.0025),
    ("not_registered", 0.0025),
]
DISPATCHED = {
    "dispatched",
    "return_requested",
    "extension_requested",
    "on_hold",
    "disposed",
    "checking",
    "checked",
    "closed",
}
PROBLEMS = ["暴露垃圾", "井盖破损", "占道经营", "乱贴小广告"]
STEP_OF = {
    "reported": "accept",
    "verifying": "verify",
    "accepted": "register",
    "registered": "dispatch",
    "dispatched": "dispose",
    "return_requested": "dispose",
    "extension_requested": "dispose",
    "disposed": "send_check",
    "checking": "check",
    "checked": "close",
}


def _closed_at(reported: dt.datetime, now: dt.datetime, rng: random.Random) -> dt.datetime:
    closed = reported + dt.timedelta(days=rng.randrange(1, 6))
    return closed if closed <= now else reported + (now - reported) * rng.random()


def insert_cases(count: int, seed: int = 3) -> float:
    """Bulk-insert ``count`` synthetic cases spread over the demo district's grids and the last year.
    Returns the seconds it took. Cases a previous run left in a kept PostgreSQL database
    (``BENCH_DATABASE_URL``) are reused: only the missing ones are inserted."""
    import h3
    from django.db import transaction
    from django.utils import timezone

    from cityloop.cases.models import Case, CaseText, Channel
    from cityloop.cases.search import case_terms
    from cityloop.catalog.models import Category
    from cityloop.core.models import Unit, UnitKind
    from cityloop.geo.models import Grid

    rng = random.Random(seed)
    # The demo's first district (云湖区): its grids, and every case in it.
    district = Unit.objects.filter(kind=UnitKind.DISTRICT, code__startswith="9901").order_by("code")[0]
    grids = list(
        Grid.objects.filter(community__path__startswith=district.path)
        .select_related("community")
        .values_list("pk", "centroid_lon", "centroid_lat", "community_id", "community__parent_id")
    )
    channels = list(Channel.objects.values_list("pk", flat=True))
    categories = list(Category.objects.filter(parent__isnull=False).values_list("pk", flat=True))
    units = list(
        Unit.objects.filter(kind__in=[UnitKind.DEPARTMENT, UnitKind.COMPANY, UnitKind.STREET]).values_list(
            "pk", flat=True
        )
    )
    states = [s for s, _ in STATE_MIX]
    weights = [w for _, w in STATE_MIX]
    now = timezone.now()
    started = time.perf_counter()
    made = Case.objects.filter(number__startswith=f"B{district.code}-").count()
    while made < count:
        rows = []
        for i in range(made, min(count, made + BATCH)):
            grid_id, lon, lat, community_id, street_id = grids[rng.randrange(len(grids))]
            lon += rng.uniform(-0.0004, 0.0004)
            lat += rng.uniform(-0.0003, 0.0003)
            state = rng.choices(states, weights)[0]
            reported = now - dt.timedelta(minutes=rng.randrange(365 * 24 * 60))
            running = STEP_OF.get(state)
            light = rng.choices(["green", "yellow", "red"], [0.8, 0.1, 0.1])[0] if running else ""
            dispatched = state in DISPATCHED
            rows.append(
                Case(
                    number=f"B{district.code}-{i:09d}",
                    tracking_code=f"B{i:09d}"[-12:],
                    state=state,
                    version=3,
                    channel_id=rng.choice(channels),
                    description=f"基准案件 {i}：{rng.choice(PROBLEMS)}",
                    address=f"示范路{i % 997}号",
                    lon=lon,
                    lat=lat,
                    h3=h3.latlng_to_cell(lat, lon, 11),
                    grid_id=grid_id,
                    community_id=community_id,
                    street_id=street_id,
                    district=district,
                    category_id=rng.choice(categories),
                    responsible_unit_id=rng.choice(units) if dispatched else None,
                    current_step=running or "",
                    deadline_at=reported + dt.timedelta(hours=rng.randrange(1, 96)) if running else None,
                    light=light,
                    reported_at=reported,
                    dispatched_at=reported + dt.timedelta(hours=2) if dispatched else None,
                    # Closed one to five days after the report, and never in the future: a case of
                    # the last days closed at a moment between its report and now.
                    closed_at=_closed_at(reported, now, rng) if state == "closed" else None,
                )
            )
        with transaction.atomic():
            Case.objects.bulk_create(rows, batch_size=2_000)
            # Their search terms, as reporting writes them.
            CaseText.objects.bulk_create(
                [
                    CaseText(case=c, terms=case_terms(c.number, c.tracking_code, c.description, c.address))
                    for c in rows
                ],
                batch_size=2_000,
            )
        made += len(rows)
    from django.db import connection

    with connection.cursor() as cursor:
        # PostgreSQL: VACUUM as autovacuum would after a bulk load (it may be off on a bench server),
        # so that index-only scans see an up-to-date visibility map, as in production.
        cursor.execute("VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "ANALYZE")
    return time.perf_counter() - started


def real_cases(count: int = 5) -> list[int]:
    """Cases that ran the loop through the actions (a full timeline for the case page)."""
    from bench.bench_cases import _points
    from cityloop.cases.actions import submit_report
    from cityloop.cases.engine import perform
    from cityloop.demo.dispatching import choose_unit
    from cityloop.demo.simulate import Staff

    staff = Staff.load()
    rng = random.Random(9)
    points = [p for p in _points(count * 4, rng) if p[2] in staff.supervisor_of][:count]
    ids = []
    for lon, lat, community in points:
        case, _ = submit_report(
            actor=staff.supervisor_of[community],
            channel="supervisor",
            description="基准：暴露垃圾",
            lon=lon,
            lat=lat,
            category="0102",
            kind="event",
        )
        case = perform(
            case, "accept", actor=staff.operators[0], payload={"category": "0102", "kind": "event"}
        )
        case = perform(case, "register", actor=staff.shift_leaders[0], payload={"condition": 1})
        case = perform(case, "dispatch", actor=staff.dispatchers[0], payload={"unit": choose_unit(case).code})
        ids.append(case.pk)
    return ids


def _timed(client: Any, url: str, repeat: int, headers: dict[str, str] | None = None) -> list[float]:
    def get() -> None:
        response = client.get(url, headers=headers or {})
        assert response.status_code == 200, (url, response.status_code)
        _ = response.content

    get()  # warm: the first request compiles templates and fills per-process caches
    return bench.time_each(get, repeat)


def _result(name: str, samples: list[float]) -> list[bench.Result]:
    p50, p99, _mean = bench.summary_ms(samples)
    return [
        bench.Result(f"{name} p50", p50, "ms", f"< {TARGET_MS:.0f}", p50 < TARGET_MS),
        bench.Result(f"{name} p99", p99, "ms", f"< {TARGET_MS:.0f}", p99 < TARGET_MS),
    ]


def run() -> list[bench.Result]:

    from bench.bench_cases import ensure_demo_city
    from cityloop.cases.models import Case

    bench.client_environment()
    ensure_demo_city()
    size = _size()
    seconds = insert_cases(size)
    ids = real_cases()
    total = Case.objects.count()
    results = [bench.Result(f"cases in the database (bulk insert {seconds:.0f} s)", total, "cases")]
    for name, measure in pages(ids, _repeat()):
        results += _result(name, measure())
    return results


def pages(ids: list[int], repeat: int) -> list[tuple[str, Callable[[], list[float]]]]:
    """The pages timed: (name, a function returning the samples in ms). ``ids``: cases that ran the
    loop (dispatched), for the case page."""
    from django.test import Client

    from cityloop.cases.models import Case
    from cityloop.core.models import User

    def client_for(username: str) -> Client:
        client = Client()
        client.force_login(User.objects.get(username=username))
        return client

    operator, street, handler, supervisor = (
        client_for("operator1"),
        client_for("street01_manager"),
        client_for("sanitation_handler"),
        client_for("supervisor01"),
    )
    street_id = Case.objects.values_list("street_id", flat=True).first()
    unit_id = User.objects.get(username="sanitation_handler").memberships.values_list("unit_id", flat=True)[0]
    department = client_for(_handler_of(ids[0]))
    partial = {"HX-Request": "true", "HX-Target": "queue-results"}
    return [
        ("queue, operator's work (open, most urgent first)", lambda: _timed(operator, "/cases/", repeat)),
        (
            "queue, all open, newest first, page 3",
            lambda: _timed(operator, "/cases/?view=open&sort=-reported_at&page=3", repeat),
        ),
        (
            "queue, everything, street + overdue filter",
            lambda: _timed(operator, f"/cases/?view=all&light=red&street={street_id}", repeat),
        ),
        (
            "queue, everything, newest first (htmx partial)",
            lambda: _timed(operator, "/cases/?view=all&sort=-reported_at", repeat, partial),
        ),
        ("queue, text search", lambda: _timed(operator, "/cases/?view=open&q=示范路12号", repeat)),
        (
            "queue, text search in every case",
            lambda: _timed(operator, "/cases/?view=all&q=示范路12号", repeat),
        ),
        (
            "queue, text search, a term in a quarter of the cases",
            lambda: _timed(operator, "/cases/?view=open&q=井盖", repeat),
        ),
        (
            "queue, overdue only, deadline first",
            lambda: _timed(operator, "/cases/?view=open&overdue=on&sort=deadline_at", repeat),
        ),
        (
            "queue, one unit's open cases (htmx partial)",
            lambda: _timed(operator, f"/cases/?view=open&unit={unit_id}", repeat, partial),
        ),
        ("street's open cases in its area", lambda: _timed(street, "/tasks/?tab=area", repeat)),
        ("street's cases to handle", lambda: _timed(street, "/tasks/", repeat)),
        ("department's cases to handle", lambda: _timed(handler, "/tasks/", repeat)),
        ("department's closed cases (30 days)", lambda: _timed(handler, "/tasks/?tab=closed", repeat)),
        ("supervisor's tasks on a phone", lambda: _timed(supervisor, "/m/", repeat)),
        ("case page (full timeline, actions)", lambda: _timed(operator, f"/cases/{ids[0]}/", repeat)),
        ("case page as the department", lambda: _timed(department, f"/cases/{ids[0]}/", repeat)),
        ("map cases, open (whole district)", lambda: _timed(operator, "/map/cases.json?scope=open", repeat)),
        (
            "map cases, open, one street's bbox",
            lambda: _timed(operator, "/map/cases.json?scope=open&" + _bbox(), repeat),
        ),
        ("map cases, open, as the street", lambda: _timed(street, "/map/cases.json?scope=open", repeat)),
        ("map grids (GeoJSON)", lambda: _timed(operator, "/map/grids.geojson", repeat)),
        ("map page", lambda: _timed(operator, "/map/", repeat)),
    ]


def _handler_of(case_id: int) -> str:
    """A handler of the unit the case was dispatched to (the operator where it has none)."""
    from cityloop.cases.models import Case
    from cityloop.core.models import Membership

    unit = Case.objects.values_list("responsible_unit_id", flat=True).get(pk=case_id)
    found = (
        Membership.objects.active()
        .filter(unit_id=unit, role="handler")
        .order_by("user__username")
        .values_list("user__username", flat=True)
        .first()
    )
    return found or "operator1"


def _bbox() -> str:
    from cityloop.geo.models import Grid

    grid = Grid.objects.order_by("code").first()
    assert grid is not None
    return f"bbox={grid.min_lon - 0.003},{grid.min_lat - 0.003},{grid.max_lon + 0.003},{grid.max_lat + 0.003}"
