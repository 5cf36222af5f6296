"""A small city (tests/cases) with a hotline platform, and a signed client for its messages."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from cityloop.core.models import User
from cityloop.hotline.models import Platform
from cityloop.hotline.platforms import create_platform, forget_roles
from cityloop.notify.signing import sign_headers
from tests.cases.conftest import POINT_A, Loop, english_messages, loop  # noqa: F401 (fixtures)


@pytest.fixture
def platform(loop: Loop, actor: User) -> Platform:  # noqa: F811
    forget_roles()
    return create_platform(
        actor=actor,
        code="sz12345",
        name="市12345平台",
        callback_url="http://127.0.0.1:9/none",
        unit=loop.org.city,
    )


def signed(
    platform: Platform, body: dict[str, Any], *, at: dt.datetime | None = None, msg_id: str = ""
) -> dict[str, str]:
    raw = json.dumps(body, ensure_ascii=False).encode()
    headers = sign_headers(
        [platform.secret], msg_id or f"m{abs(hash(raw))}", at or dt.datetime.now(tz=dt.UTC), raw
    )
    return {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}


def post(platform: Platform, body: dict[str, Any], **kw: Any) -> Any:
    raw = json.dumps(body, ensure_ascii=False).encode()
    headers = kw.pop("headers", None) or signed(platform, body, **kw)
    return Client().post(
        f"/hotline/v1/{platform.code}/messages", data=raw, content_type="application/json", **headers
    )


def order(ticket: str = "T1", **extra: Any) -> dict[str, Any]:
    return {
        "type": "work_order",
        "ticket_id": ticket,
        "channel": "12345",
        "appeal_nature": 2,
        "caller": {"name": "王女士", "phone": "13912345678"},
        "text": "小区门口垃圾堆积三天无人清理",
        "address": "东一路12号",
        "location": {"lon": POINT_A[0], "lat": POINT_A[1], "crs": "wgs84"},
        "category": "0102",
        "deadline": "2026-12-10T17:30:00+08:00",
        "attachments": ["https://hotline.example.cn/files/1.jpg"],
        **extra,
    }
