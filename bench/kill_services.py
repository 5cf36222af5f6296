"""The kill test's processes under test: the server (gunicorn) and the worker, started, watched
and killed (see :mod:`bench.kill_test`)."""

from __future__ import annotations

import collections
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


class TimedOut(Exception):
    """The run did not finish within its ``--timeout``."""


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux's /proc; a server's workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@dataclass
class Services:
    """The server and the background worker, started, killed and restarted."""

    port: int
    env: dict[str, str]
    log: Path
    server: subprocess.Popen[bytes] | None = None
    worker: subprocess.Popen[bytes] | None = None
    kills: collections.Counter[str] = field(default_factory=collections.Counter)
    port_stuck: int = 0

    def _spawn(self, argv: list[str]) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as out:
            return subprocess.Popen(
                argv, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def start_server(self) -> None:
        deadline = time.monotonic() + 20
        while not _port_free(self.port):  # a killed master's workers must let go of the port
            if time.monotonic() > deadline:
                self.port_stuck += 1
                raise RuntimeError(f"port {self.port} still held 20 s after the server was killed")
            time.sleep(0.1)
        self.server = self._spawn(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                "python:cityloop.gunicorn_conf",
                "-w",
                "2",
                "-b",
                f"127.0.0.1:{self.port}",
                "--log-level",
                "warning",
            ]
        )

    def start_worker(self) -> None:
        self.worker = self._spawn([sys.executable, "-m", "cityloop.cli", "worker", "--interval", "5"])

    def wait_up(self, seconds: float = 60) -> None:
        from bench.bench_cases import _wait_up

        deadline = time.monotonic() + seconds
        while True:
            if self.server is not None and self.server.poll() is not None:
                raise RuntimeError(f"the server exited with {self.server.returncode}: see {self.log}")
            try:
                _wait_up(self.port, time.time() + 1)
                return
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise

    def kill(self, mode: str) -> None:
        """SIGKILL: ``all`` (the server's process group), ``master`` or ``workers``; and the worker."""
        assert self.server is not None and self.worker is not None
        if mode == "all":
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.server.pid, signal.SIGKILL)
        elif mode == "master":
            os.kill(self.server.pid, signal.SIGKILL)
        else:
            for pid in _children(self.server.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.worker.pid, signal.SIGKILL)
        self.kills[mode] += 1
        self.worker.wait()
        if mode != "workers":
            self.server.wait()

    def restart(self) -> None:
        if self.server is None or self.server.poll() is not None:
            self.start_server()
        if self.worker is None or self.worker.poll() is not None:
            self.start_worker()

    def stop(self) -> None:
        for proc in (self.server, self.worker):
            if proc is not None and proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
