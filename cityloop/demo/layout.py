"""The demo district drawn in metres on a local plane (x east, y north, origin at its middle). Pure.

The district is cut the way a real one is, from the big roads down:

* a lattice of straight **arterial roads** (slightly askew, never quite parallel) cuts it into 4 × 2
  *super-blocks*; each super-block, or two side by side, is a **street** (街道);
* straight **secondary roads** cut each super-block into 2–3 × 2–3 *blocks*; one block, or a few
  neighbouring ones, is a **community** (社区);
* **lanes** cut each block into east–west strips, and short walls or paths cut each strip into
  **unit grids** of about 10,000 m².

Every piece is the image of a rectangle of parameters under the bilinear map of its super-block's
four corners. Iso-parameter lines of a bilinear map are straight, so every road and grid edge is a
straight segment and the pieces of one level tile the piece above them exactly.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

Point = tuple[float, float]
Quad = tuple[Point, Point, Point, Point]  # south-west, south-east, north-east, north-west corners
Segment = tuple[Point, Point]

COLUMNS, ROWS = 4, 2  # super-blocks west→east, south→north (the first district's; see Shape)
COLUMN_WIDTH_M = (720.0, 900.0)
ROW_HEIGHT_M = (780.0, 960.0)
ARTERIAL_SKEW_M = 40.0  # how far each end of an arterial strays from the regular lattice
BLOCK_SPLITS = ((2, 3), (3, 2), (3, 3))  # blocks per super-block (columns, rows): never fewer than 6
SECONDARY_JITTER = 0.2  # of a block's share of its super-block
STRIP_HEIGHT_M = 105.0  # lanes run east–west about this far apart
GRID_TARGET_M2 = 10_000.0
GRID_AREA_M2 = (6_500.0, 15_500.0)  # a generated grid outside this is redrawn with less jitter
LANE_JITTER, CELL_JITTER = 0.16, 0.14  # of a strip's or a grid's share of its block or strip
COMMUNITIES = (34, 46)
STREETS = (6, 7, 8)
CORNER_CUT_CHANCE = 0.4  # a district corner block left out, so the outline is not a plain rectangle


@dataclass(frozen=True)
class Shape:
    """How big a district is drawn: its lattice of super-blocks and how many streets and communities
    they are grouped into. The default is the first demo district's."""

    columns: int = COLUMNS
    rows: int = ROWS
    streets: tuple[int, ...] = STREETS  # one of these street counts is drawn
    communities: tuple[int, int] = COMMUNITIES  # a community count in this range is drawn


DEFAULT_SHAPE = Shape()


@dataclass
class Block:
    """A block between secondary (or arterial) roads, cut by lanes into strips and then into grids."""

    superblock: int
    col: int
    row: int
    quad: Quad
    lanes: list[Segment] = field(default_factory=list)
    grids: list[Quad] = field(default_factory=list)

    @property
    def area(self) -> float:
        return quad_area(self.quad)


@dataclass
class SuperBlock:
    """A super-block between arterial roads, cut by secondary roads into blocks."""

    index: int
    col: int
    row: int
    quad: Quad
    secondary: list[Segment] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Layout:
    """The district in metres: arterials, super-blocks with their blocks and grids, and the grouping
    of super-blocks into streets and of blocks into communities."""

    arterials_ns: list[list[Point]]
    arterials_ew: list[list[Point]]
    superblocks: list[SuperBlock]
    streets: list[list[int]]  # super-block indexes of each street
    communities: list[list[Block]]  # blocks of each community (all in one super-block)

    def blocks(self) -> list[Block]:
        return [b for sb in self.superblocks for b in sb.blocks]


def bilinear(q: Quad, u: float, v: float) -> Point:
    """The point at parameters (u, v) ∈ [0, 1]² of the quad (u runs west→east, v south→north)."""
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = q
    a, b, c, d = (1 - u) * (1 - v), u * (1 - v), u * v, (1 - u) * v
    return (a * x0 + b * x1 + c * x2 + d * x3, a * y0 + b * y1 + c * y2 + d * y3)


def sub_quad(q: Quad, u0: float, u1: float, v0: float, v1: float) -> Quad:
    """The part of ``q`` over the parameter rectangle [u0, u1] × [v0, v1]."""
    return (bilinear(q, u0, v0), bilinear(q, u1, v0), bilinear(q, u1, v1), bilinear(q, u0, v1))


