"""The simulator: the demo city's people working a month of cases through the real actions.

Supervisors and citizens report, operators verify and accept, shift leaders register, dispatchers
dispatch where routing suggests (routing dispatches some itself), units dispose (some late, some
returned naming another unit, some returned twice and settled by arbitration, extended, put on
hold, reworked after a failed check), supervisors check, hotline cases get return visits. Time is
simulated: every action is taken ``at`` a moment of the simulated day, never slept; nothing happens
after "now", so the last days leave a realistic backlog of open cases for the worker's sweep.

Every district gets its share of the day's reports (by its number of grids). Each command step is
taken by the centre commanding the case at that moment (:mod:`cityloop.demo.staff`): the district's,
or the city's once routing made it a city case (illegal taxis, the city's bridges) or the district
referred it up (上报市级); the district's supervisor still checks it on site.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from typing import Any

import shapely
from django.core.exceptions import ValidationError
from django.utils import timezone

from cityloop.assets.models import Component
from cityloop.cases.actions import submit_report
from cityloop.cases.attachments import upload_attachment
from cityloop.cases.engine import TransitionError, perform
from cityloop.cases.models import Case, CaseStep
from cityloop.cases.workflow import OPEN_STATES
from cityloop.catalog.models import Condition
from cityloop.core.audit import public_actor, request_context
from cityloop.core.models import User
from cityloop.geo.index import get_index

from .casemix import CHANNELS, COMPONENT_SHARE, EVENTS, Odds, SimulationReport, _png
from .dispatching import bounce, dispatch
from .repeats import Repeats, Reported, Words
from .staff import CITY_LEVEL, Crew, Staff, command_level
from .video_cases import VideoDesk


class Simulator:
    """Drives cases day by day. Deterministic for a seed (given the same demo city)."""

    def __init__(self, *, seed: int, now: dt.datetime | None = None, odds: Odds | None = None) -> None:
        self.rng = random.Random(seed)
        self.now = now or timezone.now()
        self.odds = odds or Odds()
        self.staff = Staff.load()
        self.public = public_actor()
        index = get_index()
        # Grids and components by district: each district gets its own share of the reports.
        self.grids: dict[str, list[tuple[shapely.Geometry, Any]]] = {}
        for geom, loc in zip(index.geoms, index.locations, strict=True):
            self.grids.setdefault(loc.district_code or "", []).append((geom, loc))
        self.components: dict[str, list[tuple[str, float, float, str]]] = {}
        for row in (
            Component.objects.filter(subclass__conditions__isnull=False)
            .distinct()
            .order_by("code")
            .values_list("code", "lon", "lat", "subclass__code")[:50000]
        ):
            self.components.setdefault(row[0][:6], []).append(row)
        self.event_codes = [c for c, _ in EVENTS]
        self.event_weights = [w for _, w in EVENTS]
        self.report = SimulationReport()
        self.words = Words(seed)
        self.repeats = Repeats(seed)
        self._crews: dict[tuple[str, int | None], Crew | None] = {}
        self.video = VideoDesk()

    def shares(self) -> dict[str, float]:
        """Each district's share of the reports: its share of the grids."""
        total = sum(len(g) for g in self.grids.values()) or 1
        return {code: len(grids) / total for code, grids in sorted(self.grids.items())}

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

    def crew(self, case: Case) -> Crew:
        """The operator, shift leader and dispatcher of the centre commanding ``case`` now: the same
        people for the whole case at one centre, others once it moves to the other level."""
        level = command_level(case)
        key = (level, None if level == CITY_LEVEL else case.district_id)
        if key not in self._crews:
            self._crews[key] = self.staff.crew(case, self.rng)
        found = self._crews[key]
        if found is None:
            raise _Stop  # nobody works at that centre: the case waits there
        return found

    # --- one case ---------------------------------------------------------------------------------
    def simulate_day(self, day: dt.date, count: int, district: str | None = None) -> int:
        """Try ``count`` reports on ``day`` in ``district`` (a code; by default anywhere); how many
        became cases (none after "now", none refused)."""
        made = 0
        for _ in range(count):
            with request_context(None):
                made += self.simulate_case(day, district) is not None
        return made

    def simulate_case(self, day: dt.date, district: str | None = None) -> Case | None:
        rng = self.rng
        self._crews = {}
        channel = self._pick(CHANNELS)
        code = district or rng.choice(sorted(self.grids))
        geom, loc = rng.choice(self.grids[code])
        category, kind, component = None, "event", None
        components = self.components.get(code)
        if components and rng.random() < COMPONENT_SHARE:
            component, lon, lat, category = rng.choice(components)
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
        if channel == "video_patrol" and self.video.covers(code):
            return self._video_case(at, code)
        repeat = self.repeats.pick(at, code)
        if repeat is not None:  # the same problem again, a few metres away, in other words
            lon, lat = self.repeats.near(repeat)
            located = get_index().locate(lon, lat, day)
            if located is None or located.district_id != loc.district_id:
                return None
            loc, category, kind, component = located, repeat.category, repeat.kind, repeat.component
        supervisor = self.staff.supervisor_of.get(loc.community_id)
        # Hotline and other calls are taken by the operators of the district where the problem is.
        operators = self.staff.centres.get(loc.district_id)
        reporter: User | None = {
            "supervisor": supervisor,
            "community_head": self.staff.head_of.get(loc.community_id),
            "citizen_app": self.public,
        }.get(channel) or (rng.choice(operators.operators) if operators and operators.operators else None)
        if reporter is None:
            return None
        try:
            case, _ = submit_report(
                actor=reporter,
                channel=channel,
                description=self.words.description(kind, category, loc),
                lon=lon,
                lat=lat,
                address=self.words.address(loc),
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
        if repeat is None:
            self.repeats.remember(
                Reported(case.pk, case.number, at, lon, lat, category, kind, component, code)
            )
        with contextlib.suppress(_Stop):  # the case stays open where "now" caught it
            self._work(case, at, category, kind, component, supervisor, repeat)
        return case

    def _video_case(self, at: dt.datetime, code: str) -> Case | None:
        """视频巡查: the district centre's operator reports what one of its cameras shows."""
        seen = self.video.report(self, at, code)
        if seen is None:
            return None
        case, loc, category = seen
        self.report.cases += 1
        with contextlib.suppress(_Stop):
            self._work(case, at, category, "event", None, self.staff.supervisor_of.get(loc.community_id))
        return case

    def _check(self, case: Case, at: dt.datetime, supervisor: User | None, *, passed: bool) -> Case:
        """The district's supervisor checks on site; a case a camera found is checked through that
        camera by the commanding centre's operator, with the frame taken then (视频核查)."""
        if not self.video.watches(case):
            if passed:
                return self._act(case, "check_pass", supervisor, at)
            return self._act(case, "check_fail", supervisor, at, reason="现场仍未处理到位")
        operator = self.crew(case).operator
        if at > self.now:
            raise _Stop  # before the frame is stored: nothing is written after "now"
        frame = self.video.frame(operator, self.rng)
        if passed:
            return self._act(case, "video_check_pass", operator, at, attachments=[frame])
        return self._act(
            case, "video_check_fail", operator, at, attachments=[frame], reason="画面显示现场仍未处理到位"
        )

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
        repeat: Reported | None = None,
    ) -> None:
        rng, odds = self.rng, self.odds
        if case.channel.needs_verification:
            at = self._later(at, (3, 25))
            case = self._act(case, "send_for_verification", self.crew(case).operator, at)
            at = self._later(at, (5, 40))
            case = self._act(case, "verify", supervisor, at, found=True)
        at = self._later(at, (2, 20))
        merge_into = repeat if repeat is not None and self.repeats.rng.random() < odds.merged else None
        if merge_into and Case.objects.filter(pk=merge_into.case_id, state__in=OPEN_STATES).exists():
            # The operator sees the likely duplicate, still open, and merges the report into it (合并);
            # now and then one is missed and the repeat goes on as a case of its own.
            self._act(case, "merge", self.crew(case).operator, at, into=merge_into.number)
            return
        if rng.random() < odds.not_accepted:
            self._act(case, "not_accept", self.crew(case).operator, at, reason="不属于城市管理范围")
            return
        # Routing decides at acceptance: a city rule hands the case to the city centre from here on.
        case = self._act(
            case, "accept", self.crew(case).operator, at, category=category, kind=kind, component=component
        )
        at = self._later(at, (3, 25))
        if command_level(case) != CITY_LEVEL and rng.random() < odds.referred_up:
            case = self._act(
                case,
                "refer_to_city",
                self.crew(case).shift_leader,
                at,
                reason="涉及多个区和市级部门，上报市级指挥",
            )
            at = self._later(at, (3, 25))
        if rng.random() < odds.not_registered:
            self._act(case, "not_register", self.crew(case).shift_leader, at, reason="不符合立案条件")
            return
        numbers = list(
            Condition.objects.valid_at(at.date())
            .filter(category=case.category)
            .values_list("number", flat=True)
            .distinct()
        )
        condition = rng.choice(numbers) if numbers else 1
        case = self._act(case, "register", self.crew(case).shift_leader, at, condition=condition)
        at = self._later(at, (3, 25))
        if case.state == "registered":  # else routing dispatched it automatically
            case = dispatch(self, case, self.crew(case).dispatcher, at)
        case, at = self._dispose(case, at)
        self._check_and_close(case, at, supervisor)

    def _handler(self, case: Case) -> User | None:
        return self.staff.handlers.get(case.responsible_unit_id or 0)

    def _dispose(self, case: Case, at: dt.datetime, *, first: bool = True) -> tuple[Case, dt.datetime]:
        """The unit disposes (late now and then, extended, on hold); on its first disposal it may say
        the case is not its own (a unit that already disposed it and failed the check reworks it)."""
        rng, odds = self.rng, self.odds
        handler = self._handler(case)
        if first and rng.random() < odds.returned:
            case, at = bounce(self, case, at)
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
            case = self._act(case, "approve_extension", self.crew(case).dispatcher, at)
        elif rng.random() < odds.held:
            at = max(at, self._within(step, rng.uniform(0.2, 0.5)))
            case = self._act(case, "request_hold", handler, at, reason="等待天气好转")
            at = self._later(at, (10, 60))
            case = self._act(case, "approve_hold", self.crew(case).shift_leader, at)
            at = self._later(at, (600, 4000))
            case = self._act(case, "resume", self.crew(case).dispatcher, at)
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

    def _check_and_close(self, case: Case, at: dt.datetime, supervisor: User | None) -> None:
        """The commanding centre sends the case for check, the district's supervisor checks it on
        site, hotline callers get their return visit, and the centre's shift leader closes it."""
        rng, odds = self.rng, self.odds
        for attempt in range(2):
            at = self._later(at, (3, 25))
            case = self._act(case, "send_for_check", self.crew(case).operator, at)
            at = self._later(at, (20, 150))
            if attempt == 0 and rng.random() < odds.rework:
                case = self._check(case, at, supervisor, passed=False)
                case, at = self._dispose(case, at, first=False)
                continue
            case = self._check(case, at, supervisor, passed=True)
            break
        if case.needs_return_visit:
            at = self._later(at, (30, 300))
            unhappy = rng.random() < odds.unsatisfied
            satisfaction = "unsatisfied" if unhappy else "satisfied"
            case = self._act(case, "return_visit", self.crew(case).operator, at, satisfaction=satisfaction)
            if unhappy:
                at = self._later(at, (10, 60))
                case = self._act(
                    case, "reopen", self.crew(case).shift_leader, at, reason="市民不满意，重新处置"
                )
                case, at = self._dispose(case, at, first=False)
                at = self._later(at, (3, 25))
                case = self._act(case, "send_for_check", self.crew(case).operator, at)
                case = self._act(case, "check_pass", supervisor, self._later(at, (20, 120)))
                at = self._later(at, (150, 400))
                operator = self.crew(case).operator
                case = self._act(case, "return_visit", operator, at, satisfaction="basically_satisfied")
        at = self._later(at, (5, 50))
        self._act(case, "close", self.crew(case).shift_leader, at)


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
    """Simulate ``days`` days ending today, about ``per_day`` reports a day across the city, each
    district getting its share (by its number of grids: the smaller district fewer)."""
    sim = Simulator(seed=seed, now=now, odds=odds)
    today = timezone.localdate(sim.now)
    shares = sim.shares()
    for offset in range(days, 0, -1):
        day = today - dt.timedelta(days=offset - 1)
        weekend = day.weekday() >= 5
        made = 0
        for district, share in shares.items():
            count = max(1, round(per_day * share * (0.6 if weekend else 1.0) * sim.rng.uniform(0.85, 1.15)))
            made += sim.simulate_day(day, count, district)
        if progress:
            progress(day, made)
    sim.report.outcomes = Counter(Case.objects.values_list("state", flat=True))
    return sim.report
