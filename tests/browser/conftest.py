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


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    """Chromium, for this package's tests only. While Playwright's event loop ran on, the tests after
    these saw a new database connection each (Django keeps connections per context), and one of
    them was still open when the test database was dropped ("… is being accessed by other users").
    So Playwright stops with this package, and Django's async guard comes back."""
    reason = _why_skip()
    if reason:
        pytest.skip(reason)
    # Playwright's sync API keeps an event loop on this thread; the test's own ORM calls between
    # browser steps are ordinary synchronous code, so Django's async-safety guard is lifted here.
    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as p:
            launched = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            yield launched
            launched.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def follow(page: Any, target: Any) -> None:
    """Click what leads to another page (a link, a form's button) and wait until that page is loaded.

    Playwright's click no longer waits for the navigation it starts, and ``wait_for_load_state`` returns
    at once on a page that is already loaded: without this, the next step reads, clicks or
    photographs the page being left (and a screenshot taken mid-navigation can hang).
    """
    locator = page.locator(target).first if isinstance(target, str) else target  # as page.click: the first
    with page.expect_navigation():
        locator.click()
    page.wait_for_load_state("networkidle")


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


@pytest.fixture(scope="session")
def reference_snapshot(django_db_setup: Any, django_db_blocker: Any) -> str:
    """The rows the migrations loaded (catalog, channels, calendars …), serialised once, before any
    browser test: session fixtures come first, while the database is still as migrated."""
    from django.db import connection

    with django_db_blocker.unblock():
        return str(connection.creation.serialize_db_to_string())


@pytest.fixture
def reference_data(reference_snapshot: str, transactional_db: Any) -> None:
    """Those rows back in place: a transactional test (this one's predecessor) empties every table
    when it ends, and Django's serialized rollback does not reliably reload them under pytest-django
    with a live server, so each browser test makes sure."""
    from django.db import connection

    from cityloop.catalog.models import Category

    if Category.objects.exists():
        return
    from django.core import serializers

    # The flush's post_migrate signal already made the content types and permissions again.
    skip = {"contenttypes.contenttype", "auth.permission"}
    with connection.constraint_checks_disabled():
        for obj in serializers.deserialize("json", reference_snapshot):
            if obj.object._meta.label_lower not in skip:
                obj.save()
