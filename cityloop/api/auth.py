"""API authentication: ``Authorization: Bearer <token>`` or the console's session (with CSRF)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from cityloop.core.tokens import user_for_token


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = user_for_token(token)
        if user is not None:
            request.user = user
        return user


bearer = BearerToken()
session = SessionAuth()
AUTH = [bearer, session]


def anonymous(request: HttpRequest) -> Any:
    """For endpoints the public may call: lets a request without credentials through as anonymous,
    but never one with a bad token (that is still a 401)."""
    if request.headers.get("Authorization"):
        return None
    return "anonymous"


PUBLIC_OR_AUTH = [bearer, session, anonymous]
