"""Proving a phone with a code: sent through the outbox, hashed, limited, audited; the token it gives."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cityloop.core.audit import public_actor
from cityloop.core.models import AuditEntry
from cityloop.participation import verification
from cityloop.participation.models import Verification

from .conftest import PHONE, last_code

pytestmark = pytest.mark.django_db


def test_code_goes_through_the_outbox_and_only_its_hash_is_kept() -> None:
    found = verification.send_code(
        actor=public_actor(), purpose="phone", target=PHONE, address=f"sms:{PHONE}"
    )
    code = last_code(f"sms:{PHONE}")
    assert code not in found.code_hash
    entry = AuditEntry.objects.filter(action="participation.code.send").last()
    assert entry is not None and PHONE not in str(entry.after) and "138****5678" in str(entry.after)
    assert verification.check_code(actor=public_actor(), purpose="phone", target=PHONE, code=code)
    # Spent: the same code does not work twice.
    assert not verification.check_code(actor=public_actor(), purpose="phone", target=PHONE, code=code)


def test_wrong_tries_spend_the_code() -> None:
    verification.send_code(actor=public_actor(), purpose="phone", target=PHONE, address=f"sms:{PHONE}")
    code = last_code(f"sms:{PHONE}")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(Verification.MAX_ATTEMPTS):
        assert not verification.check_code(actor=public_actor(), purpose="phone", target=PHONE, code=wrong)
    assert not verification.check_code(actor=public_actor(), purpose="phone", target=PHONE, code=code)
    assert (
        AuditEntry.objects.filter(action="participation.code.check").count() == Verification.MAX_ATTEMPTS + 1
    )


def test_one_code_a_minute_and_codes_expire() -> None:
    now = timezone.now()
    verification.send_code(
        actor=public_actor(), purpose="phone", target=PHONE, address=f"sms:{PHONE}", now=now
    )
    with pytest.raises(ValidationError):
        verification.send_code(
            actor=public_actor(), purpose="phone", target=PHONE, address=f"sms:{PHONE}", now=now
        )
    code = last_code(f"sms:{PHONE}")
    later = now + dt.timedelta(minutes=verification.CODE_MINUTES + 1)
    assert not verification.check_code(
        actor=public_actor(), purpose="phone", target=PHONE, code=code, now=later
    )


def test_token_names_its_citizen_and_nothing_else() -> None:
    citizen = verification.verified_citizen(PHONE)
    token = verification.citizen_token(citizen)
    assert verification.citizen_for_token(token) == citizen
    assert verification.citizen_for_token(token[:-2] + "xx") is None
    assert verification.citizen_for_token("") is None


def test_api_flow_and_limits(api_as: Any, settings: Any) -> None:
    api = api_as(None)
    assert api.post("/api/v1/public/verify", {"phone": "12345"}).status_code == 422
    bad = api.post("/api/v1/public/verify", {"phone": "02112345678"})
    assert bad.status_code == 400 and "phone" in bad.content.decode()
    assert api.post("/api/v1/public/verify", {"phone": PHONE}).status_code == 202
    code = last_code(f"sms:{PHONE}")
    wrong = api.post(
        "/api/v1/public/verify/confirm", {"phone": PHONE, "code": "999999" if code != "999999" else "888888"}
    )
    assert wrong.status_code == 400
    ok = api.post("/api/v1/public/verify/confirm", {"phone": PHONE, "code": code})
    assert ok.status_code == 200, ok.content
    body = ok.json()
    assert body["phone"] == "138****5678" and body["token"]
    me = api.client.get("/api/v1/public/me", headers={"X-Citizen-Token": body["token"]})
    assert me.status_code == 200 and me.json()["points"] == 0
    assert api.client.get("/api/v1/public/me", headers={"X-Citizen-Token": "nope"}).status_code == 401
    settings.CITYLOOP_RATELIMIT_CODES_PER_TARGET = "1/h"
    assert api.post("/api/v1/public/verify", {"phone": "13700000000"}).status_code == 202
    assert api.post("/api/v1/public/verify", {"phone": "13700000000"}).status_code == 429
