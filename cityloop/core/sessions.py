"""Which console sessions each user holds, so that deactivating a user ends them at once.

Every sign-in records its session key (``user_logged_in``); a sign-out forgets it. Ending a user's
sessions deletes each recorded session through the configured session engine, so it works the same
for database, cache or file sessions, without decoding every stored session to find the user's.
(Django's own backend also refuses an inactive user on the next request; the deletion makes the
sign-out immediate and leaves no session data behind.)
"""

from __future__ import annotations

import datetime as dt
from importlib import import_module
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from .models import User, UserSession


def _store(session_key: str) -> Any:
    engine = import_module(settings.SESSION_ENGINE)
    return engine.SessionStore(session_key=session_key)


def remember(request: HttpRequest, user: User, replacing: str | None = None) -> None:
    """Record the request's session as one of ``user``'s (on sign-in, and after its key changes:
    ``replacing`` is the key it had)."""
    if replacing:
        UserSession.objects.filter(session_key=replacing).delete()
    session = getattr(request, "session", None)
    key = getattr(session, "session_key", None)
    if session is None or not isinstance(user, User) or user.pk is None:
        return
    if not key:
        session.save()
        key = session.session_key
    if key:
        UserSession.objects.update_or_create(session_key=key, defaults={"user": user})
        # Forget this user's sign-ins long past any session's age (a session expires without telling
        # us); should one still live, Django's backend refuses it anyway once the user is inactive.
        stale = timezone.now() - dt.timedelta(seconds=2 * settings.SESSION_COOKIE_AGE)
        UserSession.objects.filter(user=user, created_at__lt=stale).delete()


def on_logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None:
        remember(request, user)


def on_logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


def end_sessions(user: User) -> int:
    """Delete every recorded session of ``user``; returns how many were ended."""
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        _store(key).delete(key)
    UserSession.objects.filter(user=user).delete()
    return len(keys)