def quad_area(q: Quad) -> float:
    """Area of a simple quadrilateral (shoelace formula)."""
    s = 0.0
    for (xa, ya), (xb, yb) in zip(q, (*q[1:], q[0]), strict=True):
        s += xa * yb - xb * ya
    return abs(s) / 2


def quad_size(q: Quad) -> tuple[float, float]:
    """Mean width (west–east) and height (south–north) of a quad, in metres."""

    def dist(p: Point, r: Point) -> float:
        return float(((p[0] - r[0]) ** 2 + (p[1] - r[1]) ** 2) ** 0.5)

    sw, se, ne, nw = q
    return (dist(sw, se) + dist(nw, ne)) / 2, (dist(sw, nw) + dist(se, ne)) / 2


def cuts(rng: random.Random, parts: int, jitter: float) -> list[float]:
    """Parameters 0 = t₀ < t₁ < … < t_parts = 1 of ``parts`` nearly equal pieces; each inner cut
    strays by up to ``jitter`` of a piece."""
    inner = [(k + rng.uniform(-jitter, jitter)) / parts for k in range(1, parts)]
    return [0.0, *inner, 1.0]


def _intersect(a: Segment, b: Segment) -> Point:
    """Where the (infinite) lines through segments ``a`` and ``b`` cross."""
    (x1, y1), (x2, y2) = a
    (x3, y3), (x4, y4) = b
    den = (x1 - x2) * (y3 - y4) - (y1 - y2) * (x3 - x4)
    t = ((x1 - x3) * (y3 - y4) - (y1 - y3) * (x3 - x4)) / den
    return (x1 + t * (x2 - x1), y1 + t * (y2 - y1))


def _lattice(rng: random.Random, shape: Shape) -> list[list[Point]]:
    """Corner points ``C[i][j]`` where north–south arterial i meets east–west arterial j."""
    columns, rows = shape.columns, shape.rows
    widths = [rng.uniform(*COLUMN_WIDTH_M) for _ in range(columns)]
    heights = [rng.uniform(*ROW_HEIGHT_M) for _ in range(rows)]
    xs = [-sum(widths) / 2 + sum(widths[:i]) for i in range(columns + 1)]
    ys = [-sum(heights) / 2 + sum(heights[:j]) for j in range(rows + 1)]

    def skew() -> float:
        return rng.uniform(-ARTERIAL_SKEW_M, ARTERIAL_SKEW_M)

    ns = [((x + skew(), ys[0]), (x + skew(), ys[-1])) for x in xs]
    ew = [((xs[0], y + skew()), (xs[-1], y + skew())) for y in ys]
    return [[_intersect(ns[i], ew[j]) for j in range(rows + 1)] for i in range(columns + 1)]


def _grids_of_strip(rng: random.Random, strip: Quad, jitter: float) -> list[Quad]:
    count = max(1, round(quad_area(strip) / GRID_TARGET_M2))
    us = cuts(rng, count, jitter)
    return [sub_quad(strip, us[k], us[k + 1], 0.0, 1.0) for k in range(count)]


def _fill_block(rng: random.Random, block: Block) -> None:
    """Cut a block into lane strips and the strips into grids, within the grid area range.

    A draw that leaves a grid too small or too large is redrawn with half the jitter (the last try
    has none); rounding the number of grids per strip keeps even that one near the target."""
    _, height = quad_size(block.quad)
    strips = max(1, round(height / STRIP_HEIGHT_M))
    for scale in (1.0, 0.5, 0.25, 0.0):
        vs = cuts(rng, strips, LANE_JITTER * scale)
        grids: list[Quad] = []
        # Strips run north→south so that the generator's order is close to the reading order.
        for k in reversed(range(strips)):
            strip = sub_quad(block.quad, 0.0, 1.0, vs[k], vs[k + 1])
            grids.extend(_grids_of_strip(rng, strip, CELL_JITTER * scale))
        low, high = GRID_AREA_M2
        if all(low <= quad_area(g) <= high for g in grids) or scale == 0.0:
            break
    block.grids = grids
    block.lanes = [(bilinear(block.quad, 0.0, v), bilinear(block.quad, 1.0, v)) for v in vs[1:-1]]


