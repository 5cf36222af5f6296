"""Places from Chinese addresses: text → a point, its grid and how sure we are, from the gazetteer.

The address is normalised (:mod:`cityloop.geo.normalize`), the gazetteer's names are found in it
(leftmost, longest first), and what they say is read in this order:

1. two roads joined as a crossing ("长江路与桂花一巷交叉口", "长江路桂花一巷路口") → where they meet;
2. a road and a door number ("长江路12号") → the surveyed door, or a point between the nearest surveyed
   numbers on the same side of the road (odd and even numbers face each other), less sure;
3. a point of interest (a school, a bus stop, an estate) → its point;
4. a community → a point in one of its grids;
5. a road alone → its middle, sure only for a short lane.

Below :data:`CONFIDENT` no point is given, only candidates: ranked partial matches for a person to
choose from. A guess is never presented as certain.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from . import index
from .gazetteer import M_PER_DEG, STEM, Entry, Gazetteer, Road, get_gazetteer, metres
from .normalize import crossing_word, door_number, is_joiner, normalize

CONFIDENT = 0.5
MAX_QUERY = 200
SHORT_ROAD_M = 250.0
NEAR_PENALTY = 0.05
SNAP_M = 30.0
ROAD_SUFFIX_CHARS = frozenset("路街巷弄道")  # "附近": the place is near the named one, not at it


@dataclass(frozen=True, slots=True)
class Found:
    """A gazetteer name found in the normalised text, at ``start:end``."""

    start: int
    end: int
    text: str
    entries: tuple[Entry, ...]

    def of_kind(self, kind: str) -> list[Entry]:
        return [e for e in self.entries if e.kind == kind]


@dataclass
class Candidate:
    """A place the address may mean, with how sure we are of it."""

    kind: str
    name: str
    lon: float
    lat: float
    score: float
    method: str
    grid: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "name": self.name,
            "lon": round(self.lon, 7),
            "lat": round(self.lat, 7),
            "score": round(self.score, 3),
            "method": self.method,
            "grid": self.grid,
        }


@dataclass
class Geocoded:
    """The answer: a point with its grid when sure enough, else only candidates."""

    query: str
    normalized: str
    confidence: float = 0.0
    method: str = ""
    lon: float | None = None
    lat: float | None = None
    location: index.Location | None = None
    matched: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)

    @property
    def confident(self) -> bool:
        return self.lon is not None

    def as_dict(self) -> dict[str, Any]:
        loc = self.location
        return {
            "query": self.query,
            "normalized": self.normalized,
            "lon": None if self.lon is None else round(self.lon, 7),
            "lat": None if self.lat is None else round(self.lat, 7),
            "grid": loc.grid_code if loc else None,
            "community": loc.community_name if loc else None,
            "street": loc.street_name if loc else None,
            "district": loc.district_name if loc else None,
            "confidence": round(self.confidence, 3),
            "method": self.method,
            "matched": self.matched,
            "notes": self.notes,
            "candidates": [c.as_dict() for c in self.candidates],
        }


def find_names(gaz: Gazetteer, text: str) -> list[Found]:
    """The gazetteer's names in ``text``, leftmost first and longest at each place, not overlapping."""
    found: list[Found] = []
    i = 0
    while i < len(text):
        for variant in gaz.by_first.get(text[i], ()):
            if text.startswith(variant, i):
                end = i + len(variant)
                found.append(Found(i, end, variant, tuple(gaz.names[variant])))
                i = end
                break
        else:
            i += 1
    return found


