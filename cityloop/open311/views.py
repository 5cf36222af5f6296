"""The GeoReport v2 calls. Each answers in the format its extension names, and refuses in the
specification's error format with its codes: 400 for bad input (naming the parameter), 403 for a
missing or unknown ``api_key`` where one is needed, 404 for what does not exist, 405, 429."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from cityloop.cases.engine import TransitionError
from cityloop.cases.models import Case
from cityloop.core import ratelimits

from . import reading, services
from .formats import FORMATS, Open311Error, bad, format_of, render, render_error
from .jurisdictions import jurisdiction
from .keys import client_for_key
from .models import ClientApplication
from .params import Params
from .posting import create_request

View = Callable[..., HttpResponse]
MAX_PAGE_SIZE = 1000
MAX_PAGE = 100_000
MAX_IDS = 100
# When the shape of these answers last changed (discovery's changeset).
CHANGESET = "2026-12-06T00:00:00+08:00"


def endpoint(*methods: str) -> Callable[[View], View]:
    """A GeoReport call: the format checked, the method checked, errors in GeoReport's shape."""

    def wrap(view: View) -> View:
        @functools.wraps(view)
        def run(request: HttpRequest, *args: Any, fmt: str = "json", **kwargs: Any) -> HttpResponse:
            answer = fmt.lower() if fmt.lower() in FORMATS else "json"
            try:
                if fmt.lower() not in FORMATS:
                    raise bad("format", f"end the address with .json or .xml, not .{fmt[:10]}", 404)
                if request.method not in methods:
                    raise Open311Error(405, f"method: use {' or '.join(methods)} here")
                response = view(request, *args, fmt=answer, **kwargs)
            except Open311Error as exc:
                response = render_error(answer, exc)
            if response.status_code == 405:
                response["Allow"] = ", ".join(methods)
            if request.method == "GET":
                # Public data: any web page may read it (a client's own page, a map of requests).
                response["Access-Control-Allow-Origin"] = "*"
            return response

        return csrf_exempt(run)

    return wrap


