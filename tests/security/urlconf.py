"""What the URL conf serves: every Django URL pattern (walking ``get_resolver()`` recursively) and every
API operation with its methods (walking the django-ninja routers of ``cityloop.api.urls.api``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern
from ninja.utils import normalize_path

API_PREFIX = "/api/v1"


@dataclass(frozen=True)
class Pattern:
    route: str  # the whole pattern, e.g. "cases/<int:pk>/" or "admin/cases/case/<path:object_id>/change/"
    pattern: URLPattern
    regex: bool  # a part of it is a regular expression (the admin's app index and catch-all)

    @property
    def is_api_operation(self) -> bool:
        """Served by a django-ninja operation (whose methods the API walk lists)."""
        return getattr(self.pattern.callback, "__qualname__", "").startswith("PathView.get_view")

    @property
    def api_route(self) -> str:
        """The operation's path as ninja writes it: ``api/v1/cases/<ref>`` → ``/api/v1/cases/{ref}``."""
        return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.route)


def django_patterns() -> list[Pattern]:
    """Every URL pattern of the project, with the prefixes of the resolvers it sits under."""

    def walk(entries: list[URLPattern | URLResolver], prefix: str, regex: bool) -> Iterator[Pattern]:
        for entry in entries:
            here = prefix + str(entry.pattern)
            is_regex = regex or isinstance(entry.pattern, RegexPattern)
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, here, is_regex)
            else:
                yield Pattern(here, entry, is_regex)

    return list(walk(get_resolver().url_patterns, "", False))


def api_operations() -> set[tuple[str, str]]:
    """(method, path) of every operation of every router mounted on the v1 API."""
    from cityloop.api.urls import api

    api.urls  # noqa: B018  (mounting binds nested routers; ``_routers`` then lists them all)
    found: set[tuple[str, str]] = set()
    for prefix, router in api._routers:
        for path, view in router.path_operations.items():
            route = API_PREFIX + normalize_path("/".join(p for p in (prefix, path) if p))
            for operation in view.operations:
                found.update((method, route.rstrip("/")) for method in operation.methods)
    return found


def openapi_operations() -> set[tuple[str, str]]:
    """(method, path) of every operation the published OpenAPI schema documents."""
    from cityloop.api.urls import api

    schema = api.get_openapi_schema()
    return {(method.upper(), path) for path, item in schema["paths"].items() for method in item}
