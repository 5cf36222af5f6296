"""Backups: one archive file holding the database, the uploaded files and a manifest.

``cityloop backup`` writes ``cityloop-<engine>-<UTC time>.tar`` (under ``CITYLOOP_BACKUP_DIR``):

- ``database.sqlite3`` (SQLite's online backup of the live database, consistent while the server
  and the worker write) or ``database.pgdump`` (``pg_dump --format=custom``);
- ``media/…``: every uploaded file under ``MEDIA_ROOT``, listed after the database was copied, so
  every file the copy refers to is there;
- ``manifest.json``: the CityLoop version, the engine, the migrations applied per app, the rows of
  every table and the audit log's last entry, all as the copy holds them (on PostgreSQL the counts
  and ``pg_dump`` share one snapshot), and the sha256 of every other member.

``cityloop restore ARCHIVE`` (:mod:`cityloop.core.restore`) puts it back into an empty database: it
checks every member against the manifest first, restores only by inserting (nothing is deleted or
updated, so the audit log's guards never fire), compares the row counts with the manifest and
migrates if the archive is older.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.migrations.loader import MigrationLoader

import cityloop

from .audit import domain_action, record
from .audit_actions import AuditAction
from .models import User

FORMAT = 1
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA_PREFIX = "media/"
CHUNK = 1 << 20


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    sha256: str


@dataclass
class RestoreResult:
    manifest: dict[str, Any]
    tables: int
    rows: int
    media_files: int
    migrated: bool
    mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)


# --- helpers ------------------------------------------------------------------------------------


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def describe_tables(cursor: Any, tables: list[str]) -> dict[str, Any]:
    """Row counts, migrations and the audit log's head, read through ``cursor`` (DB-API, either
    engine) from the tables named."""
    counts = {}
    for table in sorted(tables):
        cursor.execute(f"SELECT COUNT(*) FROM {_quote(table)}")
        counts[table] = int(cursor.fetchone()[0])
    migrations: dict[str, list[str]] = {}
    if "django_migrations" in tables:
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        for app, name in cursor.fetchall():
            migrations.setdefault(app, []).append(name)
    audit_head: dict[str, Any] | None = None
    if "core_auditentry" in tables:
        cursor.execute("SELECT * FROM core_auditentry ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
        if row is not None:
            columns = [c[0] for c in cursor.description]
            values = dict(zip(columns, row, strict=True))
            # The id, and whatever hash the chain keeps (its columns' names end in "hash").
            audit_head = {k: str(v) for k, v in values.items() if k in ("id", "at", "action") or "hash" in k}
    return {"row_counts": counts, "migrations": migrations, "audit_head": audit_head}


def _sqlite_tables(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    return [r[0] for r in rows]


def code_migrations() -> dict[str, set[str]]:
    """The migrations this version of CityLoop knows, per app."""
    known: dict[str, set[str]] = {}
    for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations:
        known.setdefault(app, set()).add(name)
    return known


# --- PostgreSQL tools ---------------------------------------------------------------------------


def pg_tool(name: str) -> str:
    """``pg_dump``/``pg_restore`` from ``CITYLOOP_PG_BIN`` (a folder) if set, else from PATH."""
    folder = getattr(settings, "CITYLOOP_PG_BIN", "")
    path = str(Path(folder) / name) if folder else shutil.which(name)
    if not path or not Path(path).exists():
        raise BackupError(
            f"{name} not found: install the PostgreSQL client of the server's major version, "
            "or set CITYLOOP_PG_BIN to the folder holding it"
        )
    return path


def pg_env() -> dict[str, str]:
    """libpq's environment for the tools: the server, user and password of Django's connection."""
    s = connection.settings_dict
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if s.get(key):
            env[var] = str(s[key])
    env["PGDATABASE"] = str(s["NAME"])
    return env


def check_pg_tool_version(tool: str) -> None:
    """The tool's major version must be the server's: an older one cannot read the server's
    catalogue, a newer one writes archives an older ``pg_restore`` cannot read."""
    out = subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", out)
    tool_major = int(found.group(1)) if found else -1
    connection.ensure_connection()
    server_major = int(connection.pg_version) // 10000  # type: ignore[attr-defined]
    if tool_major != server_major:
        raise BackupError(
            f"{Path(tool).name} is version {tool_major} but the server is PostgreSQL {server_major}: "
            f"install the client of version {server_major} (e.g. postgresql-client-{server_major}) "
            "or set CITYLOOP_PG_BIN to its folder"
        )


def _psycopg_connect() -> Any:
    import psycopg

    s = connection.settings_dict
    return psycopg.connect(
        dbname=s["NAME"],
        host=s.get("HOST") or None,
        port=s.get("PORT") or None,
        user=s.get("USER") or None,
        password=s.get("PASSWORD") or None,
        autocommit=False,
    )


# --- backup -------------------------------------------------------------------------------------


def _dump_sqlite(target: Path) -> dict[str, Any]:
    """Copy the live database with SQLite's online backup (one step: a consistent copy even while
    other processes write), then describe the copy."""
    connection.ensure_connection()
    source = connection.connection
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)
    finally:
        dest.close()
    copy = sqlite3.connect(target)
    try:
        return describe_tables(copy.cursor(), _sqlite_tables(copy))
    finally:
        copy.close()


def _dump_postgresql(target: Path) -> dict[str, Any]:
    """``pg_dump --format=custom`` on a snapshot exported from a transaction that also counts the
    rows: the counts in the manifest are exactly what the dump holds, whatever was written since."""
    tool = pg_tool("pg_dump")
    check_pg_tool_version(tool)
    with contextlib.closing(_psycopg_connect()) as conn:
        with conn.cursor() as cur:
            cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cur.execute("SELECT pg_export_snapshot()")
            snapshot = cur.fetchone()[0]
            cur.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
            )
            tables = [r[0] for r in cur.fetchall()]
            description = describe_tables(cur, tables)
            done = subprocess.run(
                [tool, "--format=custom", f"--snapshot={snapshot}", f"--file={target}"],
                env=pg_env(),
                capture_output=True,
                text=True,
            )
        conn.rollback()
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return description


def _media_files() -> list[tuple[Path, str]]:
    """Every file under MEDIA_ROOT, with its name in the archive."""
    root = Path(settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    found = []
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            found.append((path, MEDIA_PREFIX + path.relative_to(root).as_posix()))
    return found


def default_archive_path(engine: str, now: dt.datetime | None = None) -> Path:
    stamp = (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")
    return Path(settings.CITYLOOP_BACKUP_DIR) / f"cityloop-{engine}-{stamp}.tar"


@domain_action
def record_backup(*, actor: User, path: Path, sha256: str, manifest: dict[str, Any]) -> None:
    """The audit entry of a finished backup: the archive's name and checksum, what it holds."""
    record(
        actor,
        AuditAction.BACKUP_CREATE,
        object_type="backup",
        object_id=path.name[:64],
        object_repr=path.name,
        after={
            "file": str(path),
            "sha256": sha256,
            "engine": manifest["engine"],
            "rows": sum(manifest["row_counts"].values()),
            "media_files": len([m for m in manifest["members"] if m.startswith(MEDIA_PREFIX)]),
            "audit_head": manifest["audit_head"],
        },
    )


