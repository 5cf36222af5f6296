"""A demo district as lon/lat geometry with names and codes, from a seed. Pure: no database.

:func:`plan_city` draws the layout in metres (:mod:`cityloop.demo.layout`), nodes every grid edge so
that neighbours share exactly the same vertices (no T-junctions, hence no slivers once projected),
projects to WGS84 around a real-looking spot in eastern China, numbers everything in reading order
(west→east, then north→south) and names it. Same seed, same plan, byte for byte.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
import shapely.geometry

from cityloop.geo.projection import EqualArea

from . import names
from .districts import CITY_CODE as CITY_CODE
from .districts import YUNHU, DistrictSpec
from .layout import Layout, Point, Quad, draw_layout

# The first demo district's (云湖区) code, names and middle, as the rest of the demo long knew them.
DISTRICT_CODE, DISTRICT_NAME, DISTRICT_NAME_EN = YUNHU.code, YUNHU.name, YUNHU.name_en
ORIGIN = YUNHU.origin
NODING_GRID_M = 0.001  # vertices are snapped to a millimetre lattice while noding
DECIMALS = 9  # lon/lat decimals kept (about 0.1 mm)
ROW_TOLERANCE_M = {"street": 250.0, "community": 120.0, "grid": 40.0}


@dataclass(frozen=True)
class StreetPlan:
    """A street (街道): code = district code + 3 digits."""

    code: str
    name: str
    polygon: shapely.Polygon


@dataclass(frozen=True)
class CommunityPlan:
    """A community (社区): code = street code + 3 digits."""

    code: str
    name: str
    street_code: str
    polygon: shapely.Polygon


@dataclass(frozen=True)
class GridPlan:
    """A unit grid: code = community code + sequence, numbered in reading order in its community."""

    code: str
    seq: int
    name: str
    community_code: str
    polygon: shapely.Polygon
    area_m2: float


@dataclass(frozen=True)
class CityPlan:
    """Everything geometric about one demo district, in WGS84 lon/lat."""

    seed: int
    origin: tuple[float, float]
    polygon: shapely.Polygon
    streets: tuple[StreetPlan, ...]
    communities: tuple[CommunityPlan, ...]
    grids: tuple[GridPlan, ...]
    roads: tuple[tuple[str, str, shapely.LineString], ...]
    district_code: str = DISTRICT_CODE

    def grid_features(self, responsible: Mapping[str, str] | None = None) -> list[dict[str, Any]]:
        """The grids as GeoJSON features for :func:`cityloop.geo.actions.import_grids`;
        ``responsible`` maps a community code to the unit code responsible for its grids."""
        responsible = responsible or {}
        features = []
        for grid in self.grids:
            props: dict[str, Any] = {"code": grid.code, "name": grid.name, "community": grid.community_code}
            if grid.community_code in responsible:
                props["responsible_unit"] = responsible[grid.community_code]
            features.append(
                {"type": "Feature", "geometry": shapely.geometry.mapping(grid.polygon), "properties": props}
            )
        return features


def reading_order(xs: Sequence[float], ys: Sequence[float], tolerance: float) -> list[int]:
    """Indexes of the points in reading order: rows from north to south, each west to east.

    A row starts at the northernmost point not yet placed and takes every point lying less than
    ``tolerance`` metres south of it."""
    remaining = sorted(range(len(xs)), key=lambda i: (-ys[i], xs[i]))
    order: list[int] = []
    while remaining:
        top = ys[remaining[0]]
        row = [i for i in remaining if ys[i] > top - tolerance]
        order.extend(sorted(row, key=lambda i: (xs[i], -ys[i])))
        remaining = [i for i in remaining if ys[i] <= top - tolerance]
    return order


def _node(quads: list[Quad]) -> npt.NDArray[Any]:
    """The grids with every neighbour's vertex on their edges, in the order of ``quads``.

    Where a lane ends on a road, the grids across the road have no vertex there: a T-junction. It is
    exact in metres but not after projection. Snap-rounded noding of all edges and polygonizing gives
    faces whose shared edges carry the very same vertices, which projection keeps shared."""
    polys = np.array([shapely.Polygon(q) for q in quads], dtype=object)
    edges = shapely.union_all(shapely.boundary(polys), grid_size=NODING_GRID_M)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(edges)))
    face_idx, quad_idx = shapely.STRtree(polys).query(shapely.point_on_surface(faces), predicate="within")
    if len(faces) != len(quads) or len(set(quad_idx.tolist())) != len(quads) or len(face_idx) != len(quads):
        raise RuntimeError(f"noding the demo grids gave {len(faces)} faces for {len(quads)} grids")
    noded = np.empty(len(quads), dtype=object)
    noded[quad_idx] = faces[face_idx]
    return noded


def _lonlat(geoms: Any, projection: EqualArea) -> Any:
    projected = projection.unproject(geoms)
    return shapely.transform(projected, lambda coords: np.round(coords, DECIMALS))


def _centroid_xy(geoms: Sequence[Any]) -> tuple[list[float], list[float]]:
    centroids = shapely.centroid(np.array(geoms, dtype=object))
    return shapely.get_x(centroids).tolist(), shapely.get_y(centroids).tolist()


def _roads(rng: random.Random, layout: Layout, pools: names.NamePools) -> list[tuple[str, str, list[Point]]]:
    """Arterials (one name per lattice line), secondary roads (one per cut of a super-block) and lanes
    (one stem per block: 桂花一巷, 桂花二巷 …), as lines in metres."""
    roads: list[tuple[str, str, list[Point]]] = []
    arterials = layout.arterials_ns + layout.arterials_ew
    for name, line in zip(names.pick(rng, pools.arterial_roads, len(arterials)), arterials, strict=True):
        roads.append((name, "arterial", line))
    secondary = [seg for sb in layout.superblocks for seg in sb.secondary]
    for name, seg in zip(names.pick(rng, pools.secondary_roads, len(secondary)), secondary, strict=True):
        roads.append((name, "secondary", list(seg)))
    laned = [b for b in layout.blocks() if b.lanes]
    for stem, block in zip(names.pick(rng, pools.lane_stems, len(laned)), laned, strict=True):
        suffix = rng.choice("巷巷巷弄")
        # Lanes are numbered from the north, like the grids.
        for n, seg in enumerate(reversed(block.lanes), start=1):
            roads.append((names.lane_name(stem, n, len(block.lanes), suffix), "lane", list(seg)))
    return roads


@dataclass
class _Drawn:
    """The layout's grids after noding: metric and lon/lat polygons, with their community."""

    metric: npt.NDArray[Any]
    lonlat: npt.NDArray[Any]
    areas: npt.NDArray[np.float64]  # m²
    members: list[list[int]]  # grid positions of each community of the layout


