"""API keys of client applications: issued as random strings, stored as SHA-256 digests (as bearer
tokens are, ``cityloop.core.tokens``), read from the database on every request so a revoked key is
refused by every server process at once."""

from __future__ import annotations

import secrets

from cityloop.core.tokens import hash_token

from .models import ClientApplication

KEY_PREFIX = "o311_"
PREFIX_LENGTH = 12
MAX_KEY_LENGTH = 100


def new_key() -> str:
    """A fresh raw key: the marker and 32 random bytes in URL-safe base64."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def client_for_key(raw: str) -> ClientApplication | None:
    """The live client application whose key ``raw`` is, or None."""
    if not raw.startswith(KEY_PREFIX) or len(raw) > MAX_KEY_LENGTH:
        return None
    found = list(ClientApplication.objects.filter(key_hash=hash_token(raw), revoked_at__isnull=True)[:1])
    return found[0] if found else None
