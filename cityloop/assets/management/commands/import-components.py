"""``cityloop import-components FILE [--skip-invalid]``: load components from CSV or GeoJSON."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityloop.assets.actions import import_components
from cityloop.assets.files import read_file
from cityloop.core.audit import request_context, system_actor


class Command(BaseCommand):
    help = (
        "Create or update components from a CSV or GeoJSON file, matched by their 16-digit ID. "
        "If any row is bad nothing changes, unless --skip-invalid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="a .csv or .geojson file (columns as written by export-components)")
        parser.add_argument("--skip-invalid", action="store_true", help="import the good rows, skip the bad")
        parser.add_argument(
            "--errors", metavar="CSV", help="also write the rejected rows' errors to this CSV"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"no such file: {path}")
        with request_context(None):
            try:
                rows, total = read_file(path)
                report = import_components(
                    rows,
                    actor=system_actor(),
                    skip_invalid=options["skip_invalid"],
                    progress=not options["no_progress"],
                    total=total,
                )
            except ValidationError as exc:
                raise CommandError("\n".join(exc.messages)) from None
        for error in report.errors:
            self.stdout.write(f"{error}" + (f"  [{error.component_id}]" if error.component_id else ""))
        if options["errors"]:
            with open(options["errors"], "w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(["where", "field", "reason", "id"])
                writer.writerows([e.where, e.field, e.reason, e.component_id] for e in report.errors)
        self.stdout.write(report.summary())
        if not report.applied:
            raise CommandError(f"{report.rejected} bad rows; nothing was imported")
