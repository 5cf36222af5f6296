"""Rate limits with 429 and Retry-After (core.ratelimits) and the console's login lockout
(django-axes): anonymous reports per address and per phone, API tokens, wrong logins."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client

from cityloop.cases.models import Case
from cityloop.core import ratelimits
from cityloop.core.actions import create_api_token
from cityloop.core.models import ApiToken, RateCounter, User

from .conftest import POINT_A

pytestmark = pytest.mark.django_db


def _anonymous_report(client: Client, phone: str, n: int, **meta: Any) -> Any:
    body = {"channel": "citizen_app", "description": f"路灯不亮 {n}", "lon": POINT_A[0], "lat": POINT_A[1]}
    return client.post(
        "/api/v1/reports", {**body, "reporter_phone": phone}, content_type="application/json", **meta
    )


def test_anonymous_reports_from_one_address_are_limited(loop: Any, settings: Any) -> None:
    settings.CITYLOOP_RATELIMIT_REPORTS_PER_ADDRESS = "5/m"
    client = Client()
    answers = [_anonymous_report(client, f"1390000{n:04d}", n).status_code for n in range(8)]
    assert answers == [201] * 5 + [429] * 3
    refused = _anonymous_report(client, "13900009999", 99)
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60
    assert refused.json()["retry_after"] == int(refused["Retry-After"])
    # Another address is counted apart.
    assert _anonymous_report(client, "13900008888", 100, REMOTE_ADDR="10.0.0.9").status_code == 201
    assert Case.objects.count() == 6


def test_anonymous_reports_for_one_phone_are_limited_whatever_the_spacing(loop: Any, settings: Any) -> None:
    settings.CITYLOOP_RATELIMIT_REPORTS_PER_PHONE = "2/h"
    client = Client()
    assert _anonymous_report(client, "13900000001", 1).status_code == 201
    assert _anonymous_report(client, "139 0000 0001", 2, REMOTE_ADDR="10.0.0.2").status_code == 201
    third = _anonymous_report(client, "139-0000-0001", 3, REMOTE_ADDR="10.0.0.3")
    assert third.status_code == 429 and int(third["Retry-After"]) > 60


def test_the_client_address_comes_from_the_proxys_header_only_when_configured(rf: Any, settings: Any) -> None:
    request = rf.get("/", REMOTE_ADDR="10.1.1.1", HTTP_X_REAL_IP="203.0.113.7")
    assert ratelimits.client_address(request) == "10.1.1.1"
    settings.CITYLOOP_CLIENT_ADDRESS_HEADER = "HTTP_X_REAL_IP"
    assert ratelimits.client_address(request) == "203.0.113.7"


def test_api_tokens_are_limited_each_by_its_own_rate_or_the_default(
    loop: Any, actor: User, settings: Any
) -> None:
    settings.CITYLOOP_RATELIMIT_TOKEN = "3/m"
    _, default_raw = create_api_token(actor=actor, user=loop.users["operator"], name="app")
    busy, busy_raw = create_api_token(actor=actor, user=loop.users["operator"], name="12345 platform")
    ApiToken.objects.filter(pk=busy.pk).update(rate_limit="none")
    client = Client()
    statuses = [
        client.get("/api/v1/org/me", HTTP_AUTHORIZATION=f"Bearer {default_raw}").status_code for _ in range(5)
    ]
    assert statuses == [200, 200, 200, 429, 429]
    assert all(
        client.get("/api/v1/org/me", HTTP_AUTHORIZATION=f"Bearer {busy_raw}").status_code == 200
        for _ in range(6)
    )


def test_a_rate_must_read_as_one(settings: Any) -> None:
    assert ratelimits.check_rate("30/m") == "30/m" and ratelimits.check_rate("") is None
    with pytest.raises(ValueError, match="30/m"):
        ratelimits.check_rate("thirty a minute")


def test_repeated_wrong_logins_lock_that_user_name_from_that_address(loop: Any, settings: Any) -> None:
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    user = loop.users["operator"]
    user.set_password("right-password-1")
    user.save()
    client = Client()
    for _ in range(3):
        wrong = client.post("/login/", {"username": user.username, "password": "wrong"})
        assert wrong.status_code in (200, 429)
    locked = client.post("/login/", {"username": user.username, "password": "right-password-1"})
    assert locked.status_code == 429 and int(locked["Retry-After"]) > 0
    assert "登录失败次数过多" in locked.content.decode()
    # The same user from another address is not locked out.
    elsewhere = Client(REMOTE_ADDR="10.9.9.9")
    assert (
        elsewhere.post("/login/", {"username": user.username, "password": "right-password-1"}).status_code
        == 302
    )


def test_a_login_from_no_address_or_a_forged_proxy_header_is_guarded_not_a_500(
    loop: Any, settings: Any
) -> None:
    """The lockout stores the address in an IP column (PostgreSQL's inet): a request without
    REMOTE_ADDR (a Unix socket) or a proxy header holding a word must still sign in or fail cleanly."""
    settings.AXES_ENABLED = True
    settings.CITYLOOP_CLIENT_ADDRESS_HEADER = "HTTP_X_REAL_IP"
    user = loop.users["operator"]
    user.set_password("right-password-1")
    user.save()
    forged = Client(HTTP_X_REAL_IP="unknown")
    assert forged.post("/login/", {"username": user.username, "password": "wrong"}).status_code == 200
    assert (
        forged.post("/login/", {"username": user.username, "password": "right-password-1"}).status_code == 302
    )
    nowhere = Client(REMOTE_ADDR="")
    assert nowhere.post("/login/", {"username": user.username, "password": "wrong"}).status_code == 200
    nowhere.force_login(user)  # the lockout's own signal on a request with no address at all
    assert nowhere.get("/").status_code in (200, 302)


def test_guessing_tracking_codes_is_stopped_in_the_console_and_the_api(loop: Any, settings: Any) -> None:
    settings.CITYLOOP_RATELIMIT_TRACK_MISSES = "3/h"
    client = Client()
    answers = [client.get(f"/public/track/ZZZZZZZ{n}/").status_code for n in range(2)]
    answers += [client.get(f"/api/v1/track/ZZZZZZY{n}").status_code for n in range(2)]
    assert answers == [404, 404, 404, 429]
    page = client.get("/public/track/", {"code": "ZZZZZZZX"})
    assert page.status_code == 429 and int(page["Retry-After"]) > 0 and "请" in page.content.decode()


def test_counters_keep_no_sender_in_clear_and_past_windows_are_forgotten(
    loop: Any, settings: Any, rf: Any
) -> None:
    settings.CITYLOOP_RATELIMIT_REPORTS_PER_PHONE = "2/h"
    request = rf.post("/", REMOTE_ADDR="10.9.9.9")
    ratelimits.limit_anonymous_report(request, "139 1234 5678")
    stored = list(RateCounter.objects.values_list("key", "count"))
    assert len(stored) == 2 and all(count == 1 for _, count in stored)
    assert not any("10.9.9.9" in key or "13912345678" in key for key, _ in stored)
    now = time.time()
    assert ratelimits.forget_past_windows(now) == 0
    assert ratelimits.forget_past_windows(now + 3 * 86400) == 2
    assert not RateCounter.objects.exists()


def test_a_window_of_several_units() -> None:
    assert ratelimits.parse_rate("100/10m") == (100, 600)
    assert ratelimits.parse_rate("5/h") == (5, 3600)
