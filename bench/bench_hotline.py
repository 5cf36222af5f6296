"""Hotline work orders in: signed POSTs to /hotline/v1/<platform>/messages on a live gunicorn.

Issue 22 asks for at least 200 work orders a second with p99 under 100 ms on loopback. Each order is
checked (signature, replay, fields), becomes a case through the normal intake, gets its ticket and
queues its receipt (签收) for the worker, as in production: the server is gunicorn as
``cityloop.gunicorn_conf`` sets it up (2 workers) with ``cityloop worker`` beside it, as in
``bench_cases``, delivering the receipts to a hotline that is up (``bench.hotline_receiver``, which
checks their signatures and order); the worker's CPU is printed beside the server's. The plain
report intake (``POST /api/v1/reports``, as ``bench_cases`` measures it) runs through the same
server in alternating rounds as the baseline: a work order should cost about one report plus a few
rows, and the CPU per order over the CPU per report says how close it is.
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
from dataclasses import dataclass, field
from pathlib import Path

import bench
from bench.bench_cases import (
    CLIENTS,
    CPU_ACCOUNTS,
    _cpu,
    _drive,
    _free_port,
    _points,
    _post,
    _server,
    _server_shape,
    _wait_up,
    _worker,
    ensure_demo_city,
)

TARGET_RATE = 200.0
TARGET_P99_MS = 100.0
ROUNDS = 5
# The baseline: the same complaint as a plain report through the API, with its ticket id.
REPORT = {
    "channel": "hotline_12345",
    "description": "基准测试：热线反映小区门口垃圾堆积",
    "address": "基准路1号",
    "appeal_nature": 2,
    "reporter_name": "张先生",
    "reporter_phone": "13800000000",
}


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


def _platform() -> tuple[str, str]:
    from cityloop.core.audit import system_actor
    from cityloop.core.models import Unit
    from cityloop.hotline.models import Platform
    from cityloop.hotline.platforms import create_platform

    platform = Platform.objects.filter(code="bench").first() or create_platform(
        actor=system_actor(),
        code="bench",
        name="基准12345",
        callback_url="http://127.0.0.1:9/unused",  # until its receiver is up: _receiver
        unit=Unit.objects.filter(parent__isnull=True).order_by("path").first(),  # type: ignore[arg-type]
    )
    return platform.code, platform.secret


def _receiver(code: str, secret: str) -> subprocess.Popen[str]:
    """The platform's receiving side in a process of its own, and the platform pointed at it."""
    from cityloop.core.audit import system_actor
    from cityloop.hotline.models import Platform
    from cityloop.hotline.platforms import change_platform

    receiver = subprocess.Popen(
        [sys.executable, "-m", "bench.hotline_receiver", secret],
        cwd=Path(__file__).resolve().parent.parent,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    url = (receiver.stdout.readline() if receiver.stdout else "").strip()
    if not url:
        raise RuntimeError("the bench's hotline receiver did not start")
    change_platform(actor=system_actor(), platform=Platform.objects.get(code=code), callback_url=url)
    return receiver


def _received(receiver: subprocess.Popen[str]) -> dict[str, int]:
    receiver.send_signal(signal.SIGTERM)
    out, _ = receiver.communicate(timeout=30)
    return dict(json.loads(out.strip().splitlines()[-1]))


def _token() -> str:
    from cityloop.core.actions import create_api_token
    from cityloop.core.audit import system_actor

    # Reports anywhere in the city, as the platform's account may. A load test is no abuse: the
    # bench's token has no rate limit.
    user = bench.anywhere_operator()
    return create_api_token(actor=system_actor(), user=user, name="bench-hotline", rate_limit="none")[1]


ACCOUNTS: tuple[str, ...] = (*CPU_ACCOUNTS, "worker (receipts to the hotline)")


@dataclass
class _Phase:
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    wall: float = 0.0
    cpu: list[float] = field(default_factory=lambda: [0.0] * len(ACCOUNTS))


def _cpu_all(server: int, worker: int) -> tuple[float, ...]:
    """CPU seconds so far: the intake's accounts (bench_cases) and the background worker's."""
    worker_cpu = bench.processes_cpu_seconds(lambda session, _command: session == worker)
    return (*_cpu(server), float("nan") if worker_cpu is None else worker_cpu)


def run() -> list[bench.Result]:
    """Work orders and, as the baseline, plain reports (``POST /api/v1/reports`` with a ticket id,
    as an integration sends them) through the same server, in alternating rounds: a shared
    machine's speed drifts over a run, and each kind sees the same drift."""

    ensure_demo_city()
    count = _size()
    code, secret = _platform()
    token = _token()
    points = _points(2 * count + 4 * CLIENTS, random.Random(22))
    port = _free_port()
    tag = f"{time.time():.0f}"

    def order(n: int, lon: float, lat: float, prefix: str = "B") -> bytes:
        body = _order(f"{prefix}{tag}-{n}", lon, lat)
        return _request(port, code, secret, body, f"{prefix.lower()}{tag}-{n}")

    def report(n: int, lon: float, lat: float, prefix: str = "B") -> bytes:
        body = {**REPORT, "lon": lon, "lat": lat, "external_id": f"R{prefix}{tag}-{n}"}
        return _post(port, "/api/v1/reports", token, body)

    kinds = {"work orders": order, "reports": report}
    phases = {name: _Phase() for name in kinds}
    receiver = _receiver(code, secret)
    worker = _worker()
    server = _server(port)
    try:
        _wait_up(port, time.time() + 60)
        # A server in production is warm: both workers load both paths before the clock starts.
        for make in kinds.values():
            _drive(port, [make(n, *points[n][:2], "W") for n in range(2 * CLIENTS)], CLIENTS)
        batch = max(count // ROUNDS, 1)
        at = 2 * CLIENTS
        for _round in range(ROUNDS):
            for name, make in kinds.items():
                requests = [make(at + n, *points[at + n][:2]) for n in range(batch)]
                at += batch
                phase = phases[name]
                before = _cpu_all(server.pid, worker.pid)
                started = time.perf_counter()
                latencies, failures = _drive(port, requests, CLIENTS)
                phase.wall += time.perf_counter() - started
                phase.cpu = [
                    total + after - earlier
                    for total, earlier, after in zip(
                        phase.cpu, before, _cpu_all(server.pid, worker.pid), strict=True
                    )
                ]
                phase.latencies += latencies
                phase.failures += failures
        reference = bench.python_reference_seconds()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
        received = _received(receiver)
    results: list[bench.Result] = []
    for name, phase in phases.items():
        done = len(phase.latencies)
        rate = done / phase.wall
        p50, p99 = bench.percentile(phase.latencies, 50), bench.percentile(phase.latencies, 99)
        target = name == "work orders"
        results += [
            bench.Result(
                f"{'hotline work orders in' if target else 'baseline: HTTP report intake'}, 2 gunicorn "
                f"workers{_server_shape()}, {CLIENTS} clients ({done}, {len(phase.failures)} failed)",
                rate,
                f"{name.split()[-1]}/s",
                f"≥ {TARGET_RATE:.0f}" if target else "",
                rate >= TARGET_RATE and not phase.failures if target else None,
            ),
            bench.Result(f"  {name} p50", p50, "ms"),
            bench.Result(
                f"  {name} p99",
                p99,
                "ms",
                f"< {TARGET_P99_MS:.0f}" if target else "",
                p99 < TARGET_P99_MS if target else None,
            ),
            *[
                bench.Result(f"  CPU per {name[:-1]}: {who}", seconds / done * 1000, "ms")
                for who, seconds in zip(ACCOUNTS, phase.cpu, strict=True)
                if seconds == seconds  # nan where /proc could not tell
            ],
        ]
        if phase.failures:
            results.append(
                bench.Result(
                    f"  refused: {json.dumps(phase.failures[:3])}", len(phase.failures), "", "0", False
                )
            )
    orders, reports = phases["work orders"], phases["reports"]
    results += [
        bench.Result(
            "  work orders/s over reports/s",
            (len(orders.latencies) / orders.wall) / (len(reports.latencies) / reports.wall),
            "",
        ),
        bench.Result(
            "  server CPU per work order over per report",
            (orders.cpu[0] / len(orders.latencies)) / (reports.cpu[0] / len(reports.latencies)),
            "",
        ),
        bench.Result(
            f"  receipts the hotline received by the end (of {len(orders.latencies) + 2 * CLIENTS} "
            f"orders; duplicated {received['duplicated']}, out of order {received['out_of_order']})",
            received["received"],
            "",
            "",
            received["duplicated"] == 0 and received["out_of_order"] == 0 and not received["bad_signatures"],
        ),
        bench.Result("  machine speed: 10⁷ additions in pure Python", reference, "s"),
    ]
    return results
