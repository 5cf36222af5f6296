"""The console's answer to a rate limit raised anywhere in a page (``core.ratelimits``): its 429 page
with ``Retry-After``. (The API answers the same in JSON, see ``api.errors``.)"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from cityloop.core.ratelimits import RateLimited

from .views import too_many


class RateLimitedMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RateLimited):
            return too_many(request, _("Too many requests from here just now."), exception.retry_after)
        return None
