"""Proving a phone (or an alert's address) with a code sent to it, and the signed token a verified
phone then carries (in the session on the console, in ``X-Citizen-Token`` on the API).

A code is six random digits kept only as a keyed hash, valid ``CODE_MINUTES``, spent by its first
right answer or its ``MAX_ATTEMPTS``-th wrong one. One target gets at most one code a minute; the
interfaces add rate limits per client address and per target on top.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone

from cityloop.core.audit import domain_action, record
from cityloop.core.models import User

from . import messaging
from .models import Citizen, Verification

CODE_MINUTES = 10
RESEND_SECONDS = 60
TOKEN_SALT = "cityloop.participation.citizen"
TOKEN_DAYS = 30


def mask(target: str) -> str:
    """A phone or address as the audit log shows it: enough to tell, not enough to use."""
    head, _, tail = target.rpartition(":")
    value = tail if head else target
    masked = f"{value[:3]}****{value[-4:]}" if len(value) > 7 else "****"
    return f"{head}:{masked}" if head else masked


def _hash(purpose: str, target: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{purpose}\0{target}\0{code}".encode(), hashlib.sha256).hexdigest()


@domain_action
def send_code(
    *, actor: User, purpose: str, target: str, address: str, now: dt.datetime | None = None
) -> Verification:
    """Make a code for ``target`` and queue it to ``address`` (``sms:<phone>``, ``email:…``)."""
    now = now or timezone.now()
    recent = Verification.objects.filter(
        purpose=purpose, target=target, created_at__gt=now - dt.timedelta(seconds=RESEND_SECONDS)
    )
    if recent.exists():
        raise ValidationError({"phone": f"验证码已发送，请{RESEND_SECONDS}秒后再试"})
    code = f"{secrets.randbelow(10**6):06d}"
    found = Verification.objects.create(
        purpose=purpose,
        target=target,
        code_hash=_hash(purpose, target, code),
        created_at=now,
        expires_at=now + dt.timedelta(minutes=CODE_MINUTES),
    )
    messaging.send_to(
        address,
        kind="code",
        title="CityLoop验证码",
        body=f"您的验证码是{code}，{CODE_MINUTES}分钟内有效。如非本人操作请忽略。",
        dedupe_key=f"participation.code:{found.pk}",
    )
    record(
        actor,
        "participation.code.send",
        object_type="participation.verification",
        object_id=found.pk,
        after={"purpose": purpose, "target": mask(target)},
    )
    return found


@domain_action
def check_code(*, actor: User, purpose: str, target: str, code: str, now: dt.datetime | None = None) -> bool:
    """Whether ``code`` is the live code for ``target``; a wrong one counts against its attempts.
    Returns a result rather than raising so that a wrong try is counted (and audited)."""
    now = now or timezone.now()
    found = (
        Verification.objects.select_for_update()
        .filter(purpose=purpose, target=target, used_at__isnull=True, expires_at__gt=now)
        .filter(attempts__lt=Verification.MAX_ATTEMPTS)
        .order_by("-created_at")
        .first()
    )
    ok = found is not None and hmac.compare_digest(found.code_hash, _hash(purpose, target, code.strip()))
    if found is not None:
        if ok:
            found.used_at = now
        else:
            found.attempts += 1
        found.save(update_fields=["used_at", "attempts"])
    record(
        actor,
        "participation.code.check",
        object_type="participation.verification",
        object_id=found.pk if found else "",
        after={"purpose": purpose, "target": mask(target), "ok": ok},
    )
    return ok


def verified_citizen(phone: str, now: dt.datetime | None = None) -> Citizen:
    """The citizen for a phone just verified (made on the first verification). Called inside the
    verifying interface's transaction, after :func:`check_code` said yes."""
    citizen, _ = Citizen.objects.get_or_create(phone=phone, defaults={"verified_at": now or timezone.now()})
    return citizen


def citizen_token(citizen: Citizen) -> str:
    """The signed token a verified phone carries for ``TOKEN_DAYS``."""
    return signing.dumps({"c": citizen.pk, "p": citizen.phone}, salt=TOKEN_SALT, compress=True)


def citizen_for_token(token: str) -> Citizen | None:
    """The citizen a token names, if it is genuine, fresh and still theirs; else None."""
    if not token or len(token) > 300:
        return None
    try:
        data = signing.loads(token, salt=TOKEN_SALT, max_age=dt.timedelta(days=TOKEN_DAYS))
    except signing.BadSignature:
        return None
    pk, phone = (data.get("c"), data.get("p")) if isinstance(data, dict) else (None, None)
    if not isinstance(pk, int) or not isinstance(phone, str):
        return None
    return Citizen.objects.filter(pk=pk, phone=phone).first()
