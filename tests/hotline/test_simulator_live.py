"""`cityloop hotline simulate` end to end: a real gunicorn (``cityloop.gunicorn_conf``) and a real
`cityloop worker` on loopback, on a scratch database prepared as ``make run`` prepares it (migrate,
the demo city, the demo platform), with the webhooks' backoff shortened so the retries fit in the
test. The simulated hotline refuses half of CityLoop's deliveries; every message must still arrive
once and in order, and every work order must reach 办结 (result), get its return visit and close.

The engine is the tests' own: a fresh PostgreSQL database beside the test database when the tests
run on PostgreSQL (dropped after), an SQLite file in the test's temporary folder otherwise. Bounded:
the setup, the processes and the simulator each have a timeout, and every process started here is
stopped, also when the test fails.
"""

from __future__ import annotations

import importlib.util
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
ORDERS = 8
FAIL_RATE = 0.5
SETUP_TIMEOUT = 150  # migrate + demo city on a loaded 2-CPU machine
SIMULATE_TIMEOUT = 90  # the simulator's own wait for every ticket to close, plus its start

# What the test reads back from the scratch database once the simulator is done: per ticket, the
# case's state and satisfaction, the exchange's types, and the outbound messages' delivery states.
REPORT = """
import json
from cityloop.hotline.models import Ticket
from cityloop.hotline.outbound import exchange
rows = []
for t in Ticket.objects.select_related("case").filter(platform__code="demo").order_by("ticket_id"):
    ex = exchange(t.case_id)
    rows.append({
        "ticket": t.ticket_id, "state": t.case.state, "satisfaction": t.case.satisfaction,
        "in": [m["type"] for m in ex if m["direction"] == "in"],
        "out": [[m["seq"], m["type"], m["status"], m["attempts"]] for m in ex if m["direction"] == "out"],
    })
print("REPORT " + json.dumps(rows))
"""


def _cityloop(*args: str) -> list[str]:
    return [sys.executable, "-m", "cityloop.cli", *args]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def scratch_database(tmp_path: Path) -> Iterator[str]:
    """A database URL of its own, on the tests' engine."""
    db = settings.DATABASES["default"]
    if not db["ENGINE"].endswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'hotline-live.sqlite3'}"
        return
    import psycopg

    name = f"cl_hotline_live_{os.getpid()}_{int(time.time())}"
    params = {
        "host": db.get("HOST") or "127.0.0.1",
        "port": db.get("PORT") or 5432,
        "user": db.get("USER") or "postgres",
        "password": db.get("PASSWORD") or None,
        "dbname": "postgres",
        "autocommit": True,
    }
    with psycopg.connect(**params) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        auth = params["user"] + (f":{params['password']}" if params["password"] else "")
        yield f"postgres://{auth}@{params['host']}:{params['port']}/{name}"
    finally:
        with psycopg.connect(**params) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Processes:
    """The server and the worker, each in a session of its own, stopped together."""

    def __init__(self, work: Path) -> None:
        self.work = work
        self.started: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.work / f"{name}.log").open("wb")
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.started.append((name, process))
        return process

    def stop(self) -> None:
        for _, process in self.started:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process in self.started:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(
            f"--- {name}.log\n" + (self.work / f"{name}.log").read_text(errors="replace")[-4000:]
            for name, _ in self.started
        )


