"""Restoring a backup archive (see :mod:`cityloop.core.backup` for what an archive holds).

``cityloop restore ARCHIVE`` puts it back into an empty database: every member is checked against the
manifest first, the database is restored only by inserting (nothing is deleted or updated, so the
audit log's guards never fire), the row counts are compared with the manifest and the database is
migrated if the archive is older.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import connection

from .audit import domain_action, record
from .audit_actions import AuditAction
from .backup import (
    CHUNK,
    DB_MEMBER,
    FORMAT,
    MANIFEST,
    MEDIA_PREFIX,
    BackupError,
    RestoreResult,
    check_pg_tool_version,
    code_migrations,
    describe_tables,
    pg_env,
    pg_tool,
)
from .models import User


def _safe_member_name(name: str) -> str:
    """A member's name as a relative path inside the archive, or a refusal: no absolute path, no
    ``..``, nothing a restore could write outside MEDIA_ROOT with."""
    pure = PurePosixPath(name)
    if pure.is_absolute() or ".." in pure.parts or "\\" in name or not name or name != pure.as_posix():
        raise BackupError(f"the archive holds an unsafe name {name!r}: refused")
    return name


def read_archive(path: Path) -> tuple[tarfile.TarFile, dict[str, Any]]:
    """Open an archive, check every member's name and checksum against its manifest."""
    try:
        tar = tarfile.open(path, "r:")  # noqa: SIM115 (returned open, for the caller to close)
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"{path} is not a CityLoop backup: {exc}") from None
    try:
        members = {}
        for info in tar.getmembers():
            name = _safe_member_name(info.name)
            if not info.isfile():
                raise BackupError(f"the archive holds {name!r}, which is not a plain file: refused")
            if name in members:
                raise BackupError(f"the archive holds {name!r} twice: refused")
            members[name] = info
        if MANIFEST not in members:
            raise BackupError(f"{path} has no {MANIFEST}: not a CityLoop backup")
        manifest = json.loads(_extract(tar, members[MANIFEST]).read())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"backup format {manifest.get('format')!r} is not one this version reads")
        expected = manifest["members"]
        listed = set(members) - {MANIFEST}
        if listed != set(expected):
            extra = sorted(listed - set(expected)) + sorted(set(expected) - listed)
            raise BackupError(f"the archive's files differ from its manifest: {', '.join(extra[:5])}")
        for name, info in members.items():
            if name == MANIFEST:
                continue
            _safe_member_name(name)
            digest = hashlib.sha256()
            fh = _extract(tar, info)
            while chunk := fh.read(CHUNK):
                digest.update(chunk)
            if digest.hexdigest() != expected[name]:
                raise BackupError(
                    f"{name} in the archive does not match its checksum: the archive is damaged"
                )
    except BaseException:
        tar.close()
        raise
    return tar, manifest


def _extract(tar: tarfile.TarFile, info: tarfile.TarInfo) -> Any:
    fh = tar.extractfile(info)
    if fh is None:
        raise BackupError(f"cannot read {info.name} from the archive")
    return fh


def target_tables() -> list[str]:
    """The tables the target database already has (an empty list: ready for a restore)."""
    with connection.cursor() as cursor:
        return list(connection.introspection.table_names(cursor))


@domain_action
def record_restore(*, actor: User, archive: Path, result: RestoreResult) -> None:
    """The audit entry of a restore, written into the restored database after its check."""
    record(
        actor,
        AuditAction.BACKUP_RESTORE,
        object_type="backup",
        object_id=archive.name[:64],
        object_repr=archive.name,
        after={
            "file": str(archive),
            "created_at": result.manifest["created_at"],
            "engine": result.manifest["engine"],
            "rows": result.rows,
            "media_files": result.media_files,
            "migrated": result.migrated,
            "audit_head": result.manifest["audit_head"],
        },
    )


