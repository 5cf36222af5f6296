"""Bearer tokens kept per process for a few seconds (cityloop.core.tokens)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cityloop.core import memo, tokens
from cityloop.core.actions import create_api_token, revoke_api_token
from cityloop.core.memo import BriefCache
from cityloop.core.models import ApiToken, User

pytestmark = pytest.mark.django_db


@pytest.fixture
def issued(actor: User) -> tuple[User, ApiToken, str]:
    user = User.objects.create_user("hotline_gateway", password="x-long-password")
    token, raw = create_api_token(actor=actor, user=user, name="12345 platform")
    return user, token, raw


def later(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Move the caches' clock on by ``seconds``."""
    start = memo.time.monotonic()
    monkeypatch.setattr(memo.time, "monotonic", lambda: start + seconds)


def test_a_token_in_use_is_read_once_per_few_seconds(issued: Any) -> None:
    user, _, raw = issued
    with CaptureQueriesContext(connection) as first:
        assert tokens.user_for_token(raw).pk == user.pk  # type: ignore[union-attr]
    assert first.captured_queries  # the token, its user, and last_used_at
    with CaptureQueriesContext(connection) as again:
        assert tokens.user_for_token(raw).pk == user.pk  # type: ignore[union-attr]
    assert again.captured_queries == []


def test_each_request_gets_a_user_of_its_own(issued: Any) -> None:
    _, _, raw = issued
    one, two = tokens.user_for_token(raw), tokens.user_for_token(raw)
    assert one is not None and two is not None and one is not two
    one.first_name = "changed by one request"
    assert two.first_name == ""
    assert two.username == "hotline_gateway" and two._state.adding is False


def test_revoked_here_is_refused_at_once_through_the_api(client: Any, issued: Any, actor: User) -> None:
    _, token, raw = issued
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/org/me", headers=headers).json()["username"] == "hotline_gateway"
    revoke_api_token(actor=actor, token=token)
    assert client.get("/api/v1/org/me", headers=headers).status_code == 401


def test_a_user_deactivated_here_is_refused_at_once(issued: Any) -> None:
    user, _, raw = issued
    assert tokens.user_for_token(raw) is not None
    user.is_active = False
    user.save(update_fields=["is_active"])
    assert tokens.user_for_token(raw) is None


def test_revoked_elsewhere_is_refused_within_the_ttl(issued: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another process's revocation sends no signal here: the kept answer lasts its few seconds."""
    _, token, raw = issued
    assert tokens.user_for_token(raw) is not None
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())  # no signal, as elsewhere
    assert tokens.user_for_token(raw) is not None
    later(monkeypatch, tokens.TTL_SECONDS + 0.1)
    assert tokens.user_for_token(raw) is None


def test_wrong_tokens_are_never_kept(db: Any) -> None:
    made_up = tokens.TOKEN_PREFIX + "not-a-token"
    for _ in range(2):
        with CaptureQueriesContext(connection) as asked:
            assert tokens.user_for_token(made_up) is None
        assert len(asked.captured_queries) == 1
    assert tokens.TOKENS.peek(tokens.hash_token(made_up)) is None
    assert tokens.user_for_token("no-prefix") is None


def test_last_used_is_written_at_most_once_a_minute(issued: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    _, token, raw = issued
    tokens.user_for_token(raw)
    first = ApiToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    tokens.user_for_token(raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == first
    soon = first + dt.timedelta(minutes=2)
    monkeypatch.setattr(tokens.timezone, "now", lambda: soon)
    tokens.user_for_token(raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at == soon


def test_a_bounded_cache_starts_over_when_full() -> None:
    cache: BriefCache[int] = BriefCache("bounded", ttl=60, max_entries=2)
    cache.put("a", 1)
    cache.put("b", 2)
    cache.put("a", 10)  # a key already kept is replaced, not counted twice
    assert (cache.peek("a"), cache.peek("b")) == (10, 2)
    cache.put("c", 3)
    assert (cache.peek("a"), cache.peek("b"), cache.peek("c")) == (None, None, 3)
