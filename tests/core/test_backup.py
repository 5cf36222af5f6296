"""``cityloop backup`` and ``cityloop restore``: a backup of a working city, restored into a fresh
database by the command a person runs, holds the same rows, timelines, photos and audit log."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import sqlite3
import subprocess
import sys
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from cityloop.cases.models import Attachment
from cityloop.core.backup import BackupError
from cityloop.core.models import AuditEntry
from cityloop.core.restore import read_archive
from tests.cases.conftest import loop, png_bytes  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)
ROOT = Path(__file__).resolve().parents[2]


def _counts(cursor: Any, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = int(cursor.fetchone()[0])
    return counts


@contextlib.contextmanager
def fresh_database(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """A new, empty database of the engine under test: its DATABASE_URL, and a way to open it."""
    if connection.vendor == "sqlite":
        path = tmp_path / "restored.sqlite3"
        yield f"sqlite:///{path}", lambda: sqlite3.connect(path)
        return
    import psycopg

    s = connection.settings_dict
    name = f"cl_ops_restore_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {name}")
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    url = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{name}"

    def open_db() -> Any:
        return psycopg.connect(url.replace("postgres://", "postgresql://"))

    try:
        yield url, open_db
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _cityloop(env_db: str, media: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": env_db, "MEDIA_ROOT": str(media), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "cityloop.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_a_backup_restores_into_a_fresh_database(loop, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    supervisor = loop.users["supervisor_a"]
    photo = loop.photo(supervisor, purpose="report")
    case = loop.report(attachments=[photo])
    case = loop.drive(case, "accept", "register", "dispatch", "urge")
    loop.report(channel="hotline_12345", reporter_phone="13800000001")
    tables = sorted(connection.introspection.table_names())
    with connection.cursor() as cursor:
        before = _counts(cursor, tables)
    timeline = list(case.events.order_by("seq").values_list("seq", "transition", "from_state", "to_state"))
    audit = list(AuditEntry.objects.order_by("id").values_list("id", "action", "object_id"))
    attachment = Attachment.objects.get(pk=photo)

    archive = tmp_path / "city.tar"
    out = io.StringIO()
    call_command("backup", output=archive, stdout=out)
    assert "backup written" in out.getvalue()
    # The backup is audited once it is complete, with the archive's checksum.
    entry = AuditEntry.objects.filter(action="backup.create").get()
    assert entry.after["sha256"] == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert entry.actor_label == "system"

    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
    assert manifest["engine"] == connection.vendor
    assert manifest["row_counts"] == before
    assert manifest["audit_head"]["id"] == str(audit[-1][0])
    assert f"media/{attachment.file.name}" in manifest["members"]

    restored_media = tmp_path / "restored-media"
    with fresh_database(tmp_path) as (url, open_db):
        done = _cityloop(url, restored_media, "restore", "--yes", str(archive))
        assert done.returncode == 0, done.stderr
        assert "restored into" in done.stdout

        db = open_db()
        try:
            cursor = db.cursor()
            after = _counts(cursor, tables)
            # Every table as it was, and one audit entry more: the restore's own.
            assert after == {**before, "core_auditentry": before["core_auditentry"] + 1}
            cursor.execute(
                "SELECT seq, transition, from_state, to_state FROM cases_caseevent "
                f"WHERE case_id = {case.pk} ORDER BY seq"
            )
            assert [tuple(row) for row in cursor.fetchall()] == timeline
            cursor.execute("SELECT id, action, object_id FROM core_auditentry ORDER BY id")
            restored_audit = [tuple(row) for row in cursor.fetchall()]
            assert restored_audit[:-1] == audit
            assert restored_audit[-1][1] == "backup.restore"
        finally:
            db.close()
        assert (restored_media / attachment.file.name).read_bytes() == png_bytes()

        # The hash chain walked end to end in the restored database, the restore's own entry included.
        verified = _cityloop(url, restored_media, "audit", "verify")
        assert verified.returncode == 0, verified.stdout + verified.stderr

        # A second restore into what is now a full database is refused, naming why.
        again = _cityloop(url, restored_media, "restore", "--yes", str(archive))
        assert again.returncode != 0
        assert "not empty" in again.stderr


def test_restore_refuses_a_database_that_is_not_empty(loop, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    archive = tmp_path / "city.tar"
    call_command("backup", output=archive, stdout=io.StringIO())
    with pytest.raises(CommandError, match="not empty"):
        call_command("restore", str(archive), yes=True, stdout=io.StringIO())


def _archive(tmp_path: Path, members: dict[str, bytes], listed: dict[str, bytes] | None = None) -> Path:
    """A hand-made archive whose manifest lists ``listed`` (by default the members themselves)."""
    listed = members if listed is None else listed
    manifest = {
        "format": 1,
        "engine": connection.vendor,
        "members": {name: hashlib.sha256(data).hexdigest() for name, data in listed.items()},
    }
    path = tmp_path / "made.tar"
    with tarfile.open(path, "w") as tar:
        for name, data in {"manifest.json": json.dumps(manifest).encode(), **members}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize("name", ["media/../../escape.txt", "/etc/cityloop", "media/a/../../../x"])
def test_a_member_named_outside_the_archive_is_refused(tmp_path, name):
    with pytest.raises(BackupError, match="unsafe name"):
        read_archive(_archive(tmp_path, {name: b"x"}))


def test_a_damaged_member_is_refused(tmp_path):
    path = _archive(tmp_path, {"media/a.png": b"changed"}, listed={"media/a.png": b"original"})
    with pytest.raises(BackupError, match="checksum"):
        read_archive(path)
    path = _archive(tmp_path, {"media/a.png": b"x", "media/b.png": b"y"}, listed={"media/a.png": b"x"})
    with pytest.raises(BackupError, match="differ from its manifest"):
        read_archive(path)


def test_a_link_in_the_archive_is_refused(tmp_path):
    path = tmp_path / "links.tar"
    with tarfile.open(path, "w") as tar:
        info = tarfile.TarInfo("media/passwd")
        info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(info)
    with pytest.raises(BackupError, match="not a plain file"):
        read_archive(path)


@pytest.mark.postgres
def test_a_pg_dump_of_another_major_version_is_refused_by_name(settings, tmp_path):
    fake = tmp_path / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    fake.chmod(0o755)
    settings.CITYLOOP_PG_BIN = str(tmp_path)
    with pytest.raises(CommandError, match=r"pg_dump is version 9 but the server is PostgreSQL \d+"):
        call_command("backup", output=tmp_path / "never.tar", stdout=io.StringIO())
    assert not (tmp_path / "never.tar").exists()
    assert not AuditEntry.objects.filter(action="backup.create").exists()


def _newest_reversible_migration() -> tuple[str, str, str]:
    """A leaf migration of a CityLoop app that can be unapplied: (app, its name, the one before)."""
    from django.db.migrations.loader import MigrationLoader

    graph = MigrationLoader(None).graph
    for app, name in sorted(graph.leaf_nodes()):
        migration = graph.nodes[(app, name)]
        before = [n for a, n in migration.dependencies if a == app]
        if (
            app in ("assets", "core", "evaluation")
            and before
            and all(o.reversible for o in migration.operations)
        ):
            return app, name, before[0]
    raise AssertionError("no reversible leaf migration")


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="the same on both engines (SQLite files of its own): runs in the SQLite pass",
)
@pytest.mark.django_db(transaction=False)
def test_an_archive_from_an_older_version_is_migrated_after_the_restore(tmp_path):
    app, name, before = _newest_reversible_migration()
    source, target = f"sqlite:///{tmp_path / 'old.sqlite3'}", f"sqlite:///{tmp_path / 'new.sqlite3'}"
    for args in (
        ["migrate", "-v0"],
        ["migrate", app, before, "-v0"],
        ["backup", "--output", str(tmp_path / "a.tar")],
    ):
        done = _cityloop(source, tmp_path / "media", *args)
        assert done.returncode == 0, done.stderr
    done = _cityloop(target, tmp_path / "restored", "restore", "--yes", str(tmp_path / "a.tar"))
    assert done.returncode == 0, done.stderr
    assert "then migrated to this version" in done.stdout
    db = sqlite3.connect(tmp_path / "new.sqlite3")
    try:
        applied = db.execute(
            "SELECT 1 FROM django_migrations WHERE app = ? AND name = ?", (app, name)
        ).fetchall()
    finally:
        db.close()
    assert applied
