"""``cityloop import_frontage FILE``: import frontage parties and their zones (all or nothing)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityloop.core.audit import system_actor
from cityloop.frontage.actions import import_frontage
from cityloop.frontage.files import read_file


class Command(BaseCommand):
    help = "Import frontage parties and zones from a CSV, GeoJSON, Shapefile or GeoPackage file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--crs", default=None, help="coordinate system of the file (default: detected)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = import_frontage(read_file(options["file"], crs=options["crs"]), actor=system_actor())
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        for error in report.errors[:200]:
            self.stderr.write(str(error))
        self.stdout.write(report.summary())
        if not report.applied:
            raise CommandError("未导入")
