"""Fixtures of the permission sweep: the ``loop`` city wrapped in a :class:`World`."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cases import conftest as cases_conftest

from .world import World

loop = cases_conftest.loop
english_messages = cases_conftest.english_messages


@pytest.fixture(autouse=True)
def fresh_map_layers() -> Any:
    """The console's map keeps built layers per process, keyed by jurisdiction and grid version; ids
    and versions repeat between rolled-back tests, so a layer from an earlier test must not answer."""
    from cityloop.web import maps

    maps._cache.clear()
    yield
    maps._cache.clear()


@pytest.fixture
def world(loop: Any, actor: Any) -> World:
    return World(loop, actor)