def door_point(road: Road, number: int, suffix: str) -> tuple[float, float, float, str] | None:
    """Where door ``number`` (``suffix``) of ``road`` is: (lon, lat, confidence, method), from the
    surveyed doors: the door itself, else between the nearest surveyed numbers on the same side."""
    numbers = road.numbers
    if not len(numbers):
        return None
    exact = np.flatnonzero(numbers == number)
    if len(exact):
        pick = next((int(i) for i in exact if road.suffixes[i] == suffix), int(exact[0]))
        sure = 0.95 if road.suffixes[pick] == suffix else 0.9
        lon, lat = road.points[pick]
        return float(lon), float(lat), sure, "door"
    same_side = numbers % 2 == number % 2
    pool = np.flatnonzero(same_side) if same_side.any() else np.arange(len(numbers))
    below = pool[numbers[pool] < number]
    above = pool[numbers[pool] > number]
    if len(below) and len(above):
        lo, hi = int(below[-1]), int(above[0])
        t = (number - numbers[lo]) / (numbers[hi] - numbers[lo])
        lon, lat = road.points[lo] + t * (road.points[hi] - road.points[lo])
        sure = 0.8 if numbers[hi] - numbers[lo] <= 40 else 0.65
        return float(lon), float(lat), sure, "interpolated"
    nearest = int(below[-1]) if len(below) else int(above[0])
    gap = abs(int(numbers[nearest]) - number)
    lon, lat = road.points[nearest]
    return float(lon), float(lat), 0.6 if gap <= 10 else 0.4, "nearest_door"


def _middle(road: Road) -> tuple[float, float]:
    geom = road.geom
    point = geom.interpolate(0.5, normalized=True) if geom.geom_type.endswith("LineString") else geom.centroid
    return float(point.x), float(point.y)


class _Reading:
    """The readings of one address, collected as candidates and ranked."""

    def __init__(self, gaz: Gazetteer, text: str, names: list[Found]) -> None:
        self.gaz, self.text, self.names = gaz, text, names
        self.candidates: list[Candidate] = []

    def add(self, kind: str, name: str, lon: float, lat: float, score: float, method: str) -> None:
        self.candidates.append(Candidate(kind, name, lon, lat, min(score, 1.0), method))

    def crossings(self) -> None:
        """Two roads one after the other, joined by 与/和 … or nothing, or followed by 路口 …"""
        roads = [f for f in self.names if f.of_kind("road")]
        for a, b in itertools.pairwise(roads):
            between = self.text[a.end : b.start]
            word = crossing_word(self.text[b.end :])
            joined = is_joiner(between)
            if not joined and word is None:
                continue
            best: tuple[float, str, str, float, float] | None = None
            for ea in a.of_kind("road"):
                for eb in b.of_kind("road"):
                    if ea.key == eb.key:
                        continue
                    meet = self.gaz.crossing(ea.key, eb.key)
                    if meet is None:
                        continue
                    lon, lat, gap = meet
                    sure = (0.92 if word or between else 0.85) * min(ea.weight, eb.weight) - gap / 600
                    if best is None or sure > best[0]:
                        best = (sure, ea.key, eb.key, lon, lat)
            if best is not None:
                sure, ka, kb, lon, lat = best
                self.add("crossing", f"{ka}/{kb}", lon, lat, sure, "crossing")

    def doors(self) -> None:
        for f in self.names:
            door = door_number(self.text[f.end :])
            if door is None:
                continue
            readings = []
            for entry in f.of_kind("road"):
                at = door_point(self.gaz.roads[entry.key], *door)
                if at is not None:
                    readings.append((entry, at))
            for entry, (lon, lat, sure, method) in readings:
                # A shortened name that fits several roads with numbers: none of them is sure.
                share = 1.0 if len(readings) == 1 else 0.6
                name = f"{entry.key}{door[0]}{door[1]}号"
                self.add("door", name, lon, lat, sure * entry.weight * share, method)

    def places(self) -> None:
        """Points of interest, communities and roads named alone."""
        for f in self.names:
            share = 1.0 if len(f.entries) == 1 else 0.6
            for entry in f.entries:
                if entry.kind == "poi":
                    spot = self.gaz.spots[entry.kind, entry.key]
                    self.add(spot.kind, spot.name, spot.lon, spot.lat, 0.9 * entry.weight * share, "poi")
                elif entry.kind == "community":
                    spot = self.gaz.spots[entry.kind, entry.key]
                    sure = 0.7 * entry.weight * share
                    if entry.weight == STEM and self.text[f.end : f.end + 1] in ROAD_SUFFIX_CHARS:
                        # "书院街" where only 书院社区 is known: a road the gazetteer lacks.
                        sure *= 0.5
                    self.add("community", spot.name, spot.lon, spot.lat, sure, "community")
                elif entry.kind == "road":
                    road = self.gaz.roads[entry.key]
                    lon, lat = _middle(road)
                    sure = 0.65 if 0 < road.length_m <= SHORT_ROAD_M else 0.3
                    self.add("road", road.name, lon, lat, sure * entry.weight * share, "road")

    def agree(self) -> None:
        """A point that lies in another community than the one the address names is less sure."""
        named = {e.key for f in self.names for e in f.of_kind("community")}
        if not named:
            return
        for c in self.candidates:
            if c.kind == "community":
                continue
            at = index.locate(c.lon, c.lat)
            if at is not None and at.community_name not in named:
                far = min(
                    metres(c.lon, c.lat, s.lon, s.lat)
                    for s in (self.gaz.spots.get(("community", n)) for n in named)
                    if s
                )
                if far > 300:
                    c.score *= 0.7

    def fuzzy(self, limit: int) -> None:
        """Names sharing the most two-character pieces with the text, for an address nothing matched."""
        text = self.text
        grams = {text[i : i + 2] for i in range(len(text) - 1)}
        hits: dict[str, int] = {}
        for gram in grams:
            for variant in self.gaz.bigrams.get(gram, ()):
                hits[variant] = hits.get(variant, 0) + 1
        scored = sorted(
            ((n / max(len(v) - 1, 1), v) for v, n in hits.items()), key=lambda item: (-item[0], -len(item[1]))
        )
        seen: set[tuple[str, str]] = set()
        for share, variant in scored:
            if share < 0.5 or len(seen) >= limit:
                break
            for entry in self.gaz.names[variant]:
                if (entry.kind, entry.key) in seen:
                    continue
                seen.add((entry.kind, entry.key))
                if entry.kind == "road":
                    lon, lat = _middle(self.gaz.roads[entry.key])
                    kind = "road"
                else:
                    spot = self.gaz.spots[entry.kind, entry.key]
                    lon, lat, kind = spot.lon, spot.lat, spot.kind
                # Never confident: a look-alike name is a suggestion, not a match.
                self.add(kind, entry.key, lon, lat, min(0.45, 0.45 * share), "similar_name")


