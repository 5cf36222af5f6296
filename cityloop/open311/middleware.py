"""Refuse under ``/open311/`` what the API's request guard refuses (a body over the size limit, a
NUL character in the address, the query or the form), but in GeoReport's error format; it runs
before that guard, which answers the console's pages in HTML."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError

from cityloop.api.middleware import nul_field

from .formats import Open311Error, format_of, render_error

PREFIX = "/open311/"


class Open311GuardMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path_info.startswith(PREFIX):
            return self.get_response(request)
        fmt = format_of(request.path_info)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        too_big = Open311Error(413, f"body: at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes")
        if length > (settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0):
            return render_error(fmt, too_big)
        try:
            field = nul_field(request)
        except (RequestDataTooBig, TooManyFieldsSent):
            return render_error(fmt, too_big)
        except (MultiPartParserError, UnicodeDecodeError) as exc:
            return render_error(fmt, Open311Error(400, f"body: not a readable form ({exc})"))
        if field is not None:
            return render_error(fmt, Open311Error(400, f"{field[:60]}: contains a NUL character; remove it"))
        return self.get_response(request)