def client_of(request: HttpRequest, params: Params, *, required: bool) -> ClientApplication | None:
    """The client application the ``api_key`` names (a 403 for an unknown one, or none where one is
    required); every call is counted against its key's limit, or the caller's address without one."""
    key = params.text("api_key", 100)
    client = client_for_key(key) if key else None
    if key and client is None:
        raise bad("api_key", "unknown or revoked key; ask the city for one", 403)
    if required and client is None:
        raise bad(
            "api_key", "posting a service request needs the key the city issued to your application", 403
        )
    try:
        if client is not None:
            rate = client.rate_limit or settings.CITYLOOP_RATELIMIT_OPEN311_KEY
            ratelimits.hit(request, "Open311 calls with one api_key", str(client.pk), rate)
        else:
            address = ratelimits.client_address(request)
            rate = settings.CITYLOOP_RATELIMIT_OPEN311_ADDRESS
            ratelimits.hit(request, "Open311 calls from one address", address, rate)
    except ratelimits.RateLimited as exc:
        raise Open311Error(429, f"api_key: {exc}", retry_after=exc.retry_after) from None
    return client


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    """Where the GeoReport v2 endpoint is and what it speaks."""
    client_of(request, Params(request), required=False)
    base = request.build_absolute_uri(reverse("open311:root"))
    body = {
        "changeset": CHANGESET,
        "contact": settings.CITYLOOP_OPEN311_CONTACT,
        "key_service": settings.CITYLOOP_OPEN311_KEY_SERVICE,
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base.rstrip("/"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return render(fmt, body, "discovery")


@endpoint("GET")
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    params = Params(request)
    client_of(request, params, required=False)
    return render(fmt, services.service_list(jurisdiction(params)), "services")


@endpoint("GET")
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    params = Params(request)
    client_of(request, params, required=False)
    district = jurisdiction(params)
    category = services.subclass(code)
    return render(fmt, services.definition(category, district), "service_definition")


@endpoint("GET", "POST")
def requests_(request: HttpRequest, fmt: str) -> HttpResponse:
    params = Params(request)
    if request.method == "POST":
        client = client_of(request, params, required=True)
        assert client is not None
        try:
            answer = create_request(request, params, client)
        except ValidationError as exc:
            raise _refusal(exc) from None
        except TransitionError as exc:
            raise Open311Error(400 if exc.status >= 500 else exc.status, exc.message) from None
        return render(fmt, [answer], "service_requests")
    client_of(request, params, required=False)
    district = jurisdiction(params, unknown_status=401)
    return render(fmt, _search(params, district), "service_requests", clean=True)


def _search(params: Params, district: Any) -> list[dict[str, Any]]:
    qs = reading.requests_queryset(district)
    ids = params.joined("service_request_id", 32)
    page = params.integer("page", 1, 1, MAX_PAGE)
    size = params.integer("page_size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    if ids:
        # The ids override every other argument (the specification says so).
        if len(ids) > MAX_IDS:
            raise bad("service_request_id", f"at most {MAX_IDS} ids at once")
        return reading.read(qs.filter(number__in=ids).order_by("-reported_at", "-pk"))
    codes = params.joined("service_code", 40)
    if codes:
        try:
            parsed = [services.parse_code(c) for c in codes]
        except Open311Error as exc:
            raise bad("service_code", exc.description.partition(": ")[2]) from None
        qs = qs.filter(category__in=_categories(parsed))
    statuses = params.joined("status", 10)
    for status in statuses:
        if status not in ("open", "closed"):
            raise bad("status", f"{status[:10]!r}: use open or closed")
    qs = reading.status_filter(qs, statuses)
    start, end = reading.default_window(params.datetime("start_date"), params.datetime("end_date"))
    if end < start:
        raise bad("end_date", "comes before start_date")
    if (end - start).days > 90:
        raise bad("end_date", "a search spans at most 90 days from start_date")
    qs = qs.filter(reported_at__gte=start, reported_at__lte=end).order_by("-reported_at", "-pk")
    offset = (page - 1) * size
    return reading.read(qs[offset : offset + size])


def _categories(parsed: list[tuple[str, str]]) -> list[int]:
    from django.db.models import Q

    from cityloop.catalog.models import Category

    wanted = Q(pk__in=[])
    for kind, code in parsed:
        wanted |= Q(kind=kind, code=code)
    return list(Category.objects.filter(wanted).values_list("pk", flat=True))


@endpoint("GET")
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    """One request, as a list of one (``requests/{id}``, as the specification's text and clients
    read it)."""
    return render(fmt, [_one(request, request_id)], "service_requests")


@endpoint("GET")
def request_single(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    """One request as an object (``request/{id}``, the path and shape the official definition gives)."""
    return render(fmt, _one(request, request_id), "request")


def _one(request: HttpRequest, request_id: str) -> dict[str, Any]:
    params = Params(request)
    client_of(request, params, required=False)
    district = jurisdiction(params)
    if len(request_id) > 32:
        raise bad("service_request_id", "at most 32 characters", 404)
    found = reading.read(reading.requests_queryset(district).filter(number=request_id))
    if not found:
        raise bad("service_request_id", f"no service request {request_id!r}", 404)
    return found[0]


@endpoint("GET")
def token(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """The service request a token (given when it was posted) stands for."""
    params = Params(request)
    client_of(request, params, required=False)
    district = jurisdiction(params)
    qs = Case.objects.filter(channel__code=reading.CHANNEL, external_id=token[:64])
    if district is not None:
        qs = qs.filter(district=district)
    number = qs.values_list("number", flat=True).first() if len(token) <= 64 else None
    if number is None:
        try:
            ratelimits.hit(
                request,
                "unknown Open311 tokens from one address",
                ratelimits.client_address(request),
                settings.CITYLOOP_RATELIMIT_TRACK_MISSES,
            )
        except ratelimits.RateLimited as exc:
            raise Open311Error(429, f"token: {exc}", retry_after=exc.retry_after) from None
        raise bad("token", "no service request has this token", 404)
    return render(fmt, [{"service_request_id": number, "token": token}], "service_requests")


@endpoint("GET")
def request_updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """The updates extension: changes of state of every request in a period (at most 90 days)."""
    params = Params(request)
    client_of(request, params, required=False)
    district = jurisdiction(params)
    start, end = reading.default_window(params.datetime("start_date"), params.datetime("end_date"))
    if end < start:
        raise bad("end_date", "comes before start_date")
    if (end - start).days > 90:
        raise bad("end_date", "a search spans at most 90 days from start_date")
    page = params.integer("page", 1, 1, MAX_PAGE)
    size = params.integer("page_size", MAX_PAGE_SIZE, 1, MAX_PAGE_SIZE)
    rows = reading.updates(district, start, end, (page - 1) * size, size)
    return render(fmt, rows, "service_request_updates")


def root(request: HttpRequest) -> HttpResponse:
    """``/open311/v2/``: where discovery is."""
    return not_found(request, "")


@csrf_exempt
def not_found(request: HttpRequest, rest: str) -> HttpResponse:
    """Any other address under ``/open311/v2/``: a 404 in GeoReport's error format."""
    calls = "discovery, services, services/{code}, requests, requests/{id}, tokens/{token}"
    error = Open311Error(404, f"path: no such call; use {calls}, ending in .json or .xml")
    return render_error(format_of(request.path), error)


def _refusal(exc: ValidationError) -> Open311Error:
    """An engine refusal as a 400 naming the GeoReport parameter it concerns."""
    names = {"location": "lat", "crs": "lat", "description": "description", "code": "service_code"}
    details = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    field, messages = next(iter(details.items()))
    return bad(names.get(field, field or "request"), "; ".join(messages))