def locate_near(grids: index.GridIndex, lon: float, lat: float) -> index.Location | None:
    """The grid of the point, or of the nearest grid within :data:`SNAP_M` metres: a crossing or a
    door on the city's edge (drawn a hair outside its outermost grid) still has a grid."""
    found = grids.locate(lon, lat)
    if found is not None or not len(grids):
        return found
    point = shapely.Point(lon, lat)
    day = index._day(None)
    near = grids.tree.query_nearest(point, max_distance=SNAP_M / M_PER_DEG, all_matches=True)
    for pos in sorted(int(p) for p in near):
        if grids.valid_from[pos] <= day < grids.valid_to[pos]:
            return grids.locations[pos]
    return None


def geocode(query: str, *, limit: int = 5, gazetteer: Gazetteer | None = None) -> Geocoded:
    """Where the address ``query`` is: a point with its grid when the confidence reaches
    :data:`CONFIDENT`, and up to ``limit`` ranked candidates either way."""
    gaz = gazetteer or get_gazetteer()
    norm = normalize(query[:MAX_QUERY], gaz.prefixes)
    answer = Geocoded(query=query, normalized=norm.text)
    names = find_names(gaz, norm.text)
    answer.matched = [{"text": f.text, "kind": e.kind, "name": e.key} for f in names for e in f.entries]
    reading = _Reading(gaz, norm.text, names)
    reading.crossings()
    reading.doors()
    reading.places()
    reading.agree()
    if not reading.candidates:
        reading.fuzzy(limit)
    if norm.near:
        answer.notes.append("near:" + "".join(norm.near))
        for c in reading.candidates:
            c.score = max(0.0, c.score - NEAR_PENALTY)
    ranked = sorted(reading.candidates, key=lambda c: -c.score)
    unique: list[Candidate] = []
    for c in ranked:
        if all((c.kind, c.name) != (u.kind, u.name) for u in unique):
            unique.append(c)
    grids = index.get_index()
    for c in unique[:limit]:
        at = locate_near(grids, c.lon, c.lat)
        c.grid = at.grid_code if at else None
    answer.candidates = unique[:limit]
    if unique:
        best = unique[0]
        answer.confidence, answer.method = best.score, best.method
        if best.score >= CONFIDENT:
            answer.lon, answer.lat = best.lon, best.lat
            answer.location = locate_near(grids, best.lon, best.lat)
    return answer
