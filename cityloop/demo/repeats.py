"""What the simulated citizens say, and the problems they report twice.

The words come from the triage corpus (:func:`cityloop.triage.corpus.describe`: descriptions of
every catalog subclass in the words citizens use), so the demo's cases read like real ones and a
city's own training (``cityloop triage train --from-cases``) has something to learn. Addresses are
given in the forms people say them (the community, the street and community, "… 门口"). A share of
reports tell of a problem already reported and still open, a few metres away, in other words: the
operator merges them (合并), as the likely duplicates offer them.

Both have random generators of their own: the rest of the simulation draws the same numbers for a
seed whatever is said.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import deque
from dataclasses import dataclass
from typing import Any

from cityloop.cases.models import Case
from cityloop.cases.workflow import OPEN_STATES
from cityloop.triage.corpus import describe

# A report repeats an open case reported in the last two days this often (when there is one).
REPEAT_SHARE = 0.08
REPEAT_WITHIN = dt.timedelta(days=2)
# About ten metres around the first report's point, in degrees.
REPEAT_SPREAD = 1e-4


class Words:
    """Descriptions and addresses as citizens give them."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed * 7919 + 23)

    def description(self, kind: str, code: str | None, loc: Any) -> str:
        if code:
            try:
                return describe(kind, code, self.rng)
            except KeyError:  # a local subclass the corpus does not know
                pass
        return f"{loc.community_name}附近发现问题"

    def address(self, loc: Any) -> str:
        forms = (
            f"{loc.street_name}{loc.community_name}",
            f"{loc.community_name}",
            f"{loc.community_name}门口",
            f"{loc.street_name}{loc.community_name}附近",
        )
        return self.rng.choice(forms)


@dataclass(frozen=True)
class Reported:
    """A simulated case that may be reported again."""

    case_id: int
    number: str
    at: dt.datetime
    lon: float
    lat: float
    category: str
    kind: str
    component: str | None
    district_code: str


class Repeats:
    """The recent reports, and which of them the next report repeats."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed * 31 + 7)
        self.recent: deque[Reported] = deque(maxlen=300)

    def remember(self, reported: Reported) -> None:
        self.recent.append(reported)

    def pick(self, at: dt.datetime, district_code: str) -> Reported | None:
        """A recent report in the district that the next one repeats, now and then."""
        if self.rng.random() >= REPEAT_SHARE:
            return None
        earlier = [
            r
            for r in self.recent
            if r.district_code == district_code and dt.timedelta(0) < at - r.at <= REPEAT_WITHIN
        ]
        # Only a case still open can be joined: the simulator works each case as far as "now"
        # when it is reported, so the earlier days' cases are closed by now and these are today's.
        still_open = set(
            Case.objects.filter(pk__in=[r.case_id for r in earlier], state__in=OPEN_STATES).values_list(
                "pk", flat=True
            )
        )
        earlier = [r for r in earlier if r.case_id in still_open]
        return self.rng.choice(earlier) if earlier else None

    def near(self, first: Reported) -> tuple[float, float]:
        return (
            first.lon + self.rng.uniform(-REPEAT_SPREAD, REPEAT_SPREAD),
            first.lat + self.rng.uniform(-REPEAT_SPREAD, REPEAT_SPREAD),
        )