def _wait_up(url: str, server: subprocess.Popen[bytes], deadline: float) -> None:
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError("gunicorn exited at start")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def test_the_simulator_against_a_live_server_loses_nothing(scratch_database: str, tmp_path: Path) -> None:
    if importlib.util.find_spec("gunicorn") is None:
        pytest.skip("gunicorn is not installed (pip install -e '.[dev]' installs it)")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": scratch_database,
        "DJANGO_SETTINGS_MODULE": "cityloop.settings",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "CITYLOOP_VAR_DIR": str(tmp_path / "var"),
        "MEDIA_ROOT": str(tmp_path / "var" / "media"),
        "CITYLOOP_AUDIT_HEAD_DIR": str(tmp_path / "var" / "audit-heads"),
        "CITYLOOP_HOTLINE_PUBLIC_URL": base,
        # Retries within a second or two instead of 30 s doubling: the test waits for them all.
        "CITYLOOP_WEBHOOK_BACKOFF_SECONDS": "1",
        "CITYLOOP_WEBHOOK_BACKOFF_MAX_SECONDS": "1",
        "CITYLOOP_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "XDG_RUNTIME_DIR": str(tmp_path),  # gunicorn's control socket
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DEBUG", None)
    env.pop("CITYLOOP_TEST_SQLITE", None)
    started = time.monotonic()
    # As `make run` prepares a database, its three commands in one process (two start-ups fewer).
    prepare = (
        "from django.core.management import call_command as run\n"
        "run('migrate', interactive=False, verbosity=0)\n"
        "run('demo-city', seed=1, no_progress=True)\n"
        "run('hotline', 'demo-platform', '--if-missing')\n"
    )
    done = subprocess.run(
        _cityloop("shell", "-c", prepare), cwd=ROOT, env=env, capture_output=True, timeout=SETUP_TIMEOUT
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-3000:]
    prepared = time.monotonic()

    processes = Processes(tmp_path)
    try:
        server = processes.start(
            "gunicorn",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:cityloop.gunicorn_conf",
                "--log-level",
                "warning",
            ],
            env,
        )
        worker = processes.start("worker", _cityloop("worker", "--poll", "0.2"), env)
        _wait_up(f"{base}/healthz", server, time.monotonic() + 60)
        sim = subprocess.run(
            _cityloop(
                "hotline",
                "simulate",
                "--base",
                base,
                "--orders",
                str(ORDERS),
                "--fail-rate",
                str(FAIL_RATE),
                "--timeout",
                str(SIMULATE_TIMEOUT - 20),
            ),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=SIMULATE_TIMEOUT,
        )
        output = sim.stdout.strip().splitlines()
        assert sim.returncode == 0 and output, f"{sim.stdout}\n{sim.stderr}\n{processes.logs()}"
        assert server.poll() is None and worker.poll() is None, processes.logs()
    finally:
        processes.stop()
    simulated = time.monotonic()

    report = json.loads(output[-1])
    assert report == {"sent": ORDERS, "lost": 0, "duplicated": 0, "out_of_order": 0}, sim.stdout
    for key in ("sent", "lost", "duplicated", "out_of_order"):
        assert report[key] == (ORDERS if key == "sent" else 0), (key, sim.stdout)
    # The hotline refused some deliveries on purpose: the worker's retries were exercised.
    refused = next(line for line in output if line.startswith("received "))
    assert int(refused.split("refused ")[1].split()[0]) > 0, refused
    assert "Traceback" not in processes.logs(), processes.logs()

    read = subprocess.run(
        _cityloop("shell", "-c", REPORT), cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert read.returncode == 0, read.stderr
    tickets: list[dict[str, Any]] = json.loads(read.stdout.split("REPORT ", 1)[1])
    assert len(tickets) == ORDERS
    for t in tickets:
        out_types = [m[1] for m in t["out"]]
        # 签收, 受理, 办结 (result) and 结案, each delivered once, numbered 1, 2, 3 … with no gap.
        assert {"receipt", "accepted", "result", "closed"} <= set(out_types), t
        assert [m[0] for m in t["out"]] == list(range(1, len(t["out"]) + 1)), t
        assert all(m[2] == "delivered" for m in t["out"]), t
        # Every result got its return visit (回访), an unsatisfied one reopened the case, and the
        # last visit was satisfied.
        assert t["in"].count("return_visit") == out_types.count("result") >= 1, t
        assert out_types.count("reopened") == out_types.count("result") - 1, t
        assert t["state"] == "closed" and t["satisfaction"] == "satisfied", t
    print(  # the durations, for whoever keeps this test bounded (pytest -s shows them)
        f"setup {prepared - started:.1f} s, simulation {simulated - prepared:.1f} s "
        f"on {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}"
    )
