"""Calling a registered route as the anonymous public, an outsider and an insider, and judging the
answers (the checks the API and console sweeps share)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.test import Client

from cityloop.core.actions import create_api_token
from cityloop.core.audit import system_actor

from .routes import Route
from .world import World, text_of

REFUSED = (403, 404)


def client_for(world: World, username: str | None, *, api: bool) -> tuple[Client, dict[str, str]]:
    """A client as ``username`` (None: anonymous): a bearer token for the API, as an outside system
    would call it (so CSRF is enforced), a signed-in session for the console."""
    if api:
        headers: dict[str, str] = {}
        if username is not None:
            _, raw = create_api_token(actor=system_actor(), user=world.user(username), name="sweep")
            headers["Authorization"] = f"Bearer {raw}"
        return Client(enforce_csrf_checks=True), headers
    client = Client()
    if username is not None:
        client.force_login(world.user(username))
    return client, {}


def call(route: Route, world: World, username: str | None, *, api: bool) -> Any:
    """One request to ``route`` as ``username``, with a fresh body."""
    client, headers = client_for(world, username, api=api)
    url = route.url.format(w=world)
    method = route.method.lower()
    if method in ("get", "head", "options"):
        return getattr(client, method)(url, headers=headers)
    body = route.body(world) if route.body else {}
    if route.multipart or not api:
        if method != "post":
            raise AssertionError(f"{route.id}: form bodies go with POST only")
        return client.post(url, body, headers=headers)
    send = getattr(client, method)
    return send(url, json.dumps(body), content_type="application/json", headers=headers)


def _answer(response: HttpResponse) -> str:
    return f"{response.status_code} {text_of(response)[:300]!r}"


def check_private(route: Route, world: World, *, api: bool) -> None:
    """Anonymous: 401 (API) or a redirect to the login page (console). Outsider: 403/404 for an
    object, 200 without the inside object for a list. Insider: the route's normal answer. Refused
    calls change nothing; the insider's write takes effect."""
    for name in route.needs:
        getattr(world, name)
    url = route.url.format(w=world)
    marker = route.marker.format(w=world) if route.marker else ""
    before = route.state(world) if route.state else None
    problems: list[str] = []

    anonymous = call(route, world, None, api=api)
    if api:
        if anonymous.status_code != 401:
            problems.append(f"anonymous: expected 401, got {_answer(anonymous)}")
    else:
        login = f"/login/?next={quote(url.split('?')[0])}"
        location = anonymous.get("Location", "")
        if anonymous.status_code != 302 or not location.startswith(login):
            problems.append(
                f"anonymous: expected a redirect to {login}, got {anonymous.status_code} {location}"
            )
    if marker and marker in text_of(anonymous):
        problems.append(f"anonymous: the answer shows {marker!r}")

    if route.outside:
        outsider = call(route, world, route.outside, api=api)
        if route.scope == "object" and outsider.status_code not in REFUSED:
            problems.append(f"outsider {route.outside}: expected 403 or 404, got {_answer(outsider)}")
        if route.scope == "list" and outsider.status_code != 200:
            problems.append(f"outsider {route.outside}: a list answers 200 (empty), got {_answer(outsider)}")
        if marker and marker in text_of(outsider):
            problems.append(f"outsider {route.outside}: the answer shows the inside object {marker!r}")

    if route.state is not None:
        after = route.state(world)
        if after != before:
            problems.append(f"a refused caller changed the stored state: {before!r} → {after!r}")

    insider = call(route, world, route.inside, api=api)
    if insider.status_code not in route.ok:
        problems.append(f"insider {route.inside}: expected {route.ok}, got {_answer(insider)}")
    elif marker and insider.status_code == 200 and marker not in text_of(insider):
        problems.append(f"insider {route.inside}: the answer should show {marker!r} (is the marker right?)")
    if route.state is not None and route.state(world) == before:
        problems.append(f"insider {route.inside}: the write did not take effect")

    assert not problems, f"{route.id} ({url}):\n  " + "\n  ".join(problems)


def check_public(route: Route, world: World, *, api: bool) -> None:
    """Anonymous citizens get the route's normal answer (a 500 raises in the test client)."""
    for name in route.needs:
        getattr(world, name)
    url = route.url.format(w=world)
    before = route.state(world) if route.state else None
    response = call(route, world, None, api=api)
    assert response.status_code in route.ok, f"{route.id} ({url}): anonymous got {_answer(response)}"
    if route.state is not None:
        assert route.state(world) != before, f"{route.id}: the citizen's write did not take effect"
