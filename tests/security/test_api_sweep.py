"""Every API operation, called as the public, an outsider and an insider (see ``routes.py``)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from .api_routes import API_ROUTES
from .routes import PUBLIC, Route, private, public
from .sweep import check_private, check_public
from .world import World


@pytest.mark.parametrize("route", private(API_ROUTES), ids=lambda r: r.id)
def test_private_operation(route: Route, world: World) -> None:
    check_private(route, world, api=True)


@pytest.mark.parametrize("route", public(API_ROUTES), ids=lambda r: r.id)
def test_public_operation(route: Route, world: World) -> None:
    check_public(route, world, api=True)


def test_console_sessions_need_csrf_for_api_writes(world: World) -> None:
    """The browser's session may call the API, but a write without the CSRF token is refused (403)
    and changes nothing: another site's page cannot make a signed-in user's browser act."""
    problems = []
    for route in private(API_ROUTES):
        if route.method == "GET":
            continue
        client = Client(enforce_csrf_checks=True)
        client.force_login(world.user(route.inside))
        url = route.url.format(w=world)
        before = route.state(world) if route.state else None
        body = route.body(world) if route.body else {}
        if route.multipart:
            response = client.post(url, body)
        else:
            response = client.generic(route.method, url, json.dumps(body), content_type="application/json")
        if response.status_code != 403 or "CSRF" not in response.content.decode():
            problems.append(f"{route.id}: {response.status_code} {response.content[:200]!r}")
        if route.state is not None and route.state(world) != before:
            problems.append(f"{route.id}: changed the stored state without a CSRF token")
    assert not problems, "\n".join(problems)


def test_a_bad_token_is_refused_even_where_the_public_may_report(world: World) -> None:
    """A request with a wrong token is a 401, never served as anonymous: on every private route and
    on the public report (where a caller who identifies themselves reports as themselves). The
    public tracking page takes no credentials at all."""
    headers = {"Authorization": "Bearer cl_not-a-token"}
    for route in API_ROUTES:
        if route.kind == PUBLIC and route.method == "GET":
            continue
        client = Client(enforce_csrf_checks=True)
        url = route.url.format(w=world)
        body = json.dumps(route.body(world)) if route.body and not route.multipart else "{}"
        response = client.generic(route.method, url, body, content_type="application/json", headers=headers)
        assert response.status_code == 401, f"{route.id}: {response.status_code}"
