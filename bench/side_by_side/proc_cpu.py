"""CPU time of groups of processes, read from Linux's ``/proc`` (``bench.processes_cpu_seconds`` is
this module's), with PostgreSQL's processes told apart by database.

Standard library only: the side-by-side driver imports this module by its file's directory.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection
from pathlib import Path

# A client backend's command line: "postgres: 15/main: <user> <database> <host>(<port>) <state>".
_CLIENT = re.compile(r"^(?P<user>\S+) (?P<database>\S+) (?:\[local\]|\S+\(\d+\))(?: |$)")


def processes_cpu_seconds(belongs: Callable[[int, str], bool]) -> float | None:
    """CPU time (user + system, s) used so far by the processes for which ``belongs(session id,
    command line)`` is true; None where there is no ``/proc``. Processes that ended in between are
    not counted, so take it while they still run."""
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        return None
    ticks = 0
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            # Fields after the command name, which may itself hold spaces and parentheses.
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # it ended while we looked
        if belongs(int(fields[3]), command):
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def is_postgres_for(command: str, databases: Collection[str]) -> bool:
    """Whether a process works for these databases: their client backends, and the server's shared
    background processes (WAL writer, checkpointer …, which write for every database). Backends of
    other databases (another test run on the same server) are left out."""
    if not command.startswith("postgres:"):
        return False
    rest = command.removeprefix("postgres:").strip()
    # Debian's clusters put their name first ("15/main: walwriter").
    head, colon, tail = rest.partition(": ")
    if colon and "/" in head and " " not in head:
        rest = tail
    client = _CLIENT.match(rest)
    return client is None or client["database"] in databases


def postgres_cpu_seconds(databases: Collection[str]) -> float | None:
    """CPU seconds so far of PostgreSQL's processes working for ``databases`` (see above)."""
    return processes_cpu_seconds(lambda _session, command: is_postgres_for(command, databases))


def session_cpu_seconds(session: int) -> float | None:
    """CPU seconds so far of the processes in one session (a server started in a new session)."""
    return processes_cpu_seconds(lambda sid, _command: sid == session)
