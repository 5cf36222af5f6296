"""API authentication: ``Authorization: Bearer <token>`` or the console's session (with CSRF)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from cityloop.core import ratelimits
from cityloop.core.tokens import token_for

from .errors import ApiError

PASSWORD_CHANGE_REQUIRED = (
    "this account has a temporary password: sign in to the console and choose a new one before using the API"
)


def refuse_temporary_password(user: Any) -> None:
    """An account given a temporary password (a reset, a roster import) may not use the API until
    its user has chosen their own: a 403 that names the reason."""
    if getattr(user, "must_change_password", False):
        raise ApiError(403, PASSWORD_CHANGE_REQUIRED, reason="must_change_password")


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_for(token)
        if found is None:
            return None
        # Each token is held to its own limit, or the default (a 429 with Retry-After over it).
        rate = found.rate_limit or settings.CITYLOOP_RATELIMIT_TOKEN
        ratelimits.hit(request, "requests with one API token", str(found.pk), rate)
        refuse_temporary_password(found.user)
        request.user = found.user
        return found.user


class ConsoleSession(APIKeyCookie):
    """The console's signed-in session, for the browser calling the API.

    The CSRF check guards what a session cookie would let a forged request do, so it applies only
    when the request carries a signed-in session. A request without one (a citizen's app, a client
    with a bad token) is not refused for CSRF: it goes on to the next method, and ends as a 401 or,
    where the public may call, as anonymous. (ninja's ``SessionAuth`` checks CSRF first, so every
    request without credentials got a 403 "CSRF check Failed".)"""

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key or not request.user.is_authenticated:
            return None
        if not getattr(request, "_ninja_csrf_exempt", False) and check_csrf(request) is not None:
            raise HttpError(
                403, "CSRF check failed: send the csrftoken cookie's value in the X-CSRFToken header"
            )
        refuse_temporary_password(request.user)
        return request.user


bearer = BearerToken()
session = ConsoleSession()
AUTH = [bearer, session]


def anonymous(request: HttpRequest) -> Any:
    """For endpoints the public may call: lets a request without credentials through as anonymous,
    but never one with a bad token (that is still a 401)."""
    if request.headers.get("Authorization"):
        return None
    return "anonymous"


PUBLIC_OR_AUTH = [bearer, session, anonymous]
