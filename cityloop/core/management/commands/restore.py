"""``cityloop restore ARCHIVE [--yes]``: a backup put back into an empty database and MEDIA_ROOT."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from cityloop.core.audit import request_context
from cityloop.core.backup import BackupError, iter_summary
from cityloop.core.management.commands.backup import command_actor
from cityloop.core.restore import read_archive, record_restore, restore_backup


class Command(BaseCommand):
    help = "Restore a backup made by `cityloop backup` into an empty database (see docs/operations.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path)
        parser.add_argument("--yes", action="store_true", help="do not ask before restoring")
        parser.add_argument(
            "--actor", help="the user the restored audit log names for the restore (default: system)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive: Path = options["archive"]
        if not archive.is_file():
            raise CommandError(f"{archive}: no such file")
        try:
            tar, manifest = read_archive(archive)
            tar.close()
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        for line in iter_summary(manifest):
            self.stdout.write(line)
        target = f"{connection.vendor} database {connection.settings_dict['NAME']}"
        if not options["yes"]:
            if not sys.stdin.isatty():
                raise CommandError("give --yes to restore without being asked")
            answer = input(f"Restore into the {target} and {settings.MEDIA_ROOT}? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                raise CommandError("nothing restored")
        with request_context(None):
            try:
                result = restore_backup(archive)
            except BackupError as exc:
                raise CommandError(str(exc)) from None
            record_restore(actor=command_actor(options["actor"]), archive=archive, result=result)
        self.stdout.write(
            f"restored into the {target}: {result.tables} tables, {result.rows} rows (as the manifest "
            f"counts), {result.media_files} uploaded files"
            + ("; then migrated to this version" if result.migrated else "")
        )
