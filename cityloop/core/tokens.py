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
# Characters of a token stored in clear (``ApiToken.prefix``), to recognise it by.
STORED_PREFIX_LENGTH = 10
# ``last_used_at`` is bookkeeping: written at most this often per token.
LAST_USED_EVERY = dt.timedelta(minutes=1)
# Length of a raw token: the marker and 32 random bytes in URL-safe base64.
FULL_LENGTH = len(TOKEN_PREFIX) + 43


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


def active_tokens_matching(given: str) -> list[ApiToken]:
    """The live tokens ``given`` may name: the whole token, or any prefix of it.

    Only the first ``STORED_PREFIX_LENGTH`` characters are kept in clear, so a longer string is
    matched on those; when it is the whole token, its hash decides, so a mistyped token names none.
    """
    given = given.strip()
    if not given:
        return []
    live = ApiToken.objects.select_related("user").filter(revoked_at__isnull=True)
    live = live.order_by("created_at", "pk")
    if len(given) <= STORED_PREFIX_LENGTH:
        return list(live.filter(prefix__startswith=given))
    exact = list(live.filter(key_hash=hash_token(given)))
    if exact:
        return exact
    if len(given) >= FULL_LENGTH:
        return []  # a whole token that is not one (mistyped, or already revoked)
    return list(live.filter(prefix=given[:STORED_PREFIX_LENGTH]))
