"""Bearer tokens: the user a raw token stands for, kept for a few seconds per process.

Every API request presents its token, and reading the token with its user costs a round trip and
two model instances. A busy integration (the 12345 platform pushing its tickets, a video patrol
posting what it saw) presents the same token many times a second, so the answer is kept per
process by the token's hash, as memberships are (:mod:`cityloop.core.memberships`): a token revoked
or a user deactivated in this process is refused at once (the save drops every kept answer), in
another process within ``TTL_SECONDS``.

Only valid tokens are kept, and at most ``MAX_KEPT`` of them, so a flood of made-up tokens reads
the database each time but cannot fill the memory. Each request gets a User instance of its own,
built from the kept row: nothing one request sets on it reaches another.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from dataclasses import dataclass
from typing import Any

from django.db import router, transaction
from django.utils import timezone

from . import fastsql
from .memo import BriefCache
from .models import ApiToken, User

TOKEN_PREFIX = "cl_"
TTL_SECONDS = 5.0
MAX_KEPT = 10_000
# ``last_used_at`` is bookkeeping: written at most this often per token.
LAST_USED_EVERY = dt.timedelta(minutes=1)


@dataclass(slots=True)
class _Kept:
    token_id: int
    user_values: tuple[Any, ...]  # the user's row, in the order of its concrete fields
    last_used_at: dt.datetime | None


TOKENS: BriefCache[_Kept] = BriefCache("api tokens", ttl=TTL_SECONDS, max_entries=MAX_KEPT)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def forget(**kwargs: Any) -> None:
    """Signal receiver: a token or a user changed in this process, so every kept answer is stale.
    Forgotten now and again on commit, in case another thread read the old row meanwhile."""
    TOKENS.clear()
    transaction.on_commit(TOKENS.clear)


@functools.cache
def _user_columns() -> tuple[str, ...]:
    return tuple(f.attname for f in User._meta.concrete_fields)


def _read(key_hash: str) -> _Kept | None:
    # One prepared statement for the token and its user, not the ORM.
    found = fastsql.fetch_related(ApiToken, "user", key_hash=key_hash)
    token = next((t for t in found if t.revoked_at is None), None)
    if token is None or not token.user.is_active:
        return None
    user = token.user
    return _Kept(token.pk, tuple(getattr(user, name) for name in _user_columns()), token.last_used_at)


def user_for_token(raw: str) -> User | None:
    """The active user a raw bearer token belongs to, or None. Not an action: it only reads
    (``last_used_at`` is bookkeeping, refreshed at most once a minute)."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    key_hash = hash_token(raw)
    kept = TOKENS.peek(key_hash)
    if kept is None:
        kept = _read(key_hash)
        if kept is None:
            return None
        TOKENS.put(key_hash, kept)
    now = timezone.now()
    if kept.last_used_at is None or now - kept.last_used_at > LAST_USED_EVERY:
        kept.last_used_at = now
        ApiToken.objects.filter(pk=kept.token_id).update(last_used_at=now)
    return User.from_db(router.db_for_read(User), list(_user_columns()), list(kept.user_values))
