"""One production server per variant (gunicorn as ``cityloop.gunicorn_conf`` sets it up, 2
workers), the HTTP intake sent to it through bench_cases' load client, and the driver's commands."""

from __future__ import annotations

import http.client
import json
import math
import os
import signal
import subprocess
import sys
import time
from typing import Any

from bench.bench_cases import CLIENTS, WARM_UP, _drive, _free_port, _post

from . import proc_cpu
from .checkouts import check_origin
from .figures import Intake
from .scratch import Place

REPORT = {
    "channel": "hotline_12345",
    "description": "基准测试：热线投诉噪音扰民",
    "reporter_phone": "13800000000",
}


def run_driver(place: Place, *args: str, timeout: float = 1800) -> dict[str, Any]:
    """Run a driver command in the variant's checkout; its JSON answer."""
    done = subprocess.run(
        place.driver(*args),
        cwd=place.variant.path,
        env=place.env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-25:])
        raise RuntimeError(
            f"driver {' '.join(args)} failed for {place.variant.name} on {place.engine}:\n{tail}"
        )
    answer: dict[str, Any] = json.loads(lines[-1])
    if "cityloop" in answer:
        check_origin(place.variant, answer["cityloop"])
    return answer


class Server:
    """gunicorn serving one variant's checkout, in a session of its own (its CPU is read by session),
    with ``cityloop worker`` beside it as in production (in a session of its own too: its sweeps and
    checkpoints are not counted as the server's CPU)."""

    def __init__(self, place: Place) -> None:
        self.place = place
        self.port = _free_port()
        self.process: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "gunicorn", "-c", "python:cityloop.gunicorn_conf", "-w", "2"]
        command += ["-b", f"127.0.0.1:{self.port}", "--log-level", "warning"]
        self.process = subprocess.Popen(
            command, cwd=self.place.variant.path, env=self.place.env(), start_new_session=True
        )
        self.worker = subprocess.Popen(
            [sys.executable, "-m", "cityloop.cli", "worker"],
            cwd=self.place.variant.path,
            env=self.place.env(),
            start_new_session=True,
            stdout=subprocess.DEVNULL,
        )

    def wait_up(self, timeout: float = 90) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise RuntimeError(f"gunicorn for {self.place.variant.name} exited before serving")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn for {self.place.variant.name} did not come up in {timeout:.0f} s")

    def cpu(self) -> float:
        assert self.process is not None
        found = proc_cpu.session_cpu_seconds(self.process.pid)
        return math.nan if found is None else found

    def stop(self) -> None:
        for process in (self.process, self.worker):
            if process is None or process.poll() is not None:
                continue
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            except ProcessLookupError:
                pass


def server_origin(place: Place) -> str:
    """Where the server's interpreter finds ``cityloop`` (the same path, cwd and command as gunicorn's
    ``-m``: the checkout is ``sys.path[0]``)."""
    done = subprocess.run(
        [sys.executable, "-c", "import cityloop.gunicorn_conf, cityloop; print(cityloop.__file__)"],
        cwd=place.variant.path,
        env=place.env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def requests(server: Server, token: str, points: list[list[float]], tag: str) -> list[bytes]:
    """One request per point, each a report with a ticket id of its own."""
    return [
        _post(
            server.port,
            "/api/v1/reports",
            token,
            {**REPORT, "lon": lon, "lat": lat, "external_id": f"{tag}-{n}"},
        )
        for n, (lon, lat) in enumerate(points)
    ]


def warm(server: Server, token: str, point: list[float], tag: str) -> None:
    """A server in production is warm: let both workers load the API before the clock starts."""
    lon, lat = point
    body = {**WARM_UP, "lon": lon, "lat": lat}
    _drive(
        server.port,
        [
            _post(server.port, "/api/v1/reports", token, {**body, "external_id": f"{tag}-{n}"})
            for n in range(4 * CLIENTS)
        ],
        CLIENTS,
    )


def intake_batch(server: Server, batch: list[bytes], into: Intake) -> None:
    """Send the batch through the load client; wall time, latencies, failures, and the CPU the
    server and PostgreSQL (for this variant's database) used meanwhile."""
    on_postgres = server.place.engine == "postgresql"
    databases = [server.place.database]

    def postgres() -> float:
        found = proc_cpu.postgres_cpu_seconds(databases) if on_postgres else None
        return math.nan if found is None else found

    cpu_before, postgres_before = server.cpu(), postgres()
    started = time.perf_counter()
    latencies, failures = _drive(server.port, batch, CLIENTS)
    wall = time.perf_counter() - started
    into.add(wall, latencies, failures, server.cpu() - cpu_before, postgres() - postgres_before)
