"""Bearer tokens and roles are read afresh on every request (cityloop.core.tokens, core.memberships):
a revoked token, a deactivated user or an ended role is refused by every process on the next request."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cityloop.core import tokens
from cityloop.core.actions import create_api_token, grant_role, revoke_api_token, revoke_role
from cityloop.core.models import ApiToken, AuditEntry, Role, User

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def issued(db: Any, actor: User) -> tuple[User, ApiToken, str]:
    user = User.objects.create_user("hotline_gateway", password="x-long-password")
    token, raw = create_api_token(actor=actor, user=user, name="12345 platform")
    return user, token, raw


def test_a_token_and_its_user_are_read_in_one_query(issued: Any) -> None:
    user, _, raw = issued
    tokens.user_for_token(raw)  # the first use writes last_used_at
    with CaptureQueriesContext(connection) as asked:
        assert tokens.user_for_token(raw).pk == user.pk  # type: ignore[union-attr]
    assert len(asked.captured_queries) == 1


def test_revoked_is_refused_on_the_next_request(client: Any, issued: Any, actor: User) -> None:
    _, token, raw = issued
    headers = {"Authorization": f"Bearer {raw}"}
    assert client.get("/api/v1/org/me", headers=headers).json()["username"] == "hotline_gateway"
    revoke_api_token(actor=actor, token=token)
    assert client.get("/api/v1/org/me", headers=headers).status_code == 401


def test_a_deactivated_user_is_refused_even_without_a_signal(issued: Any) -> None:
    user, _, raw = issued
    assert tokens.user_for_token(raw) is not None
    User.objects.filter(pk=user.pk).update(is_active=False)  # no save signal, as from another process
    assert tokens.user_for_token(raw) is None


def test_wrong_tokens_find_nobody(db: Any) -> None:
    assert tokens.user_for_token(tokens.TOKEN_PREFIX + "not-a-token") is None
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


# --- another process ---------------------------------------------------------------------------

# A second server process: answers "<path> <token>" lines with the status and JSON body of a GET.
_SERVER = """
import json, os, sys
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="localhost")
for line in sys.stdin:
    path, token = line.split()
    response = client.get(path, HTTP_AUTHORIZATION="Bearer " + token)
    print(json.dumps([response.status_code, response.json()]), flush=True)
"""


def _database_url() -> str | None:
    """The test database as a URL another process can open, or None (SQLite in memory)."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("postgresql"):
        host, port, user = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432, db.get("USER") or ""
        return f"postgres://{user}@{host}:{port}/{db['NAME']}"
    name = str(db["NAME"])
    if name == ":memory:" or "mode=memory" in name or name.startswith("file:"):
        return None
    return f"sqlite:///{name}"


class OtherProcess:
    """A server process of its own on the same database."""

    def __init__(self, url: str) -> None:
        env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "cityloop.settings"}
        self.process = subprocess.Popen(
            [sys.executable, "-c", _SERVER],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def get(self, path: str, token: str) -> tuple[int, Any]:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(f"{path} {token}\n")
        self.process.stdin.flush()
        status, body = json.loads(self.process.stdout.readline())
        return int(status), body

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture
def other_process(transactional_db: Any) -> Iterator[OtherProcess]:
    url = _database_url()
    if url is None:
        pytest.skip("the SQLite test database lives in memory; set CITYLOOP_TEST_SQLITE=FILE (CI does)")
    other = OtherProcess(url)
    yield other
    other.close()


def test_a_token_revoked_here_is_refused_by_another_process_on_its_next_request(
    other_process: OtherProcess, actor: User
) -> None:
    user = User.objects.create_user("hotline_gateway", password="x-long-password")
    token, raw = create_api_token(actor=actor, user=user, name="12345 platform")
    status, me = other_process.get("/api/v1/org/me", raw)
    assert status == 200 and me["username"] == "hotline_gateway"
    revoke_api_token(actor=actor, token=token)
    assert other_process.get("/api/v1/org/me", raw)[0] == 401


def test_a_role_ended_here_is_gone_in_another_process_on_its_next_request(
    other_process: OtherProcess, org: Any, actor: User
) -> None:
    user = User.objects.create_user("street_clerk", password="x-long-password")
    _, raw = create_api_token(actor=actor, user=user)
    membership = grant_role(actor=actor, user=user, unit=org.street_a, role=Role.UNIT_MANAGER)
    status, page = other_process.get("/api/v1/org/units", raw)
    assert status == 200 and org.street_a.code in {u["code"] for u in page["items"]}
    revoke_role(actor=actor, membership=membership)
    status, page = other_process.get("/api/v1/org/units", raw)
    assert status == 200 and page["items"] == []
    User.objects.filter(pk=user.pk).update(is_active=False)
    assert other_process.get("/api/v1/org/units", raw)[0] == 401


# --- cityloop token revoke ----------------------------------------------------------------------


def _revoke(*args: str) -> str:
    out = io.StringIO()
    call_command("token", "revoke", *args, stdout=out)
    return out.getvalue()


def _live(token: ApiToken) -> bool:
    return ApiToken.objects.get(pk=token.pk).revoked_at is None


@pytest.mark.parametrize("length", [10, 11, 20, 45, 46])
def test_revoke_takes_the_whole_token_or_any_prefix(issued: Any, actor: User, length: int) -> None:
    user, token, raw = issued
    _, other = create_api_token(actor=actor, user=user, name="other")
    assert len(raw) == tokens.FULL_LENGTH == 46
    assert "revoked" in _revoke(raw[:length])
    assert not _live(token)
    assert tokens.user_for_token(raw) is None
    assert tokens.user_for_token(other) is not None  # the other token lives on
    entry = AuditEntry.objects.filter(action="token.revoke").get()
    assert entry.object_id == str(token.pk)


def test_a_whole_token_mistyped_revokes_nothing(issued: Any) -> None:
    _, token, raw = issued
    wrong = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    with pytest.raises(CommandError, match="no active token"):
        _revoke(wrong)
    assert _live(token)


def test_an_ambiguous_prefix_is_refused_with_the_list_unless_all(issued: Any, actor: User) -> None:
    user, token, raw = issued
    twin, twin_raw = create_api_token(actor=actor, user=user, name="twin")
    ApiToken.objects.filter(pk=twin.pk).update(prefix=token.prefix)  # the same clear prefix
    for given in ("cl_", token.prefix, raw[:15]):
        with pytest.raises(CommandError, match="2 active tokens") as refused:
            _revoke(given)
        assert "12345 platform" in str(refused.value) and "twin" in str(refused.value)
        assert "--all" in str(refused.value)
        assert ("whole token" in str(refused.value)) == (len(given) >= 10)
    assert _live(token) and _live(twin)
    assert not AuditEntry.objects.filter(action="token.revoke").exists()
    # The whole token is never ambiguous: its hash names one.
    _revoke(twin_raw)
    assert _live(token) and not _live(twin)
    ApiToken.objects.filter(pk=twin.pk).update(revoked_at=None)
    out = _revoke(token.prefix, "--all")
    assert out.count("revoked") == 2
    assert not _live(token) and not _live(twin)
    assert AuditEntry.objects.filter(action="token.revoke").count() == 3


def test_revoked_tokens_are_not_matched_again(issued: Any) -> None:
    _, token, raw = issued
    _revoke(raw)
    with pytest.raises(CommandError, match="no active token"):
        _revoke(token.prefix)
