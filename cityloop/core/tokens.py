"""Bearer tokens: the user a raw token stands for.

Read from the database on every request, token and user in one query: nothing is kept between
requests, so a token revoked or a user deactivated is refused by every server process on its very
next request. (A per-process cache saved about 0.2 ms a request and made revocation eventually
consistent; access is not worth that trade.)
"""

from __future__ import annotations

import datetime as dt
import hashlib

from django.utils import timezone

from .models import ApiToken, User

TOKEN_PREFIX = "cl_"
# ``last_used_at`` is bookkeeping: written at most this often per token.
LAST_USED_EVERY = dt.timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def user_for_token(raw: str) -> User | None:
    """The active user a raw bearer token belongs to, or None."""
    token = token_for(raw)
    return token.user if token is not None else None


def token_for(raw: str) -> ApiToken | None:
    """The live token (with its active user) a raw bearer token is, or None. Not an action: it only
    reads (``last_used_at`` is bookkeeping, refreshed at most once a minute)."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    # key_hash is unique: at most one row, so no ORDER BY (``first()`` would add one).
    found = list(
        ApiToken.objects.select_related("user").filter(
            key_hash=hash_token(raw), revoked_at__isnull=True, user__is_active=True
        )[:1]
    )
    if not found:
        return None
    token = found[0]
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
