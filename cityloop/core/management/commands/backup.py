"""``cityloop backup [--output PATH]``: one archive of the database and the uploaded files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityloop.core.audit import request_context, system_actor
from cityloop.core.backup import BackupError, create_backup, iter_summary
from cityloop.core.models import User


def command_actor(username: str | None) -> User:
    """The named active user, or the system account."""
    if not username:
        return system_actor()
    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"no active user named {username!r}")
    return user


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into one archive (see docs/operations.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            help="the archive to write (default: CITYLOOP_BACKUP_DIR/cityloop-<engine>-<UTC time>.tar)",
        )
        parser.add_argument("--actor", help="the user the audit log names (default: system)")

    def handle(self, *args: Any, **options: Any) -> None:
        with request_context(None):
            actor = command_actor(options["actor"])
            try:
                result = create_backup(actor=actor, output=options["output"])
            except BackupError as exc:
                raise CommandError(str(exc)) from None
        self.stdout.write(f"backup written: {result.path}")
        self.stdout.write(f"sha256: {result.sha256}")
        for line in iter_summary(result.manifest):
            self.stdout.write(line)