def _grids(
    drawn: _Drawn, k: int, code: str, stem: str, seq_width: int, xy: tuple[list[float], list[float]]
) -> list[GridPlan]:
    """The grids of layout community ``k`` (now coded ``code``), numbered in reading order."""
    members = drawn.members[k]
    if len(members) >= 10**seq_width:
        raise ValueError(f"community {code} has {len(members)} grids, too many for {seq_width} digits")
    gx, gy = xy
    order = reading_order([gx[i] for i in members], [gy[i] for i in members], ROW_TOLERANCE_M["grid"])
    return [
        GridPlan(
            code=f"{code}{seq:0{seq_width}d}",
            seq=seq,
            name=f"{stem}{seq:02d}号网格",
            community_code=code,
            polygon=drawn.lonlat[members[pos]],
            area_m2=float(drawn.areas[members[pos]]),
        )
        for seq, pos in enumerate(order, start=1)
    ]


def plan_city(seed: int, *, seq_width: int = 3, district: DistrictSpec = YUNHU) -> CityPlan:
    """The demo district ``district`` (by default 云湖区) for ``seed``; grid sequences are
    ``seq_width`` digits (2 or 3). Each district draws from a generator of its own."""
    if seq_width not in (2, 3):
        raise ValueError(f"the grid sequence is 2 or 3 digits wide, not {seq_width}")
    # The first district draws from the seed itself, as it always did: a seed gives the same 云湖区.
    rng = random.Random(f"{seed}:{district.key}") if district.key else random.Random(seed)
    layout = draw_layout(rng, district.shape)
    blocks = layout.blocks()
    community_of_block = {id(b): k for k, group in enumerate(layout.communities) for b in group}
    grid_community = [community_of_block[id(b)] for b in blocks for _ in b.grids]
    metric = _node([q for b in blocks for q in b.grids])
    drawn = _Drawn(
        metric=metric,
        lonlat=_lonlat(metric, EqualArea(*district.origin)),
        areas=shapely.area(metric),
        members=[[i for i, c in enumerate(grid_community) if c == k] for k in range(len(layout.communities))],
    )
    grid_xy = _centroid_xy(list(metric))

    # Streets and communities are numbered by where their centroids lie, in metres.
    street_of_superblock = {sb: s for s, sbs in enumerate(layout.streets) for sb in sbs}
    community_street = [street_of_superblock[group[0].superblock] for group in layout.communities]
    community_metric = [shapely.coverage_union_all(metric[m]) for m in drawn.members]
    cx, cy = _centroid_xy(community_metric)
    street_members = [
        [k for k, s in enumerate(community_street) if s == st] for st in range(len(layout.streets))
    ]
    sx, sy = _centroid_xy([shapely.union_all([community_metric[k] for k in m]) for m in street_members])

    street_names = names.pick(rng, district.pools.streets, len(layout.streets))
    community_names = names.pick(rng, district.pools.communities, len(layout.communities))
    streets: list[StreetPlan] = []
    communities: list[CommunityPlan] = []
    grids: list[GridPlan] = []
    for s_no, st in enumerate(reading_order(sx, sy, ROW_TOLERANCE_M["street"]), start=1):
        street_code = f"{district.code}{s_no:03d}"
        ks = street_members[st]
        order = reading_order([cx[k] for k in ks], [cy[k] for k in ks], ROW_TOLERANCE_M["community"])
        first = len(communities)
        for c_no, pos in enumerate(order, start=1):
            k = ks[pos]
            code = f"{street_code}{c_no:03d}"
            # The exact union of the community's lon/lat grids, so that shared edges stay shared.
            polygon = shapely.coverage_union_all(drawn.lonlat[drawn.members[k]])
            communities.append(CommunityPlan(code, f"{community_names[k]}社区", street_code, polygon))
            grids.extend(_grids(drawn, k, code, community_names[k], seq_width, grid_xy))
        parts = np.array([c.polygon for c in communities[first:]], dtype=object)
        streets.append(StreetPlan(street_code, street_names[st], shapely.coverage_union_all(parts)))

    projection = EqualArea(*district.origin)
    roads = tuple(
        (name, kind, _lonlat(shapely.LineString(line), projection))
        for name, kind, line in _roads(rng, layout, district.pools)
    )
    return CityPlan(
        seed=seed,
        origin=district.origin,
        polygon=shapely.coverage_union_all(np.array([s.polygon for s in streets], dtype=object)),
        streets=tuple(streets),
        communities=tuple(communities),
        grids=tuple(grids),
        roads=roads,
        district_code=district.code,
    )
