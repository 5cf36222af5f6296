"""Accuracy on the demo city: addresses made from its roads, door numbers, crossings, communities and
named places, in the forms people say them, land in the right grid (at a crossing: a grid touching it)."""

from __future__ import annotations

from collections import Counter

import pytest

from cityloop.demo.addresses import sample_addresses
from cityloop.geo import gazetteer
from cityloop.geo.geocode import geocode

TARGET = 0.95
# The demo city is built once for the module; each test's own writes (none here) would roll back.
pytestmark = pytest.mark.django_db


def test_at_least_95_percent_of_demo_addresses_land_in_the_right_grid(demo_city):
    gazetteer.reset()
    samples = sample_addresses()
    assert len(samples) >= 500
    assert {s.kind for s in samples} == {"door", "crossing", "community", "place"}
    right: Counter[str] = Counter()
    total: Counter[str] = Counter()
    wrong = []
    for sample in samples:
        found = geocode(sample.text)
        total[sample.kind] += 1
        if found.location is not None and found.location.grid_code in sample.grids:
            right[sample.kind] += 1
        else:
            wrong.append((sample.text, found.method, found.confidence))
    share = sum(right.values()) / len(samples)
    by_kind = {kind: f"{right[kind]}/{total[kind]}" for kind in total}
    assert share >= TARGET, (share, by_kind, wrong[:20])
    # Every kind on its own too: a form nobody can place would hide in the total.
    assert all(right[kind] / total[kind] >= 0.9 for kind in total), by_kind


def test_demo_crossing_in_all_three_forms(demo_city):
    name_a = next(name for name, kind, _ in demo_city.roads if kind == "arterial")
    sample = next(s for s in sample_addresses() if s.kind == "crossing" and name_a in s.text)
    other = sample.text.replace(name_a, "").replace("与", "").replace("和", "")
    for ending in ("交叉口", "路口", "交汇处"):
        other = other.replace(ending, "")
    for said in (f"{name_a}与{other}交叉口", f"{name_a}{other}路口", f"{name_a}和{other}交汇处"):
        found = geocode(said)
        assert found.method == "crossing", said
        assert found.location is not None and found.location.grid_code in sample.grids, said


def test_the_demo_has_door_numbers_places_and_aliases(demo_city):
    from cityloop.geo.models import AddressPoint, PointOfInterest, RoadAlias

    assert AddressPoint.objects.count() >= 300
    kinds = set(PointOfInterest.objects.values_list("kind", flat=True))
    assert {"school", "hospital", "market", "bus_stop", "estate"} <= kinds
    assert RoadAlias.objects.exists()
