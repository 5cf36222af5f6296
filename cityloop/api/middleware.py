"""Refuse, before any view runs, what no view could store: a body over the size limit (413) and a
NUL character in the address, a query or form value (PostgreSQL cannot hold one; SQLite would).

The API answers in its JSON error shape, naming the field; the console with a short page in the
user's language. API answers that say nothing of caching are marked ``private, no-store``: they
carry cases, contacts and temporary passwords that no proxy or browser cache may keep."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cityloop.cases.uploads import max_upload_bytes

from .errors import too_big_message

API_PREFIX = "/api/"
API_CACHE_CONTROL = "private, no-store"


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _body_limit(request: HttpRequest) -> int:
    """Bytes an API request body may have: JSON within Django's limit, plus the one file of an
    upload (``POST /attachments``)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    if request.content_type == "multipart/form-data":
        limit += max_upload_bytes()
    return limit


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def nul_field(request: HttpRequest) -> str | None:
    """The first place that holds a NUL character, or None. (Django's form fields refuse one too,
    but not every console page reads its values through a form.)"""
    if "\x00" in request.path_info:
        return "path"
    sources = [request.GET]
    if request.method == "POST" and request.content_type in FORM_TYPES:
        sources.append(request.POST)
    for source in sources:
        for key, values in source.lists():
            if "\x00" in key:
                return "parameter name"
            if any("\x00" in value for value in values):
                return key
    return None


class RequestGuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        api = _is_api(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if api and length > _body_limit(request):
            return self._too_big()
        try:
            field = nul_field(request)
        except (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent):
            if api:
                return self._too_big()
            raise
        except MultiPartParserError as exc:
            if api:
                return JsonResponse(
                    {"detail": f"body: not a readable form ({exc})", "field": "body"}, status=400
                )
            raise
        if field is not None:
            return self._nul(api, field)
        response = self.get_response(request)
        if api and "Cache-Control" not in response:
            response["Cache-Control"] = API_CACHE_CONTROL
        return response

    def _too_big(self) -> HttpResponse:
        return JsonResponse({"detail": too_big_message(), "field": "body"}, status=413)

    def _nul(self, api: bool, field: str) -> HttpResponse:
        if api:
            message = "contains a NUL character (\\u0000); remove it"
            return JsonResponse(
                {"detail": f"{field}: {message}", "errors": [{"field": field, "message": message}]},
                status=422,
            )
        text = _("The field %(field)s contains a NUL character; remove it and send the form again.") % {
            "field": field
        }
        lang = get_language() or settings.LANGUAGE_CODE
        page = f'<!doctype html><html lang="{lang}"><meta charset="utf-8"><p>{escape(text)}</p></html>'
        return HttpResponse(page, status=400)
