"""``cityloop community_roster import FILE --actor USERNAME [--dry-run]`` and ``cityloop
community_roster template OUT.xlsx``: a city's community set-up (三长一站) as a sheet (see
``cityloop.community.roster``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityloop.community.roster import import_roster, kind_label, template_xlsx
from cityloop.core.audit import command_actor, request_context
from cityloop.core.models import User


class Command(BaseCommand):
    help = "Import a community set-up sheet (stations, heads, professionals) all or nothing, or its template."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="op", required=True)
        imp = sub.add_parser("import", help="set up the communities of a sheet (xlsx or csv)")
        imp.add_argument("file")
        imp.add_argument("--actor", required=True, help="the street's or district's manager who imports")
        imp.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        tpl = sub.add_parser("template", help="write the sheet to fill in, with an example row per kind")
        tpl.add_argument("output", help="a .xlsx file")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["op"] == "template":
            target = Path(options["output"])
            target.write_bytes(template_xlsx())
            self.stdout.write(f"template written to {target}")
            return
        with request_context(None):
            self.import_(command_actor(options["actor"]), Path(options["file"]), options["dry_run"])

    def import_(self, actor: User, path: Path, dry_run: bool) -> None:
        if not path.is_file():
            raise CommandError(f"no file {path}")
        try:
            content = path.read_bytes()
            report = import_roster(actor=actor, content=content, filename=path.name, dry_run=dry_run)
        except (ValidationError, PermissionDenied) as exc:
            raise CommandError("; ".join(getattr(exc, "messages", [str(exc)]))) from None
        if report.errors:
            lines = [f"第 {e.row} 行 {e.column_label or '—'}: {e.reason}" for e in report.errors]
            raise CommandError("nothing imported; fix these rows:\n" + "\n".join(lines))
        self.stdout.write(f"{'checked (nothing written)' if dry_run else 'imported'}: {report.rows} rows")
        for kind, counts in report.counts.items():
            if any(counts.values()):
                numbers = ", ".join(f"{outcome} {n}" for outcome, n in counts.items())
                self.stdout.write(f"{kind_label(kind)}\t{numbers}")
