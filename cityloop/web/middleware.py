"""The console's answer to a rate limit raised anywhere in a page (``core.ratelimits``): its 429 page
with ``Retry-After``. (The API answers the same in JSON, see ``api.errors``.)"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
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


# Where a user with a temporary password may still go: the page to change it, signing out, the
# language switch, and what those pages load.
# Paths that never need the change first. They are tested before the user is read, so that a map
# tile, a static file or a public page does not touch the session (no Vary: Cookie on them).
_OPEN_WHILE_TEMPORARY = (
    "/account/password/",
    "/logout/",
    "/i18n/",
    "/static/",
    "/healthz",
    "/tiles/",
    "/public/",
    "/api/",
)


class PasswordChangeRequiredMiddleware:
    """Sends a user holding a temporary password (``User.must_change_password``: after an
    administrator's reset or a roster import) to the page that changes it, from every console page,
    until they have. The API answers such a user 403 itself (``api.auth``), naming the reason."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(_OPEN_WHILE_TEMPORARY):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            return redirect_to_login(request.get_full_path(), "/account/password/", "next")
        return self.get_response(request)
