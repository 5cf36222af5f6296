"""The console's fixtures: the small city of the case tests, and signed-in clients for each user."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from cityloop.cases.models import Case
from tests.cases import conftest as cases_conftest
from tests.cases.conftest import POINT_A, POINT_B, Loop, png_bytes

# The small city of the case tests (org, eight grids, a user for every role, conditions).
loop = cases_conftest.loop
city_centre = cases_conftest.city_centre

__all__ = ["POINT_A", "POINT_B", "Loop", "png_bytes"]


@pytest.fixture
def client_as(loop: Loop) -> Callable[[str], Client]:
    """``client_as("operator")``: a browser-like client signed in as that user of the small city."""

    def make(username: str) -> Client:
        client = Client()
        client.force_login(loop.users[username])
        return client

    return make


@pytest.fixture
def cases_ab(loop: Loop) -> dict[str, Case]:
    """A dispatched case in street A (sent to the sanitation department) and a reported one in street B."""
    in_a = loop.drive(loop.report(description="东街道暴露垃圾"), "accept", "register", "dispatch")
    in_b = loop.report(point=POINT_B, description="西街道暴露垃圾", actor=loop.users["supervisor_b"])
    return {"a": in_a, "b": in_b}


def html(response: Any) -> str:
    return response.content.decode()
