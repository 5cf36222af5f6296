"""Cases: full loops (report → close) through the actions, and report intake over HTTP (the production
server: gunicorn as ``cityloop.gunicorn_conf`` sets it up, with 2 workers), each also as a fraction
of the engine's raw limit measured in the same run (a report's rows written by one hand-written SQL
transaction each: ``bench.side_by_side.raw_sql``).

Runs in the demo city (built into the scratch database if it is not there). Quick mode
(``BENCH_QUICK=1``): 30 loops and 200 HTTP reports.
"""

from __future__ import annotations

import http.client
import json
import os
import random
import selectors
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import bench

TARGET_LOOPS_PER_S = 30  # on SQLite, with two processes looping at once (as two server workers)
TARGET_INTAKE_PER_S = 200
TARGET_INTAKE_P99_MS = 100
LOOP_PROCESSES = 2
# The raw limit's writers, as many as the server's database connections: 2 workers, each with one
# thread on SQLite and two on PostgreSQL (cityloop.gunicorn_conf). With fewer, PostgreSQL's limit is
# its commit flush per connection, below what the server itself reaches with its 4.
RAW_PROCESSES = {"sqlite": 2, "postgresql": 4}


def _sizes() -> tuple[int, int]:
    return (30, 200) if os.environ.get("BENCH_QUICK") else (400, 3000)


def ensure_demo_city() -> None:
    from cityloop.core.audit import system_actor
    from cityloop.demo.build import build_demo_city, demo_loaded

    if not demo_loaded():
        build_demo_city(1, actor=system_actor())


def _points(count: int, rng: random.Random) -> list[tuple[float, float, int]]:
    """Random points inside the grids: (lon, lat, community id)."""
    from bench.side_by_side import driver

    return driver._points(count, rng)


def full_loops(count: int, processes: int = 1) -> bench.Result:
    """``count`` full loops (report → close) through the actions, from ``processes`` at once."""
    from django.db import connection

    from bench.side_by_side import driver

    done = driver.loops(count, seed=5, processes=processes)
    rate = done["loops"] / done["wall_seconds"]
    name = f"full loops report→close through the actions, {processes} process" + "es" * (processes > 1)
    name += f" ({done['loops']}, CPU {done['cpu_seconds'] / done['loops'] * 1000:.1f} ms each)"
    if connection.vendor != "sqlite" or processes != LOOP_PROCESSES:  # the target: SQLite, 2 at once
        return bench.Result(name, rate, "cases/s")
    return bench.Result(name, rate, "cases/s", f"≥ {TARGET_LOOPS_PER_S}", rate >= TARGET_LOOPS_PER_S)


