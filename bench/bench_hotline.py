"""Hotline work orders in: signed POSTs to /hotline/v1/<platform>/messages on a live gunicorn.

Issue 22 asks for at least 200 work orders a second with p99 under 100 ms on loopback. Each order is
checked (signature, replay, fields), becomes a case through the normal intake, gets its ticket and
queues its receipt (签收) for the worker, as in production: the server is gunicorn as
``cityloop.gunicorn_conf`` sets it up (2 workers) with ``cityloop worker`` beside it, as in
``bench_cases``. The plain report intake (``POST /api/v1/reports``, ``bench_cases.http_intake``) runs
in the same run as the baseline: a work order should cost about one report plus a few rows, and the
CPU per order over the CPU per report says how close it is.
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
from bench.bench_cases import (
    CLIENTS,
    CPU_ACCOUNTS,
    _cpu,
    _drive,
    _free_port,
    _points,
    _server_shape,
    _wait_up,
    _worker,
    ensure_demo_city,
    http_intake,
)

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


def work_orders(count: int) -> tuple[list[bench.Result], float]:
    """``count`` work orders from ``CLIENTS`` connections at once; the figures and the server's
    CPU per order (ms)."""
    from django.conf import settings

    from cityloop.core.audit import system_actor
    from cityloop.core.models import Unit
    from cityloop.hotline.models import Platform
    from cityloop.hotline.platforms import create_platform

    platform = Platform.objects.filter(code="bench").first() or create_platform(
        actor=system_actor(),
        code="bench",
        name="基准12345",
        # Nothing listens there: the worker's deliveries of the receipts fail fast and wait to retry.
        callback_url="http://127.0.0.1:9/unused",
        unit=Unit.objects.filter(parent__isnull=True).order_by("path").first(),  # type: ignore[arg-type]
    )
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
        cpu_before = _cpu(server.pid)
        started = time.perf_counter()
        latencies, failures = _drive(port, requests, CLIENTS)
        wall = time.perf_counter() - started
        cpu_used = [after - before for before, after in zip(cpu_before, _cpu(server.pid), strict=True)]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    rate = len(latencies) / wall
    p50, p99 = bench.percentile(latencies, 50), bench.percentile(latencies, 99)
    results = [
        bench.Result(
            f"hotline work orders in, 2 gunicorn workers{_server_shape()}, {CLIENTS} clients "
            f"({len(latencies)}, {len(failures)} failed)",
            rate,
            "orders/s",
            f"≥ {TARGET_RATE:.0f}",
            rate >= TARGET_RATE and not failures,
        ),
        bench.Result("hotline work order p50", p50, "ms"),
        bench.Result("hotline work order p99", p99, "ms", f"< {TARGET_P99_MS:.0f}", p99 < TARGET_P99_MS),
        *[
            bench.Result(f"  CPU per order: {who}", seconds / len(latencies) * 1000, "ms")
            for who, seconds in zip(CPU_ACCOUNTS, cpu_used, strict=True)
            if seconds == seconds  # nan where /proc could not tell
        ],
    ]
    if failures:
        results.append(bench.Result(f"  refused: {json.dumps(failures[:3])}", len(failures), "", "0", False))
    return results, cpu_used[0] / max(len(latencies), 1) * 1000


def run() -> list[bench.Result]:
    ensure_demo_city()
    count = _size()
    worker = _worker()
    try:
        orders, order_cpu = work_orders(count)
        reports = http_intake(count)
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
    report_cpu = next((r.value for r in reports if r.name.startswith("  CPU per report: server")), None)
    rate = next(r.value for r in reports if r.unit == "reports/s")
    baseline = [
        bench.Result("baseline in the same run: " + r.name.strip(), r.value, r.unit)
        for r in reports
        if r.unit in ("reports/s", "ms") or "machine speed" in r.name
    ]
    ratios = [bench.Result("  work orders/s over reports/s", orders[0].value / rate, "")]
    if report_cpu:
        ratios.append(bench.Result("  server CPU per work order over per report", order_cpu / report_cpu, ""))
    return [*orders, *baseline, *ratios]
