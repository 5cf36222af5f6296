"""The extension point for providers that may claim a case before the territory does.

Frontage zones (门前三包: the shop holding the zone is told first) and community service stations
(三长一站: small matters stay in the community) plug in here. A claimer looks at the facts and
either returns a :class:`Claim` or None. Claimers are consulted, in registration order, at the
moment a decision would go to the territory (a territorial rule or the territorial principle); rules
that name a line department, an owner or a unit outrank them. The first claim wins.

A claim names a unit (the one answerable to the command centre) and may name a **holder** who is
not a unit and is asked first: a frontage party gets a short window to put the problem right itself
before the unit deals with it. When the case loop dispatches a case on such a claim, it calls the
claimer's ``on_dispatched`` hook inside the dispatch's transaction (:func:`dispatched_on_claim`), so
the provider opens the holder's window in the same transaction; the provider never imports the loop.

A provider registers itself in its app's ``ready()``::

    from cityloop.routing.claimers import register_claimer
    register_claimer("frontage", frontage_claim, on_dispatched=open_self_correction)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .facts import Facts


@dataclass(frozen=True)
class Claim:
    """A provider's claim: the unit that should handle the case first, and why (for the dispatcher).

    ``holder`` (JSON) names someone who is not a unit and is asked before the unit (a frontage party
    with its zone and duty): routing only carries it to the decision and back to the provider."""

    unit_id: int
    reason: str
    reason_en: str
    confidence: float = 0.8
    auto_dispatch: bool = False
    holder: Mapping[str, Any] | None = None


@dataclass(frozen=True)
class ClaimedCase:
    """What the case loop tells a provider when it dispatches a case on the provider's claim."""

    claimer: str
    holder: Mapping[str, Any]
    case_id: int
    number: str
    unit_id: int
    district_id: int
    kind: str
    category_code: str
    category_name: str
    description: str
    address: str
    lon: float
    lat: float
    at: dt.datetime
    actor: Any  # the user who dispatched (the system for an automatic dispatch)
    extra: dict[str, Any] = field(default_factory=dict)


Claimer = Callable[[Facts], "Claim | None"]
Follower = Callable[[ClaimedCase], "dict[str, Any] | None"]

_CLAIMERS: dict[str, Claimer] = {}
_FOLLOWERS: dict[str, Follower] = {}


def register_claimer(name: str, claimer: Claimer, *, on_dispatched: Follower | None = None) -> None:
    """Add (or replace) the claimer called ``name``, with the hook called when a case is dispatched
    on one of its claims that names a holder (it may return JSON for the timeline)."""
    _CLAIMERS[name] = claimer
    if on_dispatched is not None:
        _FOLLOWERS[name] = on_dispatched
    else:
        _FOLLOWERS.pop(name, None)


def unregister_claimer(name: str) -> None:
    _CLAIMERS.pop(name, None)
    _FOLLOWERS.pop(name, None)


def claimers() -> list[tuple[str, Claimer]]:
    """The registered claimers, in the order they are consulted."""
    return list(_CLAIMERS.items())


def dispatched_on_claim(claimed: ClaimedCase) -> dict[str, Any] | None:
    """Tell the claimer that the case went out on its claim (inside the dispatch's transaction: if
    the hook raises, the dispatch rolls back). None when the claimer is gone or has no hook."""
    follower = _FOLLOWERS.get(claimed.claimer)
    return follower(claimed) if follower is not None else None
