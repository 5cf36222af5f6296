"""Browser tests: Playwright drives Debian's Chromium against a live server of the console.

They skip, saying why, where /usr/bin/chromium, the Playwright package or the console's front-end
packages (``make assets``) are missing; CI installs all three, so there they run. Screenshots of each
step go to ``test-artifacts/browser/``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "browser"
VENDOR = Path(settings.BASE_DIR) / "cityloop" / "web" / "static" / "vendor"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 375, "height": 740}


def _why_skip() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"no browser: {CHROMIUM} is missing (apt-get install chromium; CI installs it)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed (pip install -e '.[dev]')"
    if not (VENDOR / "htmx" / "htmx.min.js").exists() or not (VENDOR / "leaflet" / "leaflet.js").exists():
        return "the console's front-end packages are missing: run `make assets` (needs npm)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    reason = _why_skip()
    if reason:
        pytest.skip(reason)
    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls between
    # browser steps are ordinary synchronous code, so Django's async-safety guard is lifted here.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


class Shots:
    """Numbered screenshots of one test's steps."""

    def __init__(self, name: str) -> None:
        self.folder = ARTIFACTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0

    def __call__(self, page: Any, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    return Shots(request.node.name)


@pytest.fixture
def reference_data(transactional_db: Any) -> None:
    """The rows the migrations load (catalog, channels, calendars), back in place.

    A transactional test empties every table when it ends; Django's serialized rollback is meant to
    reload them for the next one but does not always run here, so each browser test makes sure."""
    from django.db import connection

    from cityloop.catalog.models import Category

    if not Category.objects.exists():
        contents = getattr(connection, "_test_serialized_contents", None)
        print("RESTORE", contents is not None and len(contents))
        if contents:
            connection.creation.deserialize_db_from_string(contents)
