"""An independent check: a simulated October in the demo city, its scores recomputed in plain Python
from each case's own timeline (``CaseEvent`` rows: who did what when, and which step clocks each
transition stopped on time or late), and compared with the evaluation to the last digit.

Nothing here uses the evaluation's queries or scoring code: the weights and ladders are restated
from DOMAIN.md §7.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from cityloop.cases.models import Case, CaseEvent, CaseStep
from cityloop.core.models import Membership, Unit
from cityloop.demo.simulate import simulate
from cityloop.evaluation.compute import Evaluation, evaluate
from cityloop.evaluation.periods import parse_period
from cityloop.geo.models import Grid
from tests.demo.conftest import demo_city  # noqa: F401  (the module-scoped demo city)

START = timezone.make_aware(dt.datetime(2026, 10, 1))
END = timezone.make_aware(dt.datetime(2026, 11, 1))


@pytest.fixture(scope="module")
def month(demo_city: Any, django_db_blocker: Any) -> Iterator[Evaluation]:  # noqa: F811
    """October 2026 simulated up to its last minute, then evaluated as of 20 November."""
    with django_db_blocker.unblock(), transaction.atomic():
        simulate(days=31, per_day=9, seed=3, now=END - dt.timedelta(minutes=1))
        yield evaluate(parse_period("2026-10"), demo_city.city, now=END + dt.timedelta(days=19))
        transaction.set_rollback(True)


def in_period(at: dt.datetime) -> bool:
    return START <= at < END


def timelines() -> dict[int, list[CaseEvent]]:
    out: dict[int, list[CaseEvent]] = defaultdict(list)
    for event in CaseEvent.objects.order_by("case_id", "seq"):
        out[event.case_id].append(event)
    return out


def stopped(event: CaseEvent, step: str) -> list[bool]:
    """The on-time facts of the step clocks this transition stopped (as the timeline recorded them)."""
    return [bool(s["on_time"]) for s in event.data.get("steps", []) if s["step"] == step]


def rounded(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP
    )


def index(parts: list[tuple[int, Fraction | None]]) -> Decimal | None:
    """Weighted mean of the part scores that have data (the others' weight is spread over them)."""
    having = [(w, s) for w, s in parts if s is not None]
    if not having:
        return None
    return rounded(sum((w * s for w, s in having), Fraction(0)) / sum(w for w, _ in having))


def rate(num: int, den: int) -> Fraction | None:
    return Fraction(100 * num, den) if den else None


def volume_score(n: int) -> Fraction:
    for bound, score in ((2001, 100), (1201, 90), (501, 75), (301, 60), (101, 40)):
        if n >= bound:
            return Fraction(score)
    return Fraction(0)


def by_key(result: Evaluation, kind: str) -> dict[int, Any]:
    return {s.subject.key: s for s in result.scores[kind]}


def test_the_month_has_every_side_flow(month, db):
    done = Counter(CaseEvent.objects.filter(at__gte=START, at__lt=END).values_list("transition", flat=True))
    for flow in (
        "verify",
        "approve_return",
        "approve_extension",
        "approve_hold",
        "check_fail",
        "reopen",
        "close",
    ):
        assert done[flow], f"the simulated month never took {flow}"
    assert Case.objects.count() > 200


def test_operators_and_dispatchers_match_the_timelines(month, db):
    accepted, accepted_on_time, sent, sent_on_time = Counter(), Counter(), Counter(), Counter()
    dispatched, dispatched_on_time, returned = Counter(), Counter(), Counter()
    video_checked, video_checked_on_time = Counter(), Counter()
    for events in timelines().values():
        last_dispatch: CaseEvent | None = None
        for e in events:
            if in_period(e.at) and e.transition in ("video_check_pass", "video_check_fail"):
                for on_time in stopped(e, "check"):  # 视频核查: the operator looked through the camera
                    video_checked[e.actor_id] += 1
                    video_checked_on_time[e.actor_id] += on_time
            if in_period(e.at):
                for on_time in stopped(e, "accept"):
                    accepted[e.actor_id] += 1
                    accepted_on_time[e.actor_id] += on_time
                for on_time in stopped(e, "send_check"):
                    sent[e.actor_id] += 1
                    sent_on_time[e.actor_id] += on_time
            if e.transition == "dispatch":
                last_dispatch = e
                if in_period(e.at):
                    dispatched[e.actor_id] += 1
                    dispatched_on_time[e.actor_id] += all(stopped(e, "dispatch"))
            if (
                e.transition == "approve_return"
                and last_dispatch
                and in_period(last_dispatch.at)
                and e.at < END
            ):
                returned[last_dispatch.actor_id] += 1
    operators = by_key(month, "operator")
    assert sum(accepted.values()) > 100 and sum(video_checked.values()) > 0
    for user_id, s in operators.items():
        c = s.subject.counts
        assert (c["video_checked"], c["video_checked_on_time"]) == (
            video_checked[user_id],
            video_checked_on_time[user_id],
        )
        assert (c["accepted"], c["accepted_on_time"], c["check_sent"], c["check_sent_on_time"]) == (
            accepted[user_id],
            accepted_on_time[user_id],
            sent[user_id],
            sent_on_time[user_id],
        )
        expected = index(
            [
                (25, volume_score(accepted[user_id])),
                (40, rate(accepted_on_time[user_id], accepted[user_id])),
                (35, rate(sent_on_time[user_id], sent[user_id])),
            ]
        )
        assert s.outcome.index == expected
    for user_id, s in by_key(month, "dispatcher").items():
        n = dispatched[user_id]
        assert (s.subject.counts["dispatched"], s.subject.counts["dispatched_on_time"]) == (
            n,
            dispatched_on_time[user_id],
        )
        assert s.subject.counts["dispatched_kept"] == n - returned[user_id]
        expected = index(
            [
                (20, volume_score(n)),
                (40, rate(dispatched_on_time[user_id], n)),
                (40, rate(n - returned[user_id], n)),
            ]
        )
        assert s.outcome.index == expected


def test_supervisors_and_shift_leaders_match_the_timelines(month, db):
    cases = {c.pk: c for c in Case.objects.select_related("channel")}
    verified, verified_ok, checked, checked_ok = Counter(), Counter(), Counter(), Counter()
    reported, valid = Counter(), Counter()
    reg_steps, reg_ok, registered, kept, close_steps, close_ok = (Counter() for _ in range(6))
    for case_id, events in timelines().items():
        case = cases[case_id]
        became_valid = any(
            e.transition in ("register", "approve_self_handling") and e.at < END for e in events
        )
        voided = any(e.transition == "void" and e.at < END and e.from_state == "registered" for e in events)
        if in_period(case.reported_at) and case.reporter_id:
            reported[case.reporter_id] += 1
            valid[case.reporter_id] += became_valid
        for e in events:
            if not in_period(e.at):
                continue
            for on_time in stopped(e, "verify"):
                verified[e.actor_id] += 1
                verified_ok[e.actor_id] += on_time
            for on_time in stopped(e, "check"):
                checked[e.actor_id] += 1
                checked_ok[e.actor_id] += on_time
            for on_time in stopped(e, "register"):
                reg_steps[e.actor_id] += 1
                reg_ok[e.actor_id] += on_time
            if e.transition == "register":
                registered[e.actor_id] += 1
                kept[e.actor_id] += not voided
            for on_time in stopped(e, "close"):
                close_steps[e.actor_id] += 1
                close_ok[e.actor_id] += on_time
    for user_id, s in by_key(month, "supervisor").items():
        c = s.subject.counts
        assert (
            c["reported"],
            c["valid"],
            c["verified"],
            c["verified_on_time"],
            c["checked"],
            c["checked_on_time"],
        ) == (
            reported[user_id],
            valid[user_id],
            verified[user_id],
            verified_ok[user_id],
            checked[user_id],
            checked_ok[user_id],
        )
        # the patrol area: the communities where the supervisor holds the role
        area = set(
            Membership.objects.filter(user_id=user_id, role="supervisor").values_list("unit_id", flat=True)
        )
        area_cases = [
            c
            for c in cases.values()
            if c.community_id in area
            and in_period(c.reported_at)
            and any(e.transition in ("register", "approve_self_handling") for e in c.events.all())
        ]
        public = sum(c.channel.is_public for c in area_cases)
        assert (s.subject.counts["area_cases"], s.subject.counts["area_public_cases"]) == (
            len(area_cases),
            public,
        )
        missed = rate(public, len(area_cases))
        expected = index(
            [
                (40, rate(valid[user_id], reported[user_id])),
                (20, None if missed is None else 100 - missed),
                (20, rate(verified_ok[user_id], verified[user_id])),
                (20, rate(checked_ok[user_id], checked[user_id])),
            ]
        )
        assert s.outcome.index == expected
    for user_id, s in by_key(month, "shift_leader").items():
        c = s.subject.counts
        assert (c["register_steps"], c["register_on_time"], c["registered"], c["registered_kept"]) == (
            reg_steps[user_id],
            reg_ok[user_id],
            registered[user_id],
            kept[user_id],
        )
        assert (c["close_steps"], c["close_on_time"]) == (close_steps[user_id], close_ok[user_id])
        expected = index(
            [
                (25, rate(reg_ok[user_id], reg_steps[user_id])),
                (40, rate(kept[user_id], registered[user_id])),
                (35, rate(close_ok[user_id], close_steps[user_id])),
            ]
        )
        assert s.outcome.index == expected


def _overdue_at_end() -> Counter:
    """Disposals running at the end of October past their deadline, not on hold (from the steps and
    the hold/resume events, in Python)."""
    holds: dict[int, list[CaseEvent]] = defaultdict(list)
    for e in CaseEvent.objects.filter(transition__in=("approve_hold", "resume"), at__lt=END).order_by(
        "at", "seq"
    ):
        holds[e.case_id].append(e)
    out: Counter = Counter()
    for step in CaseStep.objects.filter(step="dispose", started_at__lt=END, deadline_at__lt=END):
        if step.ended_at is not None and step.ended_at < END:
            continue
        decisions = [e for e in holds[step.case_id] if e.at >= step.started_at]
        if decisions and decisions[-1].transition == "approve_hold":
            continue
        out[step.unit_id] += 1
    return out


def first_visits() -> list[tuple[Case, CaseEvent, int | None]]:
    """Each case's first return visit (回访), with the unit that had the case then: the unit of its
    last dispatch or arbitration ruling before the visit (read from the timeline)."""
    cases = {c.pk: c for c in Case.objects.all()}
    out = []
    for case_id, events in timelines().items():
        unit: int | None = None
        for e in events:
            if e.transition in ("dispatch", "rule_arbitration"):
                unit = e.data["unit"]["id"]
            elif e.transition == "return_visit":
                out.append((cases[case_id], e, unit))
                break
    return out


def visit_counts(group: str) -> dict[int | None, Counter]:
    """Per unit (``group`` "unit") or region (the case's "street_id" …) the first visits made in
    October, by their satisfaction; a second visit after a reopen does not count."""
    per: dict[int | None, Counter] = defaultdict(Counter)
    for case, visit, unit in first_visits():
        if not in_period(visit.at):
            continue
        counts = per[unit if group == "unit" else getattr(case, group)]
        verdict = visit.data["satisfaction"]
        counts["visited"] += 1
        counts[verdict] += 1
        counts["satisfied_total"] += verdict in ("satisfied", "basically_satisfied")
    return per


VISIT_MEASURES = ("visited", "satisfied", "basically_satisfied", "unsatisfied", "satisfied_total")


def test_departments_match_the_timelines(month, db):
    received: dict[int, set[int]] = defaultdict(set)
    closed_cases = {e.case_id for e in CaseEvent.objects.filter(transition="close", at__lt=END)}
    disposed, on_time, reworked, returned, extensions = (Counter() for _ in range(5))
    for case_id, events in timelines().items():
        unit: int | None = None
        dispatches: list[tuple[CaseEvent, int]] = []
        for e in events:
            # A unit gets a case by a dispatch, or by an arbitration ruling after repeated returns.
            if e.transition in ("dispatch", "rule_arbitration"):
                unit = e.data["unit"]["id"]
                dispatches.append((e, unit))
            elif e.transition == "approve_return":
                if in_period(e.at):
                    returned[unit] += 1
                dispatches[-1] = (dispatches[-1][0], -1)  # handed back: not the unit's case
                unit = None
            elif e.transition in ("check_fail", "video_check_fail", "reopen") and in_period(e.at):
                reworked[unit] += 1
            elif e.transition == "approve_extension" and in_period(e.at):
                extensions[unit] += 1
            elif e.transition == "dispose" and in_period(e.at):
                disposed[unit] += 1
                on_time[unit] += all(stopped(e, "dispose"))
        for event, to in dispatches:
            if to != -1 and in_period(event.at):
                received[to].add(case_id)
    overdue = _overdue_at_end()
    visits = visit_counts("unit")
    departments = by_key(month, "department")
    assert sum(disposed.values()) > 100 and sum(returned.values()) > 0 and sum(reworked.values()) > 0
    for unit_id, s in departments.items():
        c = s.subject.counts
        mine = received[unit_id]
        expected_counts = {
            "received": len(mine),
            "received_closed": len(mine & closed_cases),
            "reworked": reworked[unit_id],
            "disposed": disposed[unit_id],
            "disposed_on_time": on_time[unit_id],
            "returned": returned[unit_id],
            "overdue_pending": overdue[unit_id],
            "extensions": extensions[unit_id],
            "due": disposed[unit_id] + overdue[unit_id],
            **{k: visits[unit_id][k] for k in VISIT_MEASURES},
        }
        assert c == expected_counts, s.subject.label
        count_score = next(
            (
                Fraction(score)
                for bound, score in ((50, 100), (100, 90), (200, 75), (500, 60), (1000, 40))
                if len(mine) <= bound
            ),
            Fraction(0),
        )
        rework = rate(reworked[unit_id], disposed[unit_id])
        expected = index(
            [
                (10, count_score),
                (30, rate(len(mine & closed_cases), len(mine))),
                (30, rate(on_time[unit_id], disposed[unit_id] + overdue[unit_id])),
                (30, None if rework is None else 100 - rework),
            ]
        )
        assert s.outcome.index == expected, s.subject.label
    assert any(s.outcome.rank for s in departments.values())


def region_counts(group: str) -> dict[int, Counter]:
    """Per region (the case's ``group``: "street_id", "district_id" …) the counts of the cases
    reported in October, read from their timelines up to the end of the month."""
    per_region: dict[int, Counter] = defaultdict(Counter)
    events = timelines()
    for case in Case.objects.select_related("channel").filter(reported_at__gte=START, reported_at__lt=END):
        mine = [e for e in events[case.pk] if e.at < END]
        became_valid = any(e.transition in ("register", "approve_self_handling") for e in mine)
        voided = any(e.transition == "void" and e.from_state == "registered" for e in mine)
        closed = any(e.transition in ("close", "approve_self_handling") for e in mine)
        late = any(not ok for e in mine for ok in stopped(e, "dispose"))
        counts = per_region[getattr(case, group)]
        counts["cases_reported"] += 1
        counts["cases"] += became_valid
        counts["public_cases"] += became_valid and case.channel.is_public
        counts["closable"] += became_valid and not voided
        counts["closed"] += closed
        counts["closed_on_time"] += closed and not late
        counts["repeats"] += any(e.transition == "merge" for e in mine)
    for region, visited in visit_counts(group).items():
        per_region[region].update(visited)  # type: ignore[index]
    return per_region


def district_areas() -> dict[int, float]:
    """Each district's area in m²: its grids in service on 31 October, found by walking up the
    organisation tree from each grid's community (community → street → district)."""
    units = {u.pk: u for u in Unit.objects.all()}

    def district_of(unit_id: int) -> int | None:
        unit: Unit | None = units.get(unit_id)
        while unit is not None and unit.kind != "district":
            unit = units.get(unit.parent_id) if unit.parent_id else None
        return unit.pk if unit is not None else None

    last_day = dt.date(2026, 10, 31)
    areas: dict[int, float] = defaultdict(float)
    for grid in Grid.objects.filter(valid_from__lte=last_day):
        if grid.valid_to is None or grid.valid_to > last_day:
            found = district_of(grid.community_id)
            if found is not None:
                areas[found] += grid.area_m2
    return areas


# Cases per 10,000 m² (fewer is better), class-1 regions (DOMAIN.md §7: ladders by region class).
DENSITY_LADDER = ((2, 100), (4, 90), (8, 75), (16, 60), (32, 40))


def region_index(c: Counter, area_m2: float) -> Decimal | None:
    """The region formula restated: 25% public-report rate (lower is better), 25% cases per area,
    25% closure rate, 25% on-time closure rate; parts without data leave their weight to the others."""
    public = rate(c["public_cases"], c["cases"])
    density: Fraction | None = None
    if area_m2:
        per_10k = Fraction(c["cases"]) * 10000 / Fraction(area_m2)
        density = next((Fraction(s) for bound, s in DENSITY_LADDER if per_10k <= bound), Fraction(0))
    return index(
        [
            (25, None if public is None else 100 - public),
            (25, density),
            (25, rate(c["closed"], c["closable"])),
            (25, rate(c["closed_on_time"], c["closable"])),
        ]
    )


def competition_ranks(indexes: dict[int, Decimal]) -> dict[int, int]:
    """1, 2, 2, 4: a rank is one more than the number of better indexes."""
    return {k: 1 + sum(other > mine for other in indexes.values()) for k, mine in indexes.items()}


def check_districts(result: Evaluation, minimum: int) -> dict[int, Any]:
    """Every district of the evaluation against the recomputation: counts, area, index, grade band,
    whether it is ranked (``minimum`` registered cases) and its rank. Returns the scored districts."""
    districts = by_key(result, "district")
    expected_counts, areas = region_counts("district_id"), district_areas()
    indexes: dict[int, Decimal] = {}
    for district_id, s in districts.items():
        expected = expected_counts[district_id]
        assert s.subject.counts == {k: expected[k] for k in s.subject.counts}, s.subject.label
        assert s.subject.area_m2 == pytest.approx(areas[district_id]), s.subject.label
        value = region_index(expected, areas[district_id])
        assert s.outcome.index == value, s.subject.label
        assert s.outcome.ranked == (value is not None and expected["cases"] >= minimum), s.subject.label
        if s.outcome.ranked:
            assert value is not None
            indexes[district_id] = value
    ranks = competition_ranks(indexes)
    for district_id, s in districts.items():
        assert s.outcome.rank == ranks.get(district_id), s.subject.label
    return districts


def test_streets_match_the_timelines(month, db):
    per_street = region_counts("street_id")
    for street_id, s in by_key(month, "street").items():
        expected = per_street[street_id]
        assert s.subject.counts == {k: expected[k] for k in s.subject.counts}, s.subject.label


def test_districts_match_the_timelines(month, db):
    """The city's districts, under the standard scheme (50 registered cases to be ranked)."""
    districts = check_districts(month, minimum=50)
    assert set(districts) == set(Unit.objects.filter(kind="district").values_list("pk", flat=True))
    assert all(s.subject.area_m2 for s in districts.values())
    assert (
        sum(s.subject.counts["cases_reported"] for s in districts.values())
        == Case.objects.filter(reported_at__gte=START, reported_at__lt=END).count()
    )
    assert any(s.outcome.rank == 1 for s in districts.values())


# 热线满意度 defaults: 80 满意率 + 20 完全满意率; minimum visits to be ranked.
HOTLINE_MINIMUM = {"hotline_department": 5, "hotline_street": 5, "hotline_district": 20}
DEPARTMENT_GROUPS = {
    "department": "department",
    "company": "company",
    **dict.fromkeys(("street", "community", "station"), "territory"),
}


def test_hotline_satisfaction_matches_the_timelines(month, db):
    """The first return visit of each case, by the unit that had the case and by its regions; the
    rates and the 热线满意度 index recomputed from them."""
    in_month = CaseEvent.objects.filter(transition="return_visit", at__gte=START, at__lt=END)
    assert {e.data["satisfaction"] for e in in_month} == {"satisfied", "basically_satisfied", "unsatisfied"}
    units = {u.pk: u for u in Unit.objects.all()}
    ranked_somewhere = False
    for kind, group in (
        ("hotline_department", "unit"),
        ("hotline_street", "street_id"),
        ("hotline_district", "district_id"),
    ):
        expected = visit_counts(group)
        scored = by_key(month, kind)
        assert sum(s.subject.counts["visited"] for s in scored.values()) == sum(
            c["visited"] for c in expected.values()
        )
        indexes: dict[str, dict[int, Decimal]] = defaultdict(dict)
        for key, s in scored.items():
            c = expected[key]
            assert s.subject.counts == {k: c[k] for k in VISIT_MEASURES}, (kind, s.subject.label)
            value = index(
                [(80, rate(c["satisfied_total"], c["visited"])), (20, rate(c["satisfied"], c["visited"]))]
            )
            assert s.outcome.index == value, (kind, s.subject.label)
            shown = next(p for p in s.outcome.parts if p["key"] == "unsatisfied_rate")
            if c["visited"]:
                share = Decimal(c["unsatisfied"]) / Decimal(c["visited"])
                assert Decimal(shown["rate"]) == share.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
            assert s.outcome.ranked == (c["visited"] >= HOTLINE_MINIMUM[kind]), (kind, s.subject.label)
            if s.outcome.ranked:
                assert value is not None
                grouping = DEPARTMENT_GROUPS.get(units[key].kind, "other") if group == "unit" else ""
                indexes[grouping][key] = value
        for members in indexes.values():
            ranks = competition_ranks(members)
            for key in members:
                assert scored[key].outcome.rank == ranks[key], (kind, scored[key].subject.label)
        ranked_somewhere |= any(indexes.values())
    assert ranked_somewhere
    # Reopened cases were visited again in October; only their first visit counted.
    all_visits = in_month.count()
    assert sum(c["visited"] for c in visit_counts("unit").values()) < all_visits
