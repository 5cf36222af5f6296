"""A user's active memberships, as one request sees them.

Read from the database once per user instance and kept on that instance, as Django keeps a user's
permissions (``_perm_cache``): every request builds its user afresh, so a role granted or ended
takes effect on the next request, in every process. Code that keeps a user instance for longer (the
simulator, a long CLI run) and must see a change made meanwhile calls :func:`forget` or asks with
``fresh=True``.
"""

from __future__ import annotations

from django.utils import timezone

from .models import Membership, User

_KEPT = "_cityloop_memberships"


def active_memberships(user: User, *, fresh: bool = False) -> list[Membership]:
    """The user's memberships valid today, with their units (read once per user instance unless
    ``fresh``)."""
    today = timezone.localdate()
    kept = user.__dict__.get(_KEPT)
    if not fresh and kept is not None and kept[0] == today:
        return list(kept[1])
    found = list(
        Membership.objects.active(today).filter(user_id=user.pk).select_related("unit").order_by("id")
    )
    user.__dict__[_KEPT] = (today, found)
    return list(found)


def forget(user: User) -> None:
    """Drop what ``user``'s instance remembers of its memberships (after granting or ending one)."""
    user.__dict__.pop(_KEPT, None)
