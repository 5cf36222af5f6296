"""``cityloop import-grids FILE [--valid-from YYYY-MM-DD] [--dry-run]``: load unit grids from GeoJSON.

Every bad feature is printed as ``feature #i (code): reason`` and nothing is imported (exit status 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cityloop.core.audit import request_context, system_actor
from cityloop.core.models import User
from cityloop.geo.actions import GridImportError, import_grids, plan_import
from cityloop.geo.geojson import read_features

from ._dates import iso_date


class Command(BaseCommand):
    help = "Import unit grids from a GeoJSON FeatureCollection (all or nothing)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="GeoJSON file of Polygon features with a 'code' property")
        parser.add_argument(
            "--valid-from",
            type=iso_date,
            default=None,
            help="first day the grids are in service (default today)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument("--as", dest="username", default=None, help="act as this user (default: system)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        actor = system_actor()
        if options["username"]:
            found = User.objects.filter(username=options["username"], is_active=True).first()
            if found is None:
                raise CommandError(f"no active user named {options['username']!r}")
            actor = found
        valid_from = options["valid_from"] or timezone.localdate()
        progress = not options["no_progress"]
        try:
            features = read_features(path)
            with request_context(None):
                if options["dry_run"]:
                    plan = plan_import(features, valid_from=valid_from, progress=progress)
                    warnings, summary = (
                        plan.warnings,
                        f"{path.name}: {len(plan.grids)} grids would be imported valid from {valid_from} "
                        f"({len(plan.replaced_ids)} redrawn); nothing written (dry run)",
                    )
                else:
                    report = import_grids(
                        features, actor=actor, valid_from=valid_from, progress=progress, source=path.name
                    )
                    warnings, summary = report.warnings, f"{path.name}: {report.summary()}"
        except GridImportError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(exc.problems)} problems in {path.name}; nothing was imported") from None
        except ValidationError as exc:
            raise CommandError(f"{path.name}: {' '.join(exc.messages)}") from None
        for warning in warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(summary)
