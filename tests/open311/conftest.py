"""Open311's fixtures: the small city of the case tests, its open311 channel, a client application
with its api_key, and a validator of answers against the official GeoReport v2 definition."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from cityloop.core.audit import system_actor
from cityloop.open311.actions import create_client
from cityloop.open311.models import ClientApplication
from tests.cases import conftest as cases_conftest
from tests.cases.conftest import POINT_A, POINT_B, Loop

from .schema import Conformance

loop = cases_conftest.loop

__all__ = ["POINT_A", "POINT_B", "Loop"]


@dataclass
class City:
    loop: Loop
    client: ClientApplication
    key: str
    http: Client
    conformance: Conformance

    def post(self, fmt: str = "json", headers: dict[str, str] | None = None, **params: Any) -> Any:
        body = {"api_key": self.key, "service_code": "event-0102", **params}
        return self.http.post(f"/open311/v2/requests.{fmt}", body, headers=headers or {})

    def get(self, path: str, **params: Any) -> Any:
        return self.http.get(f"/open311/v2/{path}", params)


def ensure_channel() -> None:
    """The channel comes from a migration; a transactional test elsewhere may have flushed it."""
    from django.apps import apps

    importlib.import_module("cityloop.open311.migrations.0002_channel").load(apps, None)


@pytest.fixture(scope="session")
def conformance() -> Conformance:
    return Conformance.load()


@pytest.fixture
def city(loop: Loop, conformance: Conformance) -> City:
    ensure_channel()
    client, key = create_client(actor=system_actor(), name="FixMyStreet")
    return City(loop, client, key, Client(enforce_csrf_checks=True), conformance)