def _superblock(rng: random.Random, index: int, col: int, row: int, quad: Quad) -> SuperBlock:
    sb = SuperBlock(index, col, row, quad)
    cols, rows = rng.choice(BLOCK_SPLITS)
    us, vs = cuts(rng, cols, SECONDARY_JITTER), cuts(rng, rows, SECONDARY_JITTER)
    sb.secondary = [(bilinear(quad, u, 0.0), bilinear(quad, u, 1.0)) for u in us[1:-1]]
    sb.secondary += [(bilinear(quad, 0.0, v), bilinear(quad, 1.0, v)) for v in vs[1:-1]]
    for r in range(rows):
        for c in range(cols):
            block = Block(index, c, r, sub_quad(quad, us[c], us[c + 1], vs[r], vs[r + 1]))
            _fill_block(rng, block)
            sb.blocks.append(block)
    return sb


def _group_streets(rng: random.Random, superblocks: list[SuperBlock], shape: Shape) -> list[list[int]]:
    """Each super-block is a street, except that a few pairs of east–west neighbours share one."""
    merges = len(superblocks) - rng.choice(shape.streets)
    pairs = [
        (a.index, b.index) for a in superblocks for b in superblocks if b.row == a.row and b.col == a.col + 1
    ]
    rng.shuffle(pairs)
    partner: dict[int, int] = {}
    for a, b in pairs:
        if len(partner) // 2 == merges:
            break
        if a not in partner and b not in partner:
            partner[a], partner[b] = b, a
    groups: list[list[int]] = []
    for sb in superblocks:
        if sb.index in partner and partner[sb.index] < sb.index:
            continue
        groups.append(sorted({sb.index, partner.get(sb.index, sb.index)}))
    return groups


def _adjacent(a: list[Block], b: list[Block]) -> bool:
    return any(
        x.superblock == y.superblock and abs(x.col - y.col) + abs(x.row - y.row) == 1 for x in a for y in b
    )


def _group_communities(rng: random.Random, superblocks: list[SuperBlock], shape: Shape) -> list[list[Block]]:
    """Merge neighbouring blocks of a super-block, smallest first, until the district has its count
    of communities; the smallest merges are drawn among the three smallest to vary the shapes."""
    groups: list[list[Block]] = [[b] for sb in superblocks for b in sb.blocks]
    target = rng.randint(*shape.communities)
    while len(groups) > target:
        candidates = sorted(
            (sum(b.area for b in groups[i] + groups[j]), i, j)
            for i in range(len(groups))
            for j in range(i + 1, len(groups))
            if _adjacent(groups[i], groups[j])
        )
        _, i, j = rng.choice(candidates[:3])
        groups[i] = groups[i] + groups[j]
        del groups[j]
    return groups


def _cut_corners(rng: random.Random, superblocks: list[SuperBlock], shape: Shape) -> None:
    """Leave out some of the blocks at the district's four corners (a park, the next district)."""
    for sb in superblocks:
        if sb.col not in (0, shape.columns - 1) or sb.row not in (0, shape.rows - 1):
            continue
        corner_col = 0 if sb.col == 0 else max(b.col for b in sb.blocks)
        corner_row = 0 if sb.row == 0 else max(b.row for b in sb.blocks)
        if rng.random() < CORNER_CUT_CHANCE:
            sb.blocks = [b for b in sb.blocks if (b.col, b.row) != (corner_col, corner_row)]


def draw_layout(rng: random.Random, shape: Shape = DEFAULT_SHAPE) -> Layout:
    """Draw the whole district from ``rng`` in ``shape``: same generator state, same district."""
    corners = _lattice(rng, shape)
    superblocks: list[SuperBlock] = []
    for row in range(shape.rows):
        for col in range(shape.columns):
            quad: Quad = (
                corners[col][row],
                corners[col + 1][row],
                corners[col + 1][row + 1],
                corners[col][row + 1],
            )
            superblocks.append(_superblock(rng, len(superblocks), col, row, quad))
    _cut_corners(rng, superblocks, shape)
    return Layout(
        arterials_ns=[list(corners[i]) for i in range(shape.columns + 1)],
        arterials_ew=[[corners[i][j] for i in range(shape.columns + 1)] for j in range(shape.rows + 1)],
        superblocks=superblocks,
        streets=_group_streets(rng, superblocks, shape),
        communities=_group_communities(rng, superblocks, shape),
    )