def raw_limit(count: int) -> float:
    """The engine's raw limit in reports/s: a report's rows by one hand-written SQL transaction
    each, from as many processes as the server has database connections."""
    from django.db import connection

    from bench.side_by_side import driver

    processes = RAW_PROCESSES[connection.vendor]
    done = driver.raw(count, processes, f"bench-raw-{time.time():.0f}", turns=False, ahead=True)
    return float(done["reports"] / done["wall_seconds"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_up(port: int, deadline: float) -> None:
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not come up")


CLIENTS = 8
WARM_UP = {
    "channel": "hotline_12345",
    "description": "预热",
    "reporter_phone": "13800000000",
}


def _post(port: int, path: str, token: str, body: dict[str, object]) -> bytes:
    """One HTTP/1.1 request, ready to send (the server closes the connection after answering)."""
    payload = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(payload)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + payload


def _drive(port: int, requests: list[bytes], clients: int) -> tuple[list[float], list[str]]:
    """Send the requests from ``clients`` concurrent connections, a new connection for each request
    (``Connection: close``, as a phone's report arrives); latency of each in ms and the status lines
    that were not 201. The load generator shares the machine's cores with the server, so it is as
    lean as it can be: non-blocking sockets on one selector, half the CPU per request of asyncio's
    streams (most of what is left is the kernel's work for each connection)."""
    latencies: list[float] = []
    failures: list[str] = []
    pending = list(reversed(requests))
    selector = selectors.DefaultSelector()

    def start() -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        sock.connect_ex(("127.0.0.1", port))  # in progress: writable once connected
        # What is left to send, when it started, the response's pieces.
        selector.register(sock, selectors.EVENT_WRITE, [pending.pop(), time.perf_counter(), []])

    def finish(sock: socket.socket, state: list[Any], failure: str | None) -> None:
        selector.unregister(sock)
        sock.close()
        latencies.append((time.perf_counter() - state[1]) * 1000)
        status = failure or b"".join(state[2]).split(b"\r\n", 1)[0].decode(errors="replace")
        if " 201 " not in f"{status} ":
            failures.append(status)
        if pending:
            start()

    for _ in range(min(clients, len(pending))):
        start()
    while selector.get_map():
        for key, _ in selector.select():
            sock, state = key.fileobj, key.data
            assert isinstance(sock, socket.socket)
            try:
                if state[0]:
                    state[0] = state[0][sock.send(state[0]) :]
                    if not state[0]:
                        selector.modify(sock, selectors.EVENT_READ, state)
                    continue
                chunk = sock.recv(65536)
            except OSError as exc:  # refused or reset: counted as a failure
                finish(sock, state, f"connection error: {exc}")
                continue
            if chunk:
                state[2].append(chunk)
            else:  # the server closed: the response is complete
                finish(sock, state, None)
    selector.close()
    return latencies, failures


def _server_shape() -> str:
    """The worker class and threads the server runs with: the production configuration, with
    ``GUNICORN_CMD_ARGS`` over it (for comparisons) as gunicorn itself applies it."""
    from gunicorn.config import Config

    from cityloop import gunicorn_conf

    cfg = Config()
    for name in ("worker_class", "threads"):
        cfg.set(name, getattr(gunicorn_conf, name))
    overrides = cfg.parser().parse_args(cfg.get_cmd_args_from_env())
    for name, value in vars(overrides).items():
        if value is not None and name != "args":
            cfg.set(name.lower(), value)
    threads = f"{cfg.threads} thread" + ("s" if cfg.threads != 1 else "")
    return f" ({cfg.worker_class_str}, {threads} each)"


def http_intake(count: int) -> list[bench.Result]:
    from cityloop.core.actions import create_api_token
    from cityloop.core.audit import system_actor

    # Points anywhere in the city: an operator of the city centre. A load test is no abuse: the
    # bench's token has no rate limit.
    _, token = create_api_token(
        actor=system_actor(), user=bench.anywhere_operator(), name="bench", rate_limit="none"
    )
    rng = random.Random(11)
    points = _points(count, rng)
    port = _free_port()
    server = _server(port)
    run_tag = f"{time.time():.0f}"
    requests = [
        _post(
            port,
            "/api/v1/reports",
            token,
            {
                "channel": "hotline_12345",
                "description": "基准测试：热线投诉噪音扰民",
                "lon": lon,
                "lat": lat,
                "reporter_phone": "13800000000",
                "external_id": f"bench-{run_tag}-{n}",
            },
        )
        for n, (lon, lat, _) in enumerate(points)
    ]
    try:
        _wait_up(port, time.time() + 60)
        # A server in production is warm: let both workers load the API before the clock starts.
        lon, lat, _ = points[0]
        warm = [
            _post(
                port,
                "/api/v1/reports",
                token,
                {**WARM_UP, "lon": lon, "lat": lat, "external_id": f"w{run_tag}-{n}"},
            )
            for n in range(2 * CLIENTS)
        ]
        _drive(port, warm, CLIENTS)
        reference = bench.python_reference_seconds()
        cpu_before = _cpu(server.pid)
        started = time.perf_counter()
        latencies, failures = _drive(port, requests, CLIENTS)
        wall = time.perf_counter() - started
        cpu_used = [after - before for before, after in zip(cpu_before, _cpu(server.pid), strict=True)]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    rate = len(latencies) / wall
    p50, p99, _ = bench.summary_ms(latencies)
    return [
        bench.Result(
            f"HTTP report intake, 2 gunicorn workers{_server_shape()}, {CLIENTS} clients "
            f"({len(latencies)}, {len(failures)} failed)",
            rate,
            "reports/s",
            f"≥ {TARGET_INTAKE_PER_S}",
            rate >= TARGET_INTAKE_PER_S and not failures,
        ),
        bench.Result("HTTP report intake p50", p50, "ms"),
        bench.Result(
            "HTTP report intake p99", p99, "ms", f"< {TARGET_INTAKE_P99_MS}", p99 < TARGET_INTAKE_P99_MS
        ),
        *[
            bench.Result(f"  CPU per report: {who}", seconds / len(latencies) * 1000, "ms")
            for who, seconds in zip(CPU_ACCOUNTS, cpu_used, strict=True)
            if seconds == seconds  # nan where /proc could not tell
        ],
        bench.Result("  machine speed: 10⁷ additions in pure Python", reference, "s"),
    ]


CPU_ACCOUNTS = ("server (gunicorn)", "PostgreSQL (every local process)", "load client")


def _cpu(server_session: int) -> tuple[float, float, float]:
    """CPU seconds used so far by the server's processes, by PostgreSQL on this host (its
    background writers too; nan on SQLite or without ``/proc``) and by this load client. Where the
    intake's time goes, and, the client's share being fixed work, how fast the machine ran."""
    from django.db import connection

    server = bench.processes_cpu_seconds(lambda session, _command: session == server_session)
    postgres = (
        bench.processes_cpu_seconds(lambda _session, command: command.startswith("postgres:"))
        if connection.vendor == "postgresql"
        else None
    )
    nan = float("nan")
    return (
        nan if server is None else server,
        nan if postgres is None else postgres,
        time.process_time(),
    )


def _server(port: int) -> subprocess.Popen[bytes]:
    """The application server as in production: gunicorn with CityLoop's configuration, two
    workers, on loopback, in a session of its own (so its CPU time can be read and it can be ended)."""
    from django.conf import settings

    root = Path(__file__).resolve().parent.parent
    command = ["-m", "gunicorn", "-c", "python:cityloop.gunicorn_conf", "-w", "2"]
    command += ["-b", f"127.0.0.1:{port}", "--log-level", "warning"]
    return subprocess.Popen(
        [sys.executable, *command],
        cwd=root,
        env={**os.environ, "SECRET_KEY": settings.SECRET_KEY},
        start_new_session=True,
    )


def _worker() -> subprocess.Popen[bytes]:
    """``cityloop worker`` beside the loops and the server, as in production (its sweeps, notices
    and, on SQLite, the checkpoints that keep requests from waiting on the disk)."""
    root = Path(__file__).resolve().parent.parent
    return subprocess.Popen(
        [sys.executable, "-m", "cityloop.cli", "worker"],
        cwd=root,
        env=dict(os.environ),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )


def run() -> list[bench.Result]:
    loops, reports = _sizes()
    ensure_demo_city()
    raw = raw_limit(reports)
    worker = _worker()
    try:
        results = [full_loops(loops // 2), full_loops(loops, LOOP_PROCESSES), *http_intake(reports)]
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
    fractions = [
        bench.Result(f"  {r.name.split(' (')[0]}: fraction of the raw limit", r.value / raw, "")
        for r in results
        if r.unit in ("reports/s", "cases/s")
    ]
    return [
        bench.Result(
            "raw limit: a report's rows by hand-written SQL, one transaction each", raw, "reports/s"
        ),
        *results,
        *fractions,
    ]
