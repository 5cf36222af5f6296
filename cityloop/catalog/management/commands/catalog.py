"""``cityloop catalog load-standard | import FILE | import-conditions FILE | demo-conditions | search TEXT``:
load and extend the catalog from the command line."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityloop.catalog import actions
from cityloop.catalog.lookup import search
from cityloop.core.audit import request_context, system_actor


class Command(BaseCommand):
    help = "Load and extend the catalog of component and event classes and their registration conditions."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="op", required=True)
        sub.add_parser(
            "load-standard", help="load the standard catalog, urgencies and step limits (idempotent)"
        )
        imp = sub.add_parser("import", help="add local classes/subclasses from a CSV in catalog.csv's format")
        imp.add_argument("file")
        cond = sub.add_parser("import-conditions", help="load registration conditions from a CSV")
        cond.add_argument("file")
        cond.add_argument("--valid-from", type=dt.date.fromisoformat, help="YYYY-MM-DD (default today)")
        sub.add_parser("demo-conditions", help="give every subclass example or default conditions")
        find = sub.add_parser("search", help="find classes and subclasses by text (e.g. 井盖)")
        find.add_argument("text")

    def handle(self, *args: Any, **options: Any) -> None:
        op = options["op"]
        with request_context(None):
            try:
                if op == "search":
                    for hit in search(options["text"]):
                        c = hit.category
                        extra = ", ".join(f"#{x.number} {x.description}" for x in hit.conditions)
                        self.stdout.write(f"{c.kind:9} {c.code}  {c.name}  {c.name_en}  {extra}".rstrip())
                    return
                actor = system_actor()
                if op == "load-standard":
                    result = actions.load_standard(actor=actor)
                elif op == "import":
                    result = actions.import_categories(options["file"], actor=actor)
                elif op == "import-conditions":
                    result = actions.import_conditions(
                        options["file"], actor=actor, valid_from=options.get("valid_from")
                    )
                else:
                    result = actions.load_demo_conditions(actor=actor)
            except ValidationError as exc:
                raise CommandError("\n".join(exc.messages)) from None
            except FileNotFoundError as exc:
                raise CommandError(f"no such file: {exc.filename}") from None
        self.stdout.write(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in result.items()))
