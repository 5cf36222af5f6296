"""The synthetic month of the evaluation benchmark (bench only): the district it happens in — 8
streets, 40 communities, 400 grids, departments, companies and staff, made through the real actions
— and, case by case, the rows of its ``Case``, ``CaseStep`` and ``CaseEvent`` tables, generated in
chunks for :func:`bench.bench_evaluation.load_month` to write."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

MONTH_START = dt.datetime(2026, 9, 30, 16, 0, tzinfo=dt.UTC)  # 2026-10-01 00:00 in Shanghai
MONTH_SECONDS = 31 * 86400
CHUNK = 20_000


def _when(seconds: float) -> Any:
    """A moment of the month, as the database driver wants it (SQLite: naive UTC text)."""
    from django.db import connection

    moment = MONTH_START + dt.timedelta(seconds=seconds)
    if connection.vendor == "postgresql":
        return moment
    return moment.replace(tzinfo=None).isoformat(sep=" ")


def build_city() -> dict[str, Any]:
    """Units, grids and people of the synthetic district (through the real actions, except grids)."""
    import shapely

    from cityloop.core.actions import create_unit, create_user
    from cityloop.core.audit import system_actor
    from cityloop.core.models import Role
    from cityloop.geo.models import Grid

    actor = system_actor()
    city = create_unit(actor=actor, code="B00000", name="基准市", kind="city")
    district = create_unit(actor=actor, code="B00100", name="基准区", kind="district", parent=city)
    streets, communities, grids = [], [], []
    units = [
        create_unit(
            actor=actor, code=f"B00100-D{n:02d}", name=f"专业部门{n}", kind="department", parent=district
        )
        for n in range(12)
    ]
    units += [
        create_unit(actor=actor, code=f"B00100-C{n:02d}", name=f"公司{n}", kind="company", parent=district)
        for n in range(6)
    ]
    supervisors = []
    for s in range(8):
        street = create_unit(
            actor=actor, code=f"B00100{s:03d}", name=f"街道{s}", kind="street", parent=district
        )
        streets.append(street)
        for c in range(5):
            community = create_unit(
                actor=actor,
                code=f"{street.code}{c:03d}",
                name=f"社区{s}-{c}",
                kind="community",
                parent=street,
            )
            communities.append(community)
            supervisors.append(
                create_user(
                    actor=actor,
                    username=f"b_sup_{s}_{c}",
                    password=None,
                    roles=[(community, Role.SUPERVISOR)],
                )
            )
            for g in range(10):
                x, y = 120 + (s * 5 + c) * 0.01 + g * 0.001, 30.0
                grid = Grid(
                    code=f"{community.code}{g:03d}",
                    community=community,
                    area_m2=10_000.0,
                    centroid_lon=x,
                    centroid_lat=y,
                )
                grid.set_geometry(shapely.box(x, y, x + 0.001, y + 0.0009))
                grids.append(grid)
    Grid.objects.bulk_create(grids)
    staff = {
        role: [
            create_user(actor=actor, username=f"b_{role}_{n}", password=None, roles=[(district, role)])
            for n in range(count)
        ]
        for role, count in ((Role.OPERATOR, 6), (Role.SHIFT_LEADER, 4), (Role.DISPATCHER, 4))
    }
    grid_rows = list(
        Grid.objects.filter(community__in=communities).values_list(
            "pk", "community_id", "community__parent_id"
        )
    )
    return {
        "city": city,
        "district": district,
        "grids": grid_rows,
        "units": [u.pk for u in units + streets],
        "supervisor_of": {sup.memberships.get().unit_id: sup.pk for sup in supervisors},
        "staff": {role: [u.pk for u in users] for role, users in staff.items()},
        "system": actor.pk,
    }


STEP_COLUMNS = (
    "case_id", "district_id", "step", "occurrence", "unit_id", "started_at", "started_by_id", "limit_amount",
    "limit_unit", "deadline_at", "ended_at", "ended_by_id", "ended_by_transition", "on_time", "elapsed",
)  # fmt: skip
# A step's timer: id, subject, then the step's own values under the same names.
TIMER_COLUMNS = (
    "id", "subject_type", "subject_id", "district_id", "step", "started_at", "limit_amount", "limit_unit",
    "deadline_at", "ended_at", "on_time", "elapsed",
)  # fmt: skip
CASE_COLUMNS = (
    "id", "number", "tracking_code", "state", "channel_id", "reporter_id", "description", "lon", "lat", "h3",
    "grid_id", "community_id", "street_id", "district_id", "responsible_unit_id", "reported_at",
    "registered_at", "dispatched_at", "closed_at", "updated_at",
)  # fmt: skip


class Month:
    """Generates the month's rows, case by case, in chunks."""

    def __init__(self, city: dict[str, Any], rng: random.Random) -> None:
        from cityloop.cases.models import Channel

        self.city, self.rng = city, rng
        self.channels = dict(Channel.objects.values_list("code", "pk"))
        self.district, self.system = city["district"].pk, city["system"]
        self.cases: list[Any] = []
        self.steps: list[Any] = []
        self.events: list[Any] = []

    def step(
        self, case_id: int, name: str, start: float, minutes: float, by: int, transition: str, **kw: int
    ) -> float:
        """A step that ended ``minutes`` after ``start``, on time nine times in ten."""
        end = start + minutes * 60
        limit = 30 * 60 if name != "dispose" else 4 * 3600
        unit, started_by = kw.get("unit", self.district), kw.get("started_by", self.system)
        self.occurrence[name] = occurrence = self.occurrence.get(name, 0) + 1
        self.steps.append(
            (case_id, self.district, name, occurrence, unit, _when(start), started_by, 30.0, "minute",
             _when(start + limit), _when(end), by, transition, self.rng.random() < 0.9, minutes)
        )  # fmt: skip
        return end

    def case(self, case_id: int) -> None:
        rng, city, step = self.rng, self.city, self.step
        self.occurrence: dict[str, int] = {}
        grid, community, street = rng.choice(city["grids"])
        supervisor = city["supervisor_of"][community]
        t = reported = rng.uniform(0, MONTH_SECONDS - 3 * 86400)
        is_public = rng.random() < 0.3
        channel = self.channels[rng.choice(["hotline_12345", "citizen_app"]) if is_public else "supervisor"]
        staff = city["staff"]
        operator, leader = rng.choice(staff["operator"]), rng.choice(staff["shift_leader"])
        dispatcher = rng.choice(staff["dispatcher"])
        t = step(
            case_id,
            "accept",
            t,
            rng.uniform(2, 40),
            operator,
            "send_for_verification" if is_public else "accept",
        )
        if is_public:
            t = step(case_id, "verify", t, rng.uniform(5, 40), supervisor, "verify")
        state, registered, dispatched, closed, unit = "not_registered", None, None, None, None
        roll = rng.random()
        if roll < 0.04:
            t = step(case_id, "register", t, rng.uniform(2, 40), leader, "not_register")
        else:
            t = registered = step(case_id, "register", t, rng.uniform(2, 40), leader, "register")
            if roll < 0.05:
                step(case_id, "dispatch", t, 10, leader, "void")
                state = "voided"
            else:
                unit = rng.choice(city["units"])
                t = dispatched = step(case_id, "dispatch", t, rng.uniform(2, 40), dispatcher, "dispatch")
                if rng.random() < 0.05:  # returned by a wrong unit, then dispatched again
                    kw = {"unit": unit, "started_by": dispatcher}
                    t = step(case_id, "dispose", t, rng.uniform(20, 200), dispatcher, "approve_return", **kw)
                    t = step(case_id, "dispatch", t, rng.uniform(2, 30), dispatcher, "dispatch")
                    unit = rng.choice(city["units"])
                if rng.random() < 0.05:
                    self.events.append((case_id, "approve_extension", dispatcher, _when(t + 1800)))
                if rng.random() < 0.03:
                    self.events.append((case_id, "approve_hold", leader, _when(t + 900)))
                    self.events.append((case_id, "resume", dispatcher, _when(t + 7200)))
                if rng.random() < 0.03:  # still with the unit at the end of the month
                    self.steps.append(
                        (case_id, self.district, "dispose", self.occurrence.get("dispose", 0) + 1, unit,
                         _when(t), dispatcher, 4.0,
                         "working_hour", _when(t + 4 * 3600), None, None, "", None, None)
                    )  # fmt: skip
                    state = "dispatched"
                else:
                    kw = {"unit": unit, "started_by": dispatcher}
                    t = step(case_id, "dispose", t, rng.uniform(30, 600), self.system, "dispose", **kw)
                    t = step(case_id, "send_check", t, rng.uniform(2, 40), operator, "send_for_check")
                    if rng.random() < 0.08:  # rework after a failed check
                        t = step(case_id, "check", t, rng.uniform(10, 150), supervisor, "check_fail")
                        kw = {"unit": unit, "started_by": supervisor}
                        t = step(case_id, "dispose", t, rng.uniform(30, 600), self.system, "dispose", **kw)
                        t = step(case_id, "send_check", t, rng.uniform(2, 40), operator, "send_for_check")
                    t = step(case_id, "check", t, rng.uniform(10, 150), supervisor, "check_pass")
                    t = closed = step(case_id, "close", t, rng.uniform(5, 60), leader, "close")
                    state = "closed"
        self.cases.append(
            (case_id, f"B{case_id:012d}", f"B{case_id:011d}", state, channel,
             None if is_public else supervisor, "基准案件", 120.0, 30.0, "8b309a", grid, community, street,
             self.district, unit, _when(reported),
             _when(registered) if registered else None, _when(dispatched) if dispatched else None,
             _when(closed) if closed else None, _when(t))
        )  # fmt: skip

    def chunks(self, count: int, first_id: int) -> Iterator[tuple[list[Any], list[Any], list[Any]]]:
        """(case rows, step rows, event rows) for ``count`` cases, ``CHUNK`` cases at a time."""
        for n in range(count):
            self.case(first_id + n)
            if len(self.cases) >= CHUNK or n == count - 1:
                yield self.cases, self.steps, self.events
                self.cases, self.steps, self.events = [], [], []
