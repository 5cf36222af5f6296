"""The way up from the community to the district's case loop, as a registry (community sits below
cases: it may not import them).

The cases layer registers a :class:`Bridge` (see ``cityloop.cases.community``). The community's
actions call it inside their own transaction, so a task is never marked escalated or solved without
the case having moved with it: if the case refuses, the whole action rolls back with its error."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from django.core.exceptions import ImproperlyConfigured

if TYPE_CHECKING:
    from cityloop.core.models import User

    from .models import Task
    from .photos import Photo


@dataclass(frozen=True)
class CaseRef:
    """A case as the community sees it: its id, number, state and what it says."""

    id: int
    number: str
    state: str
    description: str
    lon: float
    lat: float
    address: str
    category_code: str


class Bridge(Protocol):
    def escalate(self, task: Task, *, actor: User, summary: str, photos: list[Photo]) -> CaseRef:
        """Create a case from the task (or hand its own case back to the district); return it."""
        ...

    def solved(self, task: Task, *, actor: User, photos: list[Photo]) -> None:
        """The task that came from a case was solved: report the case disposed with the photos."""
        ...

    def incoming(self, station_unit_id: int, *, limit: int) -> list[CaseRef]:
        """Open cases dispatched to the station's unit that no task holds yet."""
        ...

    def case(self, case_id: int, station_unit_id: int) -> CaseRef | None:
        """The case if it is dispatched to the station's unit and still with it."""
        ...

    def progress(self, case_ids: list[int]) -> dict[int, str]:
        """Where the district has these cases now: each one's state, named for people (已结案…)."""
        ...


_BRIDGE: list[Bridge] = []


def register_bridge(bridge: Bridge) -> None:
    """Install the case-loop bridge (the cases app does, in its ``ready()``)."""
    _BRIDGE[:] = [bridge]


def bridge() -> Bridge:
    if not _BRIDGE:
        raise ImproperlyConfigured("no case bridge registered: is cityloop.cases installed?")
    return _BRIDGE[0]
