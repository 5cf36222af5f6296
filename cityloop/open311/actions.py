"""Open311's writes: client applications (issue, revoke) and service requests, which become ordinary
cases through ``cityloop.cases.actions.submit_report``."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from cityloop.cases.actions import submit_report
from cityloop.cases.models import Case
from cityloop.core.audit import domain_action, record
from cityloop.core.models import User
from cityloop.core.ratelimits import check_rate
from cityloop.core.tokens import hash_token

from .keys import PREFIX_LENGTH, new_key
from .models import ClientApplication, ServiceRequest

CHANNEL = "open311"


@domain_action
def create_client(*, actor: User, name: str, rate_limit: str = "") -> tuple[ClientApplication, str]:
    """Register a client application and issue its ``api_key``. Returns the row and the raw key,
    which is shown this once: only its digest is kept."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "name the client application"})
    if len(name) > 100:
        raise ValidationError({"name": "at most 100 characters"})
    if ClientApplication.objects.filter(name=name).exists():
        raise ValidationError({"name": f"a client application named {name!r} exists already"})
    try:
        check_rate(rate_limit)
    except ValueError as exc:
        raise ValidationError({"rate_limit": str(exc)}) from None
    raw = new_key()
    client = ClientApplication.objects.create(
        name=name, prefix=raw[:PREFIX_LENGTH], key_hash=hash_token(raw), rate_limit=rate_limit
    )
    record(
        actor,
        "open311_client.create",
        client,
        after={"name": name, "prefix": client.prefix, "rate_limit": rate_limit},
    )
    return client, raw


@domain_action
def revoke_client(*, actor: User, client: ClientApplication) -> ClientApplication:
    """Revoke a client application's key: its next request is refused, by every server process."""
    if client.revoked_at is None:
        client.revoked_at = timezone.now()
        client.save(update_fields=["revoked_at"])
        record(actor, "open311_client.revoke", client, after={"revoked_at": client.revoked_at})
    return client


@dataclass
class Report:
    """A service request as the client posted it, checked and ready to become a case."""

    client: ClientApplication
    category: str
    kind: str
    description: str
    lon: float
    lat: float
    address: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    media_url: str = ""
    account_id: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)


def new_token(client: ClientApplication | None = None, retry_key: str = "") -> str:
    """The token a client may follow its request by (``tokens/{token}``), and the case's external
    ticket id, so the case's unique (channel, external id) index finds it. Random; or, for a request
    sent with an ``Idempotency-Key``, derived from the client and the key with the server's secret
    (a retry gets the same token, which nobody without the secret can guess)."""
    if client is None or not retry_key:
        return secrets.token_hex(16)
    message = f"open311:{client.pk}:{retry_key}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()[:32]


def submit_service_request(
    report: Report, *, actor: User, retry_key: str = "", at: dt.datetime | None = None
) -> tuple[Case, bool]:
    """Turn a posted service request into a case of channel ``open311`` (verified first, like every
    public report), and remember which client sent it: both in one transaction. With ``retry_key``
    (the client's ``Idempotency-Key``) a request sent again returns the first case, ``created``
    False; the same key with another request is refused (422)."""
    with transaction.atomic():
        case, created = submit_report(
            actor=actor,
            channel=CHANNEL,
            description=report.description,
            lon=report.lon,
            lat=report.lat,
            address=report.address,
            reporter_name=report.reporter_name,
            reporter_phone=report.reporter_phone,
            category=report.category,
            kind=report.kind,
            external_id=new_token(report.client, retry_key),
            # Keys are the client's own: two clients may choose the same one.
            idempotency_key=f"open311-{report.client.pk}:{retry_key}" if retry_key else None,
            at=at,
        )
        if created:
            _link(case=case, report=report, actor=actor)
    return case, created


@domain_action
def _link(*, case: Case, report: Report, actor: User) -> ServiceRequest:
    """Keep what GeoReport says beyond the case: the client, the media URL, the attributes."""
    link = ServiceRequest.objects.create(
        case=case,
        client=report.client,
        media_url=report.media_url,
        attributes=report.attributes,
        account_id=report.account_id,
    )
    record(
        actor,
        "open311.request",
        case,
        after={
            "client": report.client.name,
            "client_id": report.client.pk,
            "media_url": report.media_url,
            "attributes": report.attributes,
        },
    )
    return link
