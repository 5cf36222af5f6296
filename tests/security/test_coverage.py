"""The registries (``api_routes.py``, ``page_routes.py``) describe every route of the URL conf, and
nothing else: a new endpoint (console page or API operation, any method) without an entry fails
here, before it ships without anyone saying who may call it."""

from __future__ import annotations

from collections import Counter

from .api_routes import API_ROUTES
from .page_routes import PAGE_ROUTES
from .routes import ADMIN_PREFIX, PRIVATE, PUBLIC, Route
from .urlconf import api_operations, django_patterns, openapi_operations

HINT = "describe it in tests/security/api_routes.py or page_routes.py: who may call it, and how"


def registered_api() -> set[tuple[str, str]]:
    return {(r.method, r.route) for r in API_ROUTES}


def test_every_api_operation_and_method_is_registered() -> None:
    served = api_operations()
    missing = sorted(served - registered_api())
    assert not missing, f"API operations without an entry in API_ROUTES ({HINT}): {missing}"
    stale = sorted(registered_api() - served)
    assert not stale, f"API_ROUTES entries for operations the API no longer has: {stale}"


def test_the_api_walk_sees_what_django_and_the_schema_serve() -> None:
    """The ninja walk is the source of the methods: it must list every operation path Django routes to
    ninja, and every operation the OpenAPI schema documents."""
    walked = {route for _method, route in api_operations()}
    routed = {p.api_route for p in django_patterns() if p.is_api_operation}
    assert routed == walked, (
        f"Django routes {sorted(routed - walked)}, the walk found {sorted(walked - routed)}"
    )
    undocumented = openapi_operations() - api_operations()
    assert not undocumented, f"in the schema but not found walking the routers: {sorted(undocumented)}"


def test_every_other_url_pattern_is_registered() -> None:
    pages = {
        p.route for p in django_patterns() if not p.is_api_operation and not p.route.startswith(ADMIN_PREFIX)
    }
    registered = {r.route for r in PAGE_ROUTES}
    missing = sorted(pages - registered)
    assert not missing, f"URL patterns without an entry in PAGE_ROUTES ({HINT}): {missing}"
    stale = sorted(registered - pages)
    assert not stale, f"PAGE_ROUTES entries for patterns the URL conf no longer has: {stale}"


def test_the_admin_is_one_entry() -> None:
    admin = [p for p in django_patterns() if p.route.startswith(ADMIN_PREFIX)]
    assert admin, "the admin is mounted under admin/ (test_console_sweep checks it is for staff only)"


def test_entries_say_who_may_call() -> None:
    """Each private route names an insider, and either an outsider to refuse or why there is none;
    lists show a marker (or state) to look for; refused writes are checked to change nothing."""
    problems: list[str] = []
    for r in API_ROUTES + PAGE_ROUTES:
        problems += entry_problems(r)
    ids = Counter(r.id for r in API_ROUTES + PAGE_ROUTES)
    problems += [f"{i}: two entries with the same id (give one a label)" for i, n in ids.items() if n > 1]
    assert not problems, "\n".join(problems)


def entry_problems(r: Route) -> list[str]:
    found = []
    if r.kind == PRIVATE:
        if not r.inside:
            found.append(f"{r.id}: name an inside user who may call it")
        if bool(r.outside) == bool(r.why):
            found.append(f"{r.id}: name an outsider, or say why none applies (why=…), not both")
        if r.scope == "list" and not (r.marker or r.state):
            found.append(f"{r.id}: a list needs a marker (an inside object's text) or a state to compare")
        if r.outside and r.method != "GET" and r.state is None:
            found.append(
                f"{r.id}: a write with an outsider needs a state, to check a refusal changed nothing"
            )
    elif r.kind == PUBLIC:
        if r.inside or r.outside:
            found.append(f"{r.id}: public routes are called anonymously only")
    else:
        found.append(f"{r.id}: kind must be {PRIVATE!r} or {PUBLIC!r}")
    if r.method not in ("GET", "POST", "PUT", "PATCH", "DELETE"):
        found.append(f"{r.id}: unknown method")
    return found
