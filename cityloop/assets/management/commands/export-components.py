"""``cityloop export-components FILE``: write components to CSV or GeoJSON in the import's columns."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityloop.assets.files import write_file
from cityloop.assets.models import Component


class Command(BaseCommand):
    help = "Export components to a .csv or .geojson file that import-components reads back unchanged."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file")
        parser.add_argument("--subclass", help="only this subclass (0101) or class (01)")
        parser.add_argument("--district", help="only components in this district (unit code)")
        parser.add_argument("--unowned", action="store_true", help="only unowned components (无主)")

    def handle(self, *args: Any, **options: Any) -> None:
        qs = Component.objects.all()
        if options["subclass"]:
            code = options["subclass"]
            qs = qs.filter(subclass__code=code) if len(code) == 4 else qs.filter(subclass__parent__code=code)
        if options["district"]:
            qs = qs.filter(district__code=options["district"])
        if options["unowned"]:
            qs = qs.unowned()
        try:
            count = write_file(options["file"], qs)
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from None
        self.stdout.write(f"wrote {count} components to {options['file']}")
