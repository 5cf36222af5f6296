"""The production server's configuration (cityloop.gunicorn_conf) as gunicorn reads it."""

from __future__ import annotations

import importlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gunicorn.app.wsgiapp import WSGIApplication

ROOT = Path(__file__).resolve().parents[2]


def _gunicorn_config(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], *argv: str) -> WSGIApplication:
    """The settings gunicorn arrives at from our configuration module, ``env`` and ``argv``."""
    for name in ("CITYLOOP_BIND", "WEB_CONCURRENCY", "CITYLOOP_THREADS", "GUNICORN_CMD_ARGS", "DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # gunicorn imports the module by name: make it read this environment afresh.
    monkeypatch.delitem(sys.modules, "cityloop.gunicorn_conf", raising=False)
    monkeypatch.setattr(sys, "argv", ["gunicorn", "-c", "python:cityloop.gunicorn_conf", *argv])
    return WSGIApplication()


def test_on_postgresql_two_workers_of_two_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _gunicorn_config(monkeypatch, {"DATABASE_URL": "postgres://cityloop@db:5432/city"}).cfg
    assert (cfg.worker_class_str, cfg.workers, cfg.threads) == ("gthread", 2, 2)
    assert cfg.bind == ["127.0.0.1:8000"]
    assert cfg.wsgi_app == "cityloop.wsgi:application"


@pytest.mark.parametrize("url", ["", "sqlite:////srv/city.sqlite3"])
def test_on_sqlite_two_synchronous_workers(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    cfg = _gunicorn_config(monkeypatch, {"DATABASE_URL": url} if url else {}).cfg
    assert (cfg.worker_class_str, cfg.workers, cfg.threads) == ("sync", 2, 1)


def test_environment_and_command_line_set_the_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = _gunicorn_config(
        monkeypatch, {"CITYLOOP_BIND": "0.0.0.0:9000", "WEB_CONCURRENCY": "4", "CITYLOOP_THREADS": "3"}
    ).cfg
    assert (cfg.workers, cfg.threads, cfg.bind) == (4, 3, ["0.0.0.0:9000"])
    # gunicorn's own options still win over the file.
    cfg = _gunicorn_config(monkeypatch, {}, "--worker-class", "sync", "--threads", "1", "-w", "1").cfg
    assert (cfg.worker_class_str, cfg.workers, cfg.threads) == ("sync", 1, 1)


@pytest.mark.parametrize(("value", "message"), [("two", "a whole number"), ("0", "at least 1")])
def test_a_bad_count_stops_the_server_with_a_reason(
    monkeypatch: pytest.MonkeyPatch, value: str, message: str
) -> None:
    monkeypatch.setenv("CITYLOOP_THREADS", value)
    monkeypatch.delitem(sys.modules, "cityloop.gunicorn_conf", raising=False)
    with pytest.raises(SystemExit, match=f"CITYLOOP_THREADS must be {message}"):
        importlib.import_module("cityloop.gunicorn_conf")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_the_server_starts_from_the_configuration_alone(tmp_path: Path) -> None:
    """``gunicorn -c python:cityloop.gunicorn_conf``: no application argument, threads if asked."""
    port = _free_port()
    env = {
        **os.environ,
        "CITYLOOP_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "CITYLOOP_THREADS": "2",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    env.pop("GUNICORN_CMD_ARGS", None)
    log = tmp_path / "server.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:cityloop.gunicorn_conf", "--log-level", "info"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        answer = b""
        while time.monotonic() < deadline and not answer:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                    conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    answer = conn.recv(100)
            except OSError:
                time.sleep(0.2)
        # The empty database makes the health check fail, but Django answered it.
        assert answer.startswith(b"HTTP/1.1 "), log.read_text()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    assert "Using worker: gthread" in log.read_text()
