"""One demo city built per test module (inside a transaction rolled back afterwards), and plans."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from cityloop.core.audit import system_actor
from cityloop.demo.build import build_demo_city
from cityloop.demo.city import DemoCity
from cityloop.demo.plan import CityPlan, plan_city
from cityloop.geo import index

SEED = 1
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@cache
def cached_plan(seed: int, seq_width: int = 3) -> CityPlan:
    """Plans are pure and take a few tens of milliseconds; tests share them."""
    return plan_city(seed, seq_width=seq_width)


@pytest.fixture(scope="module")
def demo_city(django_db_setup: Any, django_db_blocker: Any) -> Iterator[DemoCity]:
    """The demo city for :data:`SEED`, built once for the module and rolled back after it.

    Tests that write (log in, run steps) should also ask for ``db``: their writes then sit in a
    savepoint inside this transaction and go with the test."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHER),
        transaction.atomic(),
    ):
        index.reset()
        city = build_demo_city(SEED, actor=system_actor())
        yield city
        transaction.set_rollback(True)
    index.reset()
