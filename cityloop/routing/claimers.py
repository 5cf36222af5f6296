"""The extension point for providers that may claim a case before the territory does.

Frontage zones (门前三包: the shop holding the zone is told first) and community service stations
(三长一站: small matters stay in the community) will plug in here. A claimer looks at the facts and
either returns a :class:`Claim` or None. Claimers are consulted, in registration order, at the
moment a decision would go to the territory (a territorial rule or the territorial principle); rules
that name a line department, an owner or a unit outrank them. The first claim wins.

A provider registers itself in its app's ``ready()``::

    from cityloop.routing.claimers import register_claimer
    register_claimer("frontage", frontage_claim)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .facts import Facts


@dataclass(frozen=True)
class Claim:
    """A provider's claim: the unit that should handle the case first, and why (for the dispatcher)."""

    unit_id: int
    reason: str
    reason_en: str
    confidence: float = 0.8
    auto_dispatch: bool = False


Claimer = Callable[[Facts], "Claim | None"]

_CLAIMERS: dict[str, Claimer] = {}


def register_claimer(name: str, claimer: Claimer) -> None:
    """Add (or replace) the claimer called ``name``."""
    _CLAIMERS[name] = claimer


def unregister_claimer(name: str) -> None:
    _CLAIMERS.pop(name, None)


def claimers() -> list[tuple[str, Claimer]]:
    """The registered claimers, in the order they are consulted."""
    return list(_CLAIMERS.items())