def create_backup(*, actor: User, output: Path | None = None) -> BackupResult:
    """Write one archive of the database and the uploaded files; return where and what it holds.

    The audit entry is written when the archive is complete (so it can name its checksum): the
    archive itself does not hold the entry of its own making.
    """
    engine = connection.vendor
    if engine not in DB_MEMBER:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {engine}")
    path = Path(output) if output else default_archive_path(engine)
    if path.exists():
        raise BackupError(f"{path} already exists: give another --output")
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".cityloop-backup-", dir=path.parent) as tmp:
        db_file = Path(tmp) / DB_MEMBER[engine]
        started = dt.datetime.now(dt.UTC)
        description = _dump_sqlite(db_file) if engine == "sqlite" else _dump_postgresql(db_file)
        media = _media_files()  # after the copy: every file it refers to was uploaded before
        members = {DB_MEMBER[engine]: _sha256_file(db_file)}
        for source, name in media:
            members[name] = _sha256_file(source)
        manifest = {
            "format": FORMAT,
            "cityloop_version": cityloop.__version__,
            "engine": engine,
            "created_at": started.isoformat(),
            **description,
            "members": members,
        }
        manifest_file = Path(tmp) / MANIFEST
        manifest_file.write_text(json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True))
        partial = Path(tmp) / "archive.tar"
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(manifest_file, arcname=MANIFEST)
            tar.add(db_file, arcname=DB_MEMBER[engine])
            for source, name in media:
                tar.add(source, arcname=name)
        with partial.open("rb") as fh:
            os.fsync(fh.fileno())
        partial.chmod(0o600)  # the archive holds every reporter's phone number
        os.replace(partial, path)
    sha = _sha256_file(path)
    record_backup(actor=actor, path=path, sha256=sha, manifest=manifest)
    return BackupResult(path=path, manifest=manifest, sha256=sha)


def iter_summary(manifest: dict[str, Any]) -> Iterator[str]:
    """The lines a person reads about an archive."""
    rows = manifest["row_counts"]
    yield f"CityLoop {manifest['cityloop_version']}, {manifest['engine']}, made {manifest['created_at']}"
    yield f"{len(rows)} tables, {sum(rows.values())} rows; " + ", ".join(
        f"{t} {rows[t]}"
        for t in ("cases_case", "cases_caseevent", "core_auditentry", "core_user")
        if t in rows
    )
    media = [n for n in manifest["members"] if n.startswith(MEDIA_PREFIX)]
    yield f"{len(media)} uploaded files"
    head = manifest.get("audit_head")
    if head:
        yield "audit log head: " + ", ".join(f"{k}={v}" for k, v in sorted(head.items()))
