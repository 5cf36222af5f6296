"""The simulator: the demo district's people working a month of cases through the real actions.

Supervisors and citizens report, operators verify and accept, shift leaders register, dispatchers
dispatch where routing suggests (routing dispatches some itself), units dispose (some late, some
returned naming another unit, some returned twice and settled by arbitration, extended, put on
hold, reworked after a failed check), supervisors check, hotline cases get return visits. Time is
simulated: every action is taken ``at`` a moment of the simulated day, never slept; nothing happens
after "now", so the last days leave a realistic backlog of open cases for the worker's sweep.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import shapely
from django.core.exceptions import ValidationError
from django.utils import timezone
from PIL import Image

from cityloop.assets.models import Component
from cityloop.cases.actions import submit_report
from cityloop.cases.attachments import upload_attachment
from cityloop.cases.engine import TransitionError, perform
from cityloop.cases.models import Case, CaseStep
from cityloop.catalog.models import Condition
from cityloop.core.audit import public_actor, request_context
from cityloop.core.models import Membership, Role, User
from cityloop.geo.index import get_index

from .dispatching import bounce, dispatch

# Channel mix of a typical district (supervisors find most problems).
CHANNELS = [
    ("supervisor", 0.55),
    ("hotline_12345", 0.17),
    ("citizen_app", 0.08),
    ("hotline_12319", 0.05),
    ("video_patrol", 0.07),
    ("community_head", 0.05),
    ("police_110", 0.03),
]
# Events people report most, with their relative weight; components come from the inventory.
EVENTS = [
    ("0102", 8),
    ("0201", 6),
    ("0501", 5),
    ("0505", 5),
    ("0104", 4),
    ("0504", 4),
    ("0103", 3),
    ("0106", 2),
    ("0101", 1),
    ("0401", 0.3),
    ("0402", 0.4),
    ("0105", 0.5),
]
COMPONENT_SHARE = 0.35


@dataclass
class Odds:
    """How often each side flow happens (per case)."""

    not_accepted: float = 0.04
    not_registered: float = 0.03
    overridden: float = 0.03  # the dispatcher sends it elsewhere than routing suggests (with a reason)
    returned: float = 0.05
    names_other_unit: float = 0.8  # a return names the unit the returning unit thinks is responsible
    return_rejected: float = 0.15
    returned_again: float = 0.4  # the next unit returns it too (the second approval goes to arbitration)
    ruling_makes_rule: float = 0.85
    extended: float = 0.05
    held: float = 0.03
    late: float = 0.12
    rework: float = 0.08
    unsatisfied: float = 0.08


@dataclass
class Staff:
    """Who works in the demo district, by role, loaded from the database."""

    operators: list[User]
    shift_leaders: list[User]
    dispatchers: list[User]
    supervisor_of: dict[int, User]  # community id → supervisor
    head_of: dict[int, User]  # community id → community head
    handlers: dict[int, User]  # unit id → handler

    @classmethod
    def load(cls) -> Staff:
        def users(role: str) -> list[User]:
            return list(
                User.objects.filter(memberships__role=role, is_active=True).distinct().order_by("username")
            )

        supervisor_of: dict[int, User] = {}
        head_of: dict[int, User] = {}
        handlers: dict[int, User] = {}
        for m in Membership.objects.active().select_related("user", "unit").order_by("user__username"):
            if m.role == Role.SUPERVISOR:
                supervisor_of.setdefault(m.unit_id, m.user)
            elif m.role == Role.COMMUNITY_HEAD and m.unit.kind == "community":
                head_of.setdefault(m.unit_id, m.user)
            elif m.role == Role.HANDLER:
                handlers.setdefault(m.unit_id, m.user)
        return cls(
            users(Role.OPERATOR),
            users(Role.SHIFT_LEADER),
            users(Role.DISPATCHER),
            supervisor_of,
            head_of,
            handlers,
        )


@dataclass
class SimulationReport:
    cases: int = 0
    refused: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)

    def lines(self) -> list[str]:
        states = ", ".join(f"{k} {v}" for k, v in sorted(self.outcomes.items()))
        return [f"{self.cases} cases reported ({self.refused} reports refused)", f"states now: {states}"]


def _png(rng: random.Random) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (16, 12), tuple(rng.randrange(256) for _ in range(3))).save(buffer, "PNG")
    return buffer.getvalue()


class Simulator:
    """Drives cases day by day. Deterministic for a seed (given the same demo city)."""

    def __init__(self, *, seed: int, now: dt.datetime | None = None, odds: Odds | None = None) -> None:
        self.rng = random.Random(seed)
        self.now = now or timezone.now()
        self.odds = odds or Odds()
        self.staff = Staff.load()
        self.public = public_actor()
        index = get_index()
        self.grids = [(geom, loc) for geom, loc in zip(index.geoms, index.locations, strict=True)]
        self.components = list(
            Component.objects.filter(subclass__conditions__isnull=False)
            .distinct()
            .values_list("code", "lon", "lat", "subclass__code")[:50000]
        )
        self.event_codes = [c for c, _ in EVENTS]
        self.event_weights = [w for _, w in EVENTS]
        self.report = SimulationReport()

    # --- helpers ---------------------------------------------------------------------------------
    def _pick(self, pairs: list[tuple[str, float]]) -> str:
        return self.rng.choices([p for p, _ in pairs], [w for _, w in pairs])[0]

    def _point_in(self, geom: shapely.Geometry) -> tuple[float, float]:
        min_x, min_y, max_x, max_y = geom.bounds
        for _ in range(50):
            x, y = self.rng.uniform(min_x, max_x), self.rng.uniform(min_y, max_y)
            if geom.contains(shapely.Point(x, y)):
                return x, y
        point = geom.representative_point()
        return point.x, point.y

    def _photo(self, user: User) -> int:
        return upload_attachment(actor=user, name="现场照片.png", content=_png(self.rng), purpose="other").pk

    def _later(self, at: dt.datetime, minutes: tuple[float, float]) -> dt.datetime:
        return at + dt.timedelta(minutes=self.rng.uniform(*minutes))

    def _within(self, step: CaseStep, share: float) -> dt.datetime:
        return step.started_at + (step.deadline_at - step.started_at) * share

    def _running(self, case: Case, step: str) -> CaseStep:
        return CaseStep.objects.filter(case=case, step=step, ended_at__isnull=True).order_by("-id").get()

    # --- one case ---------------------------------------------------------------------------------
    def simulate_day(self, day: dt.date, count: int) -> int:
        """Try ``count`` reports on ``day``; how many became cases (none after "now", none refused)."""
        made = 0
        for _ in range(count):
            with request_context(None):
                made += self.simulate_case(day) is not None
        return made

    def simulate_case(self, day: dt.date) -> Case | None:
        rng = self.rng
        channel = self._pick(CHANNELS)
        geom, loc = rng.choice(self.grids)
        category, kind, component = None, "event", None
        if self.components and rng.random() < COMPONENT_SHARE:
            component, lon, lat, category = rng.choice(self.components)
            lon, lat, kind = lon + rng.uniform(-2e-5, 2e-5), lat + rng.uniform(-2e-5, 2e-5), "component"
            located = get_index().locate(lon, lat, day)
            if located is None:
                return None
            loc = located
        else:
            lon, lat = self._point_in(geom)
            category = rng.choices(self.event_codes, self.event_weights)[0]
        hour = rng.uniform(7.5, 21.5) if channel.startswith("hotline") else rng.uniform(8.0, 17.5)
        at = timezone.make_aware(dt.datetime.combine(day, dt.time()) + dt.timedelta(hours=hour))
        if at > self.now:
            return None
        supervisor = self.staff.supervisor_of.get(loc.community_id)
        reporter: User | None = {
            "supervisor": supervisor,
            "community_head": self.staff.head_of.get(loc.community_id),
            "citizen_app": self.public,
        }.get(channel) or rng.choice(self.staff.operators)
        if reporter is None:
            return None
        try:
            case, _ = submit_report(
                actor=reporter,
                channel=channel,
                description=f"{loc.community_name}附近发现问题",
                lon=lon,
                lat=lat,
                address=f"{loc.street_name}{loc.community_name}",
                reporter_phone="13800000000"
                if channel in ("citizen_app", "hotline_12345", "hotline_12319")
                else "",
                category=category if channel == "supervisor" else None,
                kind=kind,
                component=component if channel == "supervisor" else None,
                at=at,
            )
        except (ValidationError, TransitionError):
            self.report.refused += 1
            return None
        self.report.cases += 1
        with contextlib.suppress(_Stop):  # the case stays open where "now" caught it
            self._work(case, at, category, kind, component, supervisor)
        return case

    def _act(self, case: Case, name: str, user: User | None, at: dt.datetime, **payload: Any) -> Case:
        if at > self.now or user is None:
            raise _Stop
        return perform(case, name, actor=user, payload=payload, at=at)

    def _work(
        self,
        case: Case,
        at: dt.datetime,
        category: str,
        kind: str,
        component: str | None,
        supervisor: User | None,
    ) -> None:
        rng, odds, staff = self.rng, self.odds, self.staff
        operator, leader, dispatcher = (
            rng.choice(staff.operators),
            rng.choice(staff.shift_leaders),
            rng.choice(staff.dispatchers),
        )
        if case.channel.needs_verification:
            at = self._later(at, (3, 25))
            case = self._act(case, "send_for_verification", operator, at)
            at = self._later(at, (5, 40))
            case = self._act(case, "verify", supervisor, at, found=True)
        at = self._later(at, (2, 20))
        if rng.random() < odds.not_accepted:
            self._act(case, "not_accept", operator, at, reason="不属于城市管理范围")
            return
        case = self._act(case, "accept", operator, at, category=category, kind=kind, component=component)
        at = self._later(at, (3, 25))
        if rng.random() < odds.not_registered:
            self._act(case, "not_register", leader, at, reason="不符合立案条件")
            return
        numbers = list(
            Condition.objects.valid_at(at.date())
            .filter(category=case.category)
            .values_list("number", flat=True)
            .distinct()
        )
        case = self._act(case, "register", leader, at, condition=rng.choice(numbers) if numbers else 1)
        at = self._later(at, (3, 25))
        if case.state == "registered":  # else routing dispatched it automatically
            case = dispatch(self, case, dispatcher, at)
        case, at = self._dispose(case, at, dispatcher, leader)
        self._check_and_close(case, at, operator, supervisor, leader, dispatcher)

    def _handler(self, case: Case) -> User | None:
        return self.staff.handlers.get(case.responsible_unit_id or 0)

    def _dispose(
        self, case: Case, at: dt.datetime, dispatcher: User, leader: User
    ) -> tuple[Case, dt.datetime]:
        rng, odds = self.rng, self.odds
        handler = self._handler(case)
        if rng.random() < odds.returned:
            case, at = bounce(self, case, at, dispatcher, leader)
            handler = self._handler(case)
        step = self._running(case, "dispose")
        if rng.random() < odds.extended:
            at = max(at, self._within(step, rng.uniform(0.3, 0.7)))
            case = self._act(
                case,
                "request_extension",
                handler,
                at,
                reason="需要协调施工",
                amount=step.limit_amount,
                time_unit=step.limit_unit,
            )
            at = self._later(at, (10, 90))
            case = self._act(case, "approve_extension", dispatcher, at)
        elif rng.random() < odds.held:
            at = max(at, self._within(step, rng.uniform(0.2, 0.5)))
            case = self._act(case, "request_hold", handler, at, reason="等待天气好转")
            at = self._later(at, (10, 60))
            case = self._act(case, "approve_hold", leader, at)
            at = self._later(at, (600, 4000))
            case = self._act(case, "resume", dispatcher, at)
        step = self._running(case, "dispose")
        share = rng.uniform(1.1, 2.5) if rng.random() < odds.late else rng.uniform(0.15, 0.95)
        at = max(self._later(at, (5, 30)), self._within(step, share))
        case = self._act(
            case,
            "dispose",
            handler,
            at,
            feedback="已处置完毕",
            attachments=[self._photo(handler)] if handler else [],
        )
        return case, at

    def _check_and_close(
        self,
        case: Case,
        at: dt.datetime,
        operator: User,
        supervisor: User | None,
        leader: User,
        dispatcher: User,
    ) -> None:
        rng, odds = self.rng, self.odds
        for attempt in range(2):
            at = self._later(at, (3, 25))
            case = self._act(case, "send_for_check", operator, at)
            at = self._later(at, (20, 150))
            if attempt == 0 and rng.random() < odds.rework:
                case = self._act(case, "check_fail", supervisor, at, reason="现场仍未处理到位")
                case, at = self._dispose(case, at, dispatcher, leader)
                continue
            case = self._act(case, "check_pass", supervisor, at)
            break
        if case.needs_return_visit:
            at = self._later(at, (30, 300))
            unhappy = rng.random() < odds.unsatisfied
            case = self._act(
                case, "return_visit", operator, at, satisfaction="unsatisfied" if unhappy else "satisfied"
            )
            if unhappy:
                at = self._later(at, (10, 60))
                case = self._act(case, "reopen", leader, at, reason="市民不满意，重新处置")
                case, at = self._dispose(case, at, dispatcher, leader)
                at = self._later(at, (3, 25))
                case = self._act(case, "send_for_check", operator, at)
                case = self._act(case, "check_pass", supervisor, self._later(at, (20, 120)))
                at = self._later(at, (150, 400))
                case = self._act(case, "return_visit", operator, at, satisfaction="basically_satisfied")
        at = self._later(at, (5, 50))
        self._act(case, "close", leader, at)


class _Stop(Exception):
    """The next action would happen after 'now': the case stays open where it is."""


def simulate(
    *,
    days: int,
    per_day: int,
    seed: int,
    now: dt.datetime | None = None,
    progress: Callable[[dt.date, int], None] | None = None,  # (day, cases reported that day)
    odds: Odds | None = None,
) -> SimulationReport:
    """Simulate ``days`` days ending today, about ``per_day`` reports a day."""
    sim = Simulator(seed=seed, now=now, odds=odds)
    today = timezone.localdate(sim.now)
    for offset in range(days, 0, -1):
        day = today - dt.timedelta(days=offset - 1)
        weekend = day.weekday() >= 5
        count = max(1, round(per_day * (0.6 if weekend else 1.0) * sim.rng.uniform(0.85, 1.15)))
        made = sim.simulate_day(day, count)
        if progress:
            progress(day, made)
    sim.report.outcomes = Counter(Case.objects.values_list("state", flat=True))
    return sim.report
