"""The production server's configuration (cityloop.gunicorn_conf) as gunicorn reads it."""

from __future__ import annotations

import contextlib
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


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux's /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # "pid (command) state ppid …": the command may hold spaces, so split after its ")".
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads Linux's /proc")
@pytest.mark.parametrize("threads", ["1", "2"])
def test_workers_leave_at_once_when_the_master_is_killed(tmp_path: Path, threads: str) -> None:
    """A master killed with SIGKILL cannot stop its workers; they must notice by themselves and
    leave, or they go on holding the port and the restarted server cannot bind it."""
    port = _free_port()
    env = {
        **os.environ,
        "CITYLOOP_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "2",
        "CITYLOOP_THREADS": threads,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
    }
    env.pop("GUNICORN_CMD_ARGS", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:cityloop.gunicorn_conf", "--log-level", "warning"],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(_children(server.pid)) < 2:
            time.sleep(0.1)
        workers = _children(server.pid)
        assert len(workers) == 2
        # Requests just before the kill: a synchronous worker that has just answered one waits up
        # to half the worker timeout (15 s) before it looks at its parent again.
        answered = 0
        while time.monotonic() < deadline and answered < 6:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                    conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    answered += conn.recv(100).startswith(b"HTTP/1.1 ")
            except OSError:
                time.sleep(0.1)
        assert answered == 6
        os.kill(server.pid, signal.SIGKILL)
        server.wait(timeout=10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.05)
        assert not [w for w in workers if _alive(w)], "workers outlived their master"
        # And nothing listens on the port any more: a restarted server can take it. (Asked by
        # connecting, not by binding: on a busy machine another program's outgoing connection may
        # hold the same port number as its local end, which a bind test takes for a listener.)
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=2).close()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
