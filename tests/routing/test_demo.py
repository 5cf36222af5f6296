"""The demo district's rule set, checked by previews, and the simulator exercising returns, disputes and
arbitration through the real actions."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from django.utils import timezone

from cityloop.assets.models import Component
from cityloop.cases.models import Case, CaseEvent
from cityloop.demo.dispatching import rule_rows
from cityloop.demo.districts import LINJIANG
from cityloop.demo.simulate import Odds, simulate
from cityloop.geo.index import get_index
from cityloop.geo.models import Grid
from cityloop.routing.decide import route
from cityloop.routing.facts import facts_at
from cityloop.routing.models import Arbitration, ReturnRecord, Rule
from tests.cases.test_invariants import check_case

NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 18, 0))
DAY = dt.date(2026, 11, 2)


def _point_in_street(street_code: str, managed: bool | None = None) -> tuple[float, float]:
    index = get_index()
    responsible = dict(Grid.objects.values_list("id", "responsible_unit_id"))
    for geom, loc in zip(index.geoms, index.locations, strict=True):
        if loc.street_code != street_code:
            continue
        if managed is not None and (responsible.get(loc.grid_id) is not None) != managed:
            continue
        point = geom.representative_point()
        return point.x, point.y
    raise AssertionError(f"no grid in street {street_code}")


def test_demo_rules_and_previews(demo_city):
    assert Rule.objects.count() == len(rule_rows(demo_city)) == demo_city.summary["routing rules"]
    owned = (
        Component.objects.filter(subclass__code="0101", owner__isnull=False)
        .select_related("subclass")
        .first()
    )
    decision = route(
        facts_at(owned.lon, owned.lat, kind="component", category_code="0101", component=owned, on=DAY)
    )
    assert decision.unit.code == demo_city.unit("water").code and decision.basis == "owner_first"
    assert decision.auto_dispatch and decision.explanation.startswith("0101 上水井盖 ")
    unowned = Component.objects.filter(owner__isnull=True).exclude(subclass__code="0114").first()
    fallback = route(
        facts_at(unowned.lon, unowned.lat, kind="component", category_code=unowned.subclass.code,
                 component=unowned, on=DAY)
    )  # fmt: skip
    grid_unit = Grid.objects.get(pk=unowned.grid_id).responsible_unit_id
    assert fallback.unit.id == (grid_unit or unowned.street_id)
    assert {"unowned", "territorial_fallback"} <= set(fallback.flags) and not fallback.auto_dispatch

    first, second = demo_city.streets[0], demo_city.streets[1]
    contracted = route(facts_at(*_point_in_street(first.code), kind="event", category_code="0102", on=DAY))
    assert contracted.unit.code == demo_city.unit("sanitation_contractor").code
    lon, lat = _point_in_street(second.code, managed=False)
    territorial = route(facts_at(lon, lat, kind="event", category_code="0102", on=DAY))
    assert territorial.unit.code == second.code and territorial.basis == "territory_first"
    structure = route(facts_at(lon, lat, kind="event", category_code="0101", on=DAY))
    assert structure.unit.code == demo_city.unit("enforcement").code and structure.basis == "line_department"
    collapse = route(facts_at(lon, lat, kind="event", category_code="0401", on=DAY))
    assert [u.code for u in collapse.emergency_units] == [demo_city.unit("emergency").code]

    # Illegal taxis are the city's in either district: its traffic police, commanded by the city.
    linjiang = demo_city.in_district(LINJIANG.code)
    for street in (second, linjiang.streets[0]):
        taxis = route(facts_at(*_point_in_street(street.code), kind="event", category_code="0509", on=DAY))
        assert taxis.unit.code == "990100-JJ" and taxis.level == "city"
    burst = route(
        facts_at(*_point_in_street(linjiang.streets[0].code), kind="event", category_code="0402", on=DAY)
    )
    assert burst.unit.code == linjiang.unit("water").code and burst.level == "district"


def test_simulated_days_bounce_cases_into_arbitration_and_rulings_become_rules(demo_city, db):
    odds = Odds(returned=0.35, returned_again=0.7, return_rejected=0.1)
    report = simulate(days=3, per_day=30, seed=11, now=NOW, odds=odds)
    assert report.cases > 50
    done = Counter(CaseEvent.objects.values_list("transition", flat=True))
    for flow in ("approve_return", "refer_to_arbitration", "rule_arbitration", "dispatch"):
        assert done[flow] > 0, f"the simulator never took {flow}"
    automatic = CaseEvent.objects.filter(transition="dispatch", actor__username="system").count()
    assert 0 < automatic < done["dispatch"]
    assert ReturnRecord.objects.filter(suggested_unit__isnull=False).exists()
    assert Arbitration.objects.filter(state="ruled").count() == done["rule_arbitration"]
    assert Rule.objects.filter(source="arbitration").exists()
    for case in Case.objects.all():
        check_case(case)
