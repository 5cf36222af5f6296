"""The small city of tests/cases, with citizens who proved their phones and a street's activity."""

from __future__ import annotations

import datetime as dt
import importlib
import re
from typing import Any

import pytest
from django.apps import apps
from django.utils import timezone

from cityloop.cases.models import Channel
from cityloop.core.audit import public_actor
from cityloop.notify.models import Outbox
from cityloop.participation import actions, verification
from cityloop.participation.models import Activity, Citizen, Volunteer
from tests.cases.conftest import POINT_A, POINT_B, Loop, english_messages, loop  # noqa: F401 (fixtures)

PHONE = "13812345678"
OTHER_PHONE = "13987654321"


def last_code(address: str) -> str:
    """The code in the last message queued to ``address`` (as the citizen reads it on the phone)."""
    notice = Outbox.objects.filter(kind="participation.code").order_by("-id").first()
    assert notice is not None and notice.payload["to"] == [address]
    found = re.search(r"\d{6}", notice.body)
    assert found
    return found.group(0)


def token_for(phone: str) -> str:
    return verification.citizen_token(verification.verified_citizen(phone))


@pytest.fixture
def rep_channel(db: Any) -> None:
    if not Channel.objects.filter(code="citizen_rep").exists():
        importlib.import_module("cityloop.cases.migrations.0020_public_map").add_channel(apps, None)


@pytest.fixture
def citizen(db: Any) -> Citizen:
    return verification.verified_citizen(PHONE)


@pytest.fixture
def volunteer(loop: Loop, citizen: Citizen) -> Volunteer:  # noqa: F811
    v = actions.register_volunteer(
        actor=public_actor(), citizen=citizen, kind="volunteer", name="王小明", street=loop.org.street_a
    )
    return actions.decide_volunteer(actor=loop.users["street_a_manager"], volunteer=v, approve=True)


@pytest.fixture
def activity(loop: Loop) -> Activity:  # noqa: F811
    start = timezone.now() + dt.timedelta(days=2)
    return actions.save_activity(
        actor=loop.users["street_a_manager"],
        street=loop.org.street_a,
        title="清洁家园",
        theme="十二月：清洁家园",
        place="东街道文化广场",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        capacity=2,
    )
