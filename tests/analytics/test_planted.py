"""The analyses find what the simulator planted in a year, and report nothing that was not planted:
hotspots (grids with a surge over the last four weeks), recurring spots (a problem back after every
cleanup) and a bouncing unit pair (returns both ways, arbitrations)."""

from __future__ import annotations

import datetime as dt
import time

from django.core.management import call_command
from django.utils import timezone

from cityloop.analytics import filters, rollup
from cityloop.analytics.disputes import disputes
from cityloop.analytics.hotspots import Source, hotspots
from cityloop.analytics.models import Closing, DailyCount, HourlyCount
from cityloop.analytics.recurrence import recurrence
from cityloop.demo.planted import HOT_DAYS, PlantOptions, plant_history
from cityloop.routing.models import Arbitration, ReturnRecord

RECURRING_AT_LEAST = 6  # in the year: planted spots come back ~10 times, chance rarely twice


def test_the_analyses_find_what_was_planted_and_nothing_else(loop, actor) -> None:
    started = time.perf_counter()
    planted = plant_history(PlantOptions(hotspots=2, recurring=2, per_day=3, seed=5), actor=actor)
    rollup.rebuild()
    today = timezone.localdate()
    # Hotspots over the planted four weeks: exactly the planted grids are significant.
    month = filters.parse(start=(today - dt.timedelta(days=HOT_DAYS)).isoformat(), end=today.isoformat())
    found = hotspots(Source(DailyCount.objects.all(), HourlyCount.objects.all()), month, 50)
    significant = {s["place"] for s in found["spots"] if s["significant"]}
    assert significant == {str(h["grid"]) for h in planted.hotspots}, found["spots"][:4]
    # A quarter before anything was planted (the recurring spots start 180 days ago): nothing is hot.
    before = filters.parse(
        start=(today - dt.timedelta(days=290)).isoformat(), end=(today - dt.timedelta(days=200)).isoformat()
    )
    quiet = hotspots(Source(DailyCount.objects.all(), HourlyCount.objects.all()), before, 50)
    assert not [s for s in quiet["spots"] if s["significant"]]
    # Recurrence over the year: the planted spots, and no other spot as often.
    year = filters.parse(start=(today - dt.timedelta(days=365)).isoformat(), end=today.isoformat())
    again = recurrence(Closing.objects.all(), year, days=30, limit=200)
    frequent = {(s["spot"], s["category"]) for s in again["spots"] if s["recurring"] >= RECURRING_AT_LEAST}
    assert frequent == {(str(r["grid"]), r["category"]) for r in planted.recurring}, again["spots"][:4]
    # Disputes: the planted pair leads, well ahead of any other.
    bounce = planted.bouncing
    assert bounce is not None
    answer = disputes(ReturnRecord.objects.all(), Arbitration.objects.all(), year)
    top, *rest = answer["pairs"]
    assert {top["a"]["id"], top["b"]["id"]} == {bounce["a"], bounce["b"]}
    assert top["a_to_b"] >= 12 and top["b_to_a"] >= 12 and top["arbitrations"] == bounce["arbitrations"]
    assert top["categories"][0]["code"] == bounce["category"]
    assert all(p["returns"] * 3 <= top["returns"] for p in rest)
    assert time.perf_counter() - started < 120  # bounded: a year of 1,100 cases and the analyses


def test_the_simulate_command_plants(loop, capsys) -> None:
    call_command(
        "simulate", "--plant", "--days", "60", "--per-day", "4", "--hotspots", "1", "--recurring", "1"
    )
    out = capsys.readouterr().out
    assert "hotspot: grid" in out and "recurring: grid" in out and "bouncing:" in out
    assert Closing.objects.exists() and DailyCount.objects.exists()
