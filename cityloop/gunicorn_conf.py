"""The production server's settings: ``gunicorn -c python:cityloop.gunicorn_conf``.

On PostgreSQL each worker process runs two threads (gunicorn's ``gthread`` worker). A request
there spends about a third of its time waiting on the database (each statement is a round trip,
each commit waits for the write-ahead log to reach the disk); a single-threaded worker's core sits
idle meanwhile, a second thread of the same process runs the next request's Python in that time.
The interpreter lock lets only one thread at a time run Python, so a third gains nothing.

On SQLite the database lives in the process and one writer at a time holds its lock: there is no
wait on a server for a second thread to fill, only switching to pay, so each worker is a plain
synchronous one.

Every value comes from the environment, and gunicorn's own command-line options and
``GUNICORN_CMD_ARGS`` override them:

- ``CITYLOOP_BIND`` (``127.0.0.1:8000``): the address to listen on;
- ``WEB_CONCURRENCY`` (2): worker processes, about one per core;
- ``CITYLOOP_THREADS`` (2 on PostgreSQL, 1 on SQLite): threads per worker; each holds its own
  database connection, so PostgreSQL sees workers × threads connections (plus the background
  worker's).

A master killed outright (``kill -9``, the out-of-memory killer) cannot stop its workers, and a
synchronous worker looks at its parent only every 15 seconds: meanwhile it holds the port and the
restarted server cannot bind it. On Linux each worker asks the kernel to send it SIGTERM when its
master dies (``post_fork``), so it finishes the request in hand and leaves at once.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from typing import Any

import dj_database_url


def _count(name: str, default: int) -> int:
    raw = os.environ.get(name, "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}") from None
    if value < 1:
        raise SystemExit(f"{name} must be at least 1, not {value}")
    return value


def _on_postgresql() -> bool:
    url = os.environ.get("DATABASE_URL", "")
    return bool(url) and dj_database_url.parse(url)["ENGINE"] == "django.db.backends.postgresql"


wsgi_app = "cityloop.wsgi:application"
bind = [os.environ.get("CITYLOOP_BIND", "127.0.0.1:8000")]
workers = _count("WEB_CONCURRENCY", 2)
threads = _count("CITYLOOP_THREADS", 2 if _on_postgresql() else 1)
worker_class = "gthread" if threads > 1 else "sync"
# Behind a reverse proxy that keeps connections to the server open.
keepalive = 5


_PR_SET_PDEATHSIG = 1  # from <linux/prctl.h>


def post_fork(server: Any, worker: Any) -> None:
    """In each new worker: SIGTERM when the master dies (Linux), so no worker outlives it."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        server.log.warning("prctl(PR_SET_PDEATHSIG) failed: errno %s", ctypes.get_errno())
        return
    if os.getppid() != worker.ppid:  # the master died before the request took effect
        os.kill(os.getpid(), signal.SIGTERM)
