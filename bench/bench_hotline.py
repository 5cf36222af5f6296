"""Hotline work orders in: signed POSTs to /hotline/v1/<platform>/messages on a live gunicorn.

Issue 22 asks for at least 200 work orders a second with p99 under 100 ms on loopback. Each order is
checked (signature, replay, fields), becomes a case through the normal intake, gets its ticket and
queues its receipt (签收) for the worker, as in production.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import bench
from bench.bench_cases import CLIENTS, _drive, _free_port, _points, _wait_up, ensure_demo_city

TARGET_RATE = 200.0
TARGET_P99_MS = 100.0


def _size() -> int:
    return 200 if os.environ.get("BENCH_QUICK") else 3000


def _request(port: int, code: str, secret: str, body: dict[str, object], msg_id: str) -> bytes:
    from cityloop.hotline.protocol import encode
    from cityloop.notify.signing import sign_headers

    payload = encode(body)
    signed = sign_headers([secret], msg_id, dt.datetime.now(tz=dt.UTC), payload)
    extra = "".join(f"{k}: {v}\r\n" for k, v in signed.items())
    head = (
        f"POST /hotline/v1/{code}/messages HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra}"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + payload


def _order(ticket: str, lon: float, lat: float) -> dict[str, object]:
    return {
        "type": "work_order",
        "ticket_id": ticket,
        "channel": "12345",
        "appeal_nature": 2,
        "caller": {"name": "张先生", "phone": "13800000000"},
        "text": "基准测试：热线反映小区门口垃圾堆积",
        "address": "基准路1号",
        "location": {"lon": lon, "lat": lat, "crs": "wgs84"},
        "deadline": "2026-12-31T17:30:00+08:00",
    }


def run() -> list[bench.Result]:
    from django.conf import settings

    from cityloop.core.audit import system_actor
    from cityloop.core.models import Unit
    from cityloop.hotline.models import Platform
    from cityloop.hotline.platforms import create_platform

    ensure_demo_city()
    platform = Platform.objects.filter(code="bench").first() or create_platform(
        actor=system_actor(),
        code="bench",
        name="基准12345",
        callback_url="http://127.0.0.1:9/unused",
        unit=Unit.objects.filter(parent__isnull=True).order_by("path").first(),  # type: ignore[arg-type]
    )
    count = _size()
    points = _points(count + 2 * CLIENTS, random.Random(22))
    port = _free_port()
    env = {**os.environ, "SECRET_KEY": settings.SECRET_KEY}
    root = Path(__file__).resolve().parent.parent
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:cityloop.gunicorn_conf",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=root,
        env=env,
        start_new_session=True,
    )
    tag = f"{time.time():.0f}"
    try:
        _wait_up(port, time.time() + 60)
        warm = [
            _request(port, platform.code, platform.secret, _order(f"W{tag}-{n}", lon, lat), f"w{tag}-{n}")
            for n, (lon, lat, _) in enumerate(points[: 2 * CLIENTS])
        ]
        _drive(port, warm, CLIENTS)
        requests = [
            _request(port, platform.code, platform.secret, _order(f"B{tag}-{n}", lon, lat), f"b{tag}-{n}")
            for n, (lon, lat, _) in enumerate(points[2 * CLIENTS :])
        ]
        started = time.perf_counter()
        latencies, failures = _drive(port, requests, CLIENTS)
        wall = time.perf_counter() - started
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    rate = len(latencies) / wall
    p50, p99 = bench.percentile(latencies, 50), bench.percentile(latencies, 99)
    results = [
        bench.Result(
            f"hotline work orders in ({len(latencies)}, {CLIENTS} clients)",
            rate,
            "orders/s",
            f"≥ {TARGET_RATE:.0f}",
            rate >= TARGET_RATE,
        ),
        bench.Result("hotline work order p50", p50, "ms"),
        bench.Result("hotline work order p99", p99, "ms", f"< {TARGET_P99_MS:.0f}", p99 < TARGET_P99_MS),
    ]
    if failures:
        results.append(bench.Result(f"  refused: {json.dumps(failures[:3])}", len(failures), "", "0", False))
    return results
