"""Webhook signatures by the Standard Webhooks scheme (https://www.standardwebhooks.com).

Each delivery carries ``webhook-id`` (the same on every retry of one delivery, for receivers to
dedupe on), ``webhook-timestamp`` (Unix seconds of this attempt) and ``webhook-signature``:
``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``, one per live secret, space-separated, so a
receiver keeps working while a secret is rotated. A receiver refuses a timestamp more than
``TOLERANCE`` away from its clock, so a captured delivery cannot be replayed later. The HMAC is the
``standardwebhooks`` package's; the secret handling and the clock are ours, so tests can pass one.
"""

from __future__ import annotations

import base64
import datetime as dt
import hmac
import secrets
from collections.abc import Iterable, Mapping

from standardwebhooks import Webhook, WebhookVerificationError

__all__ = ["TOLERANCE", "WebhookVerificationError", "new_secret", "sign_headers", "signature", "verify"]

SECRET_PREFIX = "whsec_"
TOLERANCE = dt.timedelta(minutes=5)


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` and 32 random bytes in base64 (the scheme's format)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _webhook(secret: str) -> Webhook:
    # A secret in the scheme's format is base64; an older free-text secret signs as its UTF-8 bytes.
    return Webhook(secret if secret.startswith(SECRET_PREFIX) else secret.encode())


def signature(secret: str, msg_id: str, at: dt.datetime, body: bytes) -> str:
    """``v1,<base64 HMAC-SHA256>`` of ``{msg_id}.{unix seconds of at}.{body}`` with ``secret``."""
    return _webhook(secret).sign(msg_id=msg_id, timestamp=at, data=body)


def sign_headers(live_secrets: Iterable[str], msg_id: str, at: dt.datetime, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt, signed with every live secret."""
    signatures = [signature(s, msg_id, at, body) for s in live_secrets if s]
    if not signatures:
        raise ValueError("a webhook needs a signing secret")
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": " ".join(signatures),
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: dt.datetime | None = None,
    tolerance: dt.timedelta = TOLERANCE,
) -> None:
    """For receivers: raise :class:`WebhookVerificationError` unless ``body`` was signed with
    ``secret`` under these headers at a time within ``tolerance`` of ``now``."""
    lowered = {k.lower(): v for k, v in headers.items()}
    msg_id = lowered.get("webhook-id", "")
    stamp = lowered.get("webhook-timestamp", "")
    offered = lowered.get("webhook-signature", "")
    if not (msg_id and stamp and offered):
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
    try:
        at = dt.datetime.fromtimestamp(int(stamp), tz=dt.UTC)
    except (ValueError, OverflowError, OSError):
        raise WebhookVerificationError("webhook-timestamp is not Unix seconds") from None
    now = now or dt.datetime.now(tz=dt.UTC)
    if abs(now - at) > tolerance:
        raise WebhookVerificationError("webhook-timestamp is outside the tolerance: a replay?")
    expected = signature(secret, msg_id, at, body)
    if not any(hmac.compare_digest(expected, sig) for sig in offered.split(" ")):
        raise WebhookVerificationError("no matching signature")