def restore_backup(archive: Path) -> RestoreResult:
    """Restore ``archive`` into the (empty) default database and MEDIA_ROOT; migrate if it is older.

    Writes no audit entry itself: the caller records one with :func:`record_restore` (its actor
    lives in the restored database).
    """
    tar, manifest = read_archive(archive)
    with contextlib.closing(tar):
        engine = connection.vendor
        if manifest["engine"] != engine:
            raise BackupError(
                f"the archive holds a {manifest['engine']} database and the target is {engine}: "
                "restore it into the same engine"
            )
        known = code_migrations()
        unknown = sorted(
            f"{app}.{name}"
            for app, names in manifest["migrations"].items()
            for name in names
            if name not in known.get(app, set())
        )
        if unknown:
            raise BackupError(
                f"the archive comes from a newer CityLoop (migrations {', '.join(unknown[:3])} unknown "
                "here): restore it with that version or later"
            )
        existing = target_tables()
        if existing:
            raise BackupError(
                f"the target database is not empty (it has {len(existing)} tables, e.g. "
                f"{existing[0]}): restore into a new, empty database"
            )
        media_root = Path(settings.MEDIA_ROOT)
        media = [n for n in manifest["members"] if n.startswith(MEDIA_PREFIX)]
        clashes = [n for n in media if (media_root / n.removeprefix(MEDIA_PREFIX)).exists()]
        if clashes:
            raise BackupError(
                f"MEDIA_ROOT ({media_root}) already holds {clashes[0].removeprefix(MEDIA_PREFIX)}: "
                "restore into an empty MEDIA_ROOT"
            )
        with tempfile.TemporaryDirectory(prefix=".cityloop-restore-") as tmp:
            db_member = DB_MEMBER[engine]
            db_file = Path(tmp) / db_member
            with db_file.open("wb") as out:
                shutil.copyfileobj(_extract(tar, tar.getmember(db_member)), out)
            if engine == "sqlite":
                _restore_sqlite(db_file)
            else:
                _restore_postgresql(db_file)
        connection.close()
        found = _describe_target()
        mismatches = {
            table: (expected, found["row_counts"].get(table, -1))
            for table, expected in manifest["row_counts"].items()
            if found["row_counts"].get(table, -1) != expected
        }
        if mismatches:
            table, (expected, got) = next(iter(mismatches.items()))
            raise BackupError(
                f"the restored database differs from the manifest: {table} has {got} rows, "
                f"the backup had {expected} ({len(mismatches)} tables differ)"
            )
        for name in media:
            _restore_media_file(tar, name, media_root)
    missing = any(
        name not in manifest["migrations"].get(app, []) for app, names in known.items() for name in names
    )
    if missing:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
    return RestoreResult(
        manifest=manifest,
        tables=len(manifest["row_counts"]),
        rows=sum(manifest["row_counts"].values()),
        media_files=len(media),
        migrated=missing,
    )


def _describe_target() -> dict[str, Any]:
    tables = target_tables()
    with connection.cursor() as cursor:
        return describe_tables(cursor, tables)


def _restore_sqlite(db_file: Path) -> None:
    """Copy the archived database into the target with SQLite's backup (page by page, inserting
    into an empty file: no trigger runs)."""
    target = connection.settings_dict["NAME"]
    connection.close()
    source = sqlite3.connect(db_file)
    dest = sqlite3.connect(target)
    try:
        source.backup(dest)
        dest.execute("PRAGMA journal_mode=WAL")
    finally:
        dest.close()
        source.close()


def _restore_postgresql(db_file: Path) -> None:
    """``pg_restore`` in one transaction: the tables, their rows, then indexes, constraints and
    triggers (the audit log's guards come after its rows, and only inserts run)."""
    tool = pg_tool("pg_restore")
    check_pg_tool_version(tool)
    connection.close()
    done = subprocess.run(
        [
            tool,
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={connection.settings_dict['NAME']}",
            str(db_file),
        ],
        env=pg_env(),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")


def _restore_media_file(tar: tarfile.TarFile, name: str, media_root: Path) -> None:
    relative = PurePosixPath(_safe_member_name(name).removeprefix(MEDIA_PREFIX))
    target = (media_root / relative).resolve()
    root = media_root.resolve()
    if root not in target.parents:
        raise BackupError(f"the archive's {name!r} points outside MEDIA_ROOT: refused")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    with partial.open("wb") as out:
        shutil.copyfileobj(_extract(tar, tar.getmember(name)), out)
    os.replace(partial, target)
