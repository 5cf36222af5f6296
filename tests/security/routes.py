"""How to call every route of the URL conf, and who may: the :class:`Route` of the registries
``api_routes.API_ROUTES`` (the API's operations) and ``page_routes.PAGE_ROUTES`` (every other URL
pattern).

One :class:`Route` per call: its ``method`` and ``route``, the route as the URL conf names it:
``"/api/v1/cases/{ref}"`` for an API operation (django-ninja's path), ``"cases/<int:pk>/"`` for any
other Django URL pattern (the console, the citizens' pages, the health check, the API's schema and
docs, i18n). The Django admin is one entry, :data:`ADMIN_PREFIX`. ``test_coverage.py`` fails when a
route of the URL conf has no entry in a registry, so a new endpoint cannot ship without saying who
may call it.

Kinds of route:

- ``PRIVATE``: needs a login (console: a redirect to ``/login/?next=…``) or a token (API: 401).
  ``inside`` names a user who may (the answer is in ``ok``); ``outside`` a user with the same kind
  of role whose jurisdiction does not hold the object. For an object route (``scope="object"``)
  the outsider gets 403 or 404; for a list (``scope="list"``) the outsider gets 200 but never
  ``marker``, the text of an inside object, which the insider's answer must show. A route with no
  jurisdiction to cross (city-wide reference data, the caller's own upload, a blank form) says so
  in ``why`` instead of naming an outsider.
- ``PUBLIC``: citizens without an account may call it; the anonymous answer is in ``ok``.

Templates (``url``, ``marker``) are ``str.format``-ed with ``w``, the :class:`~.world.World`: an
object is built the first time a template names it. ``body`` builds the JSON (API) or form data
(console) of a write; ``state`` reads what a write changes, so that a refused call can be checked
to have changed nothing and the insider's call to have taken effect. ``needs`` names objects to
build although no template names them (the rows a list or a chart should hold).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from cityloop.cases.models import Case
from tests.cases.conftest import png_bytes

from .world import World

Kind = Literal["private", "public"]
PRIVATE: Kind = "private"
PUBLIC: Kind = "public"
ADMIN_PREFIX = "admin/"

Body = Callable[[World], dict[str, Any]]
State = Callable[[World], Any]


@dataclass(frozen=True)
class Route:
    """One call of one route (see the module's docstring)."""

    route: str  # as the URL conf names it
    kind: Kind
    url: str  # template of the address called, with its query
    method: str = "GET"
    inside: str = ""  # a user who may: the answer is in ``ok``
    outside: str = ""  # a user of the same kind outside the object's jurisdiction
    scope: Literal["object", "list"] = "object"
    marker: str = ""  # template of text only an insider may see
    body: Body | None = None
    multipart: bool = False  # an API upload (console bodies are always forms)
    ok: tuple[int, ...] = (200,)
    state: State | None = None  # what a write changes: refusals leave it, the insider's call moves it
    why: str = ""  # why no outsider applies
    label: str = ""  # tells apart two calls of one route
    needs: tuple[str, ...] = ()  # World objects to build first (rows the answer should hold)

    @property
    def id(self) -> str:
        name = f"{self.method} {self.route or '(home)'}"
        return f"{name} [{self.label}]" if self.label else name


def photo_file(name: str = "photo.png") -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def cases_count(w: World) -> int:
    return Case.objects.count()


REFERENCE = "city-wide reference data: every signed-in user reads all of it"
BLANK_FORM = "a blank form for a new report: there is no object to be outside of"
NEW_REPORT = "files a new case where the reporter stands: no existing object is involved"
UNKNOWN = "NOSUCHCODE"  # a tracking code no case has
CASE_A = "{w.case_a.pk}"
MEASURE = "cases_reported"  # a count every street's score has


def private(routes: list[Route]) -> list[Route]:
    return [r for r in routes if r.kind == PRIVATE]


def public(routes: list[Route]) -> list[Route]:
    return [r for r in routes if r.kind == PUBLIC]
