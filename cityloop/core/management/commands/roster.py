"""``cityloop roster import FILE [--as USER] [--dry-run]`` and ``cityloop roster export [--as USER]``:
the staff roster as a sheet (see ``cityloop.core.roster``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityloop.core.audit import command_actor, request_context
from cityloop.core.models import User
from cityloop.core.roster import export_rows, import_roster, to_csv, to_xlsx


class Command(BaseCommand):
    help = "Import a staff roster (xlsx or csv) all or nothing, or export the roster of an area."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="op", required=True)
        imp = sub.add_parser("import", help="create the accounts of a roster sheet")
        imp.add_argument("file")
        imp.add_argument(
            "--as", dest="as_user", default="", help="act as this administrator (default: system)"
        )
        imp.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        exp = sub.add_parser("export", help="write the roster of an area")
        exp.add_argument(
            "--as", dest="as_user", default="", help="the administrator whose area (default: all)"
        )
        exp.add_argument("--output", "-o", default="", help="a .xlsx or .csv file (default: CSV on stdout)")

    def actor(self, username: str) -> User:
        return command_actor(username)

    def handle(self, *args: Any, **options: Any) -> None:
        with request_context(None):
            actor = self.actor(options["as_user"])
            if options["op"] == "import":
                self.import_(actor, Path(options["file"]), options["dry_run"])
            else:
                self.export(actor, options["output"])

    def import_(self, actor: User, path: Path, dry_run: bool) -> None:
        if not path.is_file():
            raise CommandError(f"no file {path}")
        try:
            result = import_roster(
                actor=actor, content=path.read_bytes(), filename=path.name, dry_run=dry_run
            )
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from None
        if result.errors:
            lines = [f"第 {e.row} 行 {e.column_label}: {e.reason}" for e in result.errors]
            raise CommandError("nothing imported; fix these rows:\n" + "\n".join(lines))
        verb = "would create" if dry_run else "created"
        self.stdout.write(f"{verb} {len(result.created)} accounts")
        for c in result.created:
            # The one-time passwords: printed once, to hand to each person.
            self.stdout.write(
                "\t".join([c["login"], c["name"], c["unit"], c["role"], c["password"]]).rstrip()
            )

    def export(self, actor: User, output: str) -> None:
        rows = export_rows(actor)
        if not output:
            self.stdout.write(to_csv(rows).decode("utf-8-sig"), ending="")
            return
        target = Path(output)
        target.write_bytes(to_xlsx(rows) if target.suffix.lower() == ".xlsx" else to_csv(rows))
        self.stdout.write(f"{len(rows) - 1} rows written to {target}")
