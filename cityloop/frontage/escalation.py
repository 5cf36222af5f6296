"""The way up from a rectification notice to the case loop.

Cases sit above frontage (ARCHITECTURE: imports point downward), so frontage cannot report a case
itself: the layer above registers the function that does (``cityloop.cases.frontage_intake``) and a
re-inspection calls it, inside its own transaction, through :func:`escalate`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from cityloop.core.models import User

    from .inspection_models import Notice


class Escalated(NamedTuple):
    """The case a notice became: its id and number."""

    case_id: int
    case_number: str


Escalator = Callable[["Notice", "User", dt.datetime], Escalated]
_escalator: list[Escalator] = []


def register(escalator: Escalator) -> None:
    """Set the function that turns an overdue, unrectified notice into a case (one per process)."""
    _escalator[:] = [escalator]


def escalate(notice: Notice, actor: User, at: dt.datetime) -> Escalated:
    """Report the notice's problem as a case through the registered escalator."""
    if not _escalator:
        raise ImproperlyConfigured("no frontage escalator registered (cityloop.cases must be installed)")
    return _escalator[0](notice, actor, at)
