"""Who may read a party's contact person and phone: staff of its street and of units above it.

Community staff see the party (it is in their community) but not how to reach its people.
"""

from __future__ import annotations

from typing import Any

from cityloop.core.models import User
from cityloop.core.permissions import jurisdiction_paths


class ContactPolicy:
    """Answers ``shows(party)`` for one user; their jurisdiction is read once."""

    def __init__(self, user: Any) -> None:
        self.everything = bool(getattr(user, "is_superuser", False))
        self.paths: list[str] = (
            jurisdiction_paths(user) if isinstance(user, User) and user.is_authenticated else []
        )
        self._streets: dict[int, bool] = {}

    def shows(self, party: Any) -> bool:
        """Whether the party's contact is shown (its ``street`` must be loaded or loadable)."""
        if self.everything:
            return True
        if party.street_id not in self._streets:
            path = party.street.path
            self._streets[party.street_id] = any(path.startswith(p) for p in self.paths)
        return self._streets[party.street_id]
