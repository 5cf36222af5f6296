"""Every console page (and the other non-API URL patterns), called as the public, an outsider and an
insider (see ``routes.py``)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from .page_routes import PAGE_ROUTES
from .routes import ADMIN_PREFIX, Route, private, public
from .sweep import check_private, check_public
from .urlconf import django_patterns
from .world import World


@pytest.mark.parametrize("route", private(PAGE_ROUTES), ids=lambda r: r.id)
def test_private_page(route: Route, world: World) -> None:
    check_private(route, world, api=False)


@pytest.mark.parametrize("route", public(PAGE_ROUTES), ids=lambda r: r.id)
def test_public_page(route: Route, world: World) -> None:
    check_public(route, world, api=False)


def admin_samples() -> list[str]:
    """An address for every admin URL pattern (ids and names filled in; nothing needs to exist)."""
    samples = []
    for p in django_patterns():
        if not p.route.startswith(ADMIN_PREFIX):
            continue
        if p.regex:
            # The app index (^(?P<app_label>auth|geo|…)/$) and the catch-all.
            samples.append("/admin/cases/" if "app_label" in p.route else "/admin/no-such-page/")
        else:
            samples.append("/" + re.sub(r"<(?:\w+:)?(\w+)>", "1", p.route))
    return samples


def landing(client: Client, url: str) -> tuple[int, str]:
    """Where a GET of ``url`` leads: (status, path), after one plain redirect (``admin/…/1/`` to
    ``…/1/change/``); the admin's login page is not rendered."""
    path = url
    response = client.get(path)
    location = response.get("Location", "")
    if response.status_code in (301, 302) and not location.startswith("/admin/login/"):
        path = location
        response = client.get(path)
        location = response.get("Location", "")
    if response.status_code == 302:
        return 302, location.split("?")[0]
    return response.status_code, path


def test_admin_is_for_staff_only(world: World) -> None:
    """Anonymous callers and signed-in users who are not staff (even the city's administrator role)
    land on the admin's login page from every admin address; staff without model permissions are
    never served a model's page (403, or sent back to the index: id 1 does not exist)."""
    samples = admin_samples()
    assert len(samples) > 50
    callers = {"anonymous": Client()}
    for username in ("street_a_manager", "admin"):
        callers[username] = Client()
        callers[username].force_login(world.user(username))
    problems = []
    for name, client in callers.items():
        for url in samples:
            status, path = landing(client, url)
            if url != "/admin/login/" and (status, path) != (302, "/admin/login/"):
                problems.append(f"{name} {url}: ended at {status} {path}, not the admin login")
    staff = Client()
    staff.force_login(world.user("staff_without_role"))
    for url in samples:
        status, path = landing(staff, url)
        model_page = re.match(r"^/admin/(?!password_change)\w+/\w+/", url) is not None
        if model_page and status == 200 and path == url:
            problems.append(f"staff without permissions {url}: served the page")
    assert not problems, "\n".join(problems)
