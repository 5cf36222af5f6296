"""What proves a citizen is the one who reported a case, on the public tracking page: the last four
digits of the phone number given with the report, or the signed link on the report's receipt."""

from __future__ import annotations

import hmac

from django.core import signing

from .models import Case

_SALT = "cityloop.cases.receipt"


def receipt_key(case: Case) -> str:
    """The key of the case's receipt link: only whoever saw the receipt has it."""
    return signing.Signer(salt=_SALT).sign(case.tracking_code).rpartition(":")[2]


def receipt_key_matches(case: Case, key: str) -> bool:
    try:
        signing.Signer(salt=_SALT).unsign(f"{case.tracking_code}:{key}")
    except signing.BadSignature:
        return False
    return True


def phone_tail(phone: str) -> str:
    """The last four digits of a phone number ("" when it has fewer)."""
    digits = "".join(c for c in phone if c.isdigit())
    return digits[-4:] if len(digits) >= 4 else ""


def phone_tail_matches(case: Case, typed: str) -> bool:
    expected = phone_tail(case.reporter_phone)
    return bool(expected) and hmac.compare_digest(expected, typed.strip())
