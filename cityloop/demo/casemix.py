"""What a simulated month is made of: the channels reports come in by, the problems people report
most, how often each side flow happens, the simulator's report, and the photos units send back."""

from __future__ import annotations

import io
import random
from collections import Counter
from dataclasses import dataclass, field

from PIL import Image

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
    ("0509", 1.5),  # illegal taxis: the city's traffic police, commanded by the city centre
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
    referred_up: float = 0.01  # the district refers an accepted case to the city centre (上报市级)
    merged: float = 0.7  # a repeated report is merged into the open case (the rest go on alone)


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
