"""``cityloop routing import FILE | rules | preview --lon --lat --category [--component]``: load routing
rules from CSV, list them, or ask who would handle a problem at a place and why."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityloop.core.audit import request_context, system_actor
from cityloop.routing import actions
from cityloop.routing.decide import route
from cityloop.routing.facts import facts_at
from cityloop.routing.models import Rule


class Command(BaseCommand):
    help = "Routing rules: import them from CSV, list them, preview a decision."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="op", required=True)
        imp = sub.add_parser("import", help="load rules from a CSV (all or nothing; see docs/routing.md)")
        imp.add_argument("file")
        imp.add_argument("--valid-from", type=dt.date.fromisoformat, help="YYYY-MM-DD for lines without one")
        rules = sub.add_parser("rules", help="list the rules in force")
        rules.add_argument("--on", type=dt.date.fromisoformat, help="YYYY-MM-DD (default today)")
        prev = sub.add_parser("preview", help="who would handle this problem here, and why")
        prev.add_argument("--lon", type=float, required=True)
        prev.add_argument("--lat", type=float, required=True)
        prev.add_argument("--category", help="subclass code, e.g. 0101 (optional with --component)")
        prev.add_argument("--kind", choices=["component", "event"])
        prev.add_argument("--component", help="16-digit component ID")
        prev.add_argument("--urgent", action="store_true")
        prev.add_argument("--english", action="store_true", help="explain in English")

    def handle(self, *args: Any, **options: Any) -> None:
        with request_context(None):
            try:
                getattr(self, f"_{options['op']}")(options)
            except ValidationError as exc:
                raise CommandError("\n".join(exc.messages)) from None
            except FileNotFoundError as exc:
                raise CommandError(f"no such file: {exc.filename}") from None

    def _import(self, options: dict[str, Any]) -> None:
        counts = actions.import_rules(
            options["file"], actor=system_actor(), valid_from=options.get("valid_from")
        )
        self.stdout.write(", ".join(f"{k}: {v}" for k, v in counts.items()))

    def _rules(self, options: dict[str, Any]) -> None:
        rows = Rule.objects.valid_at(options.get("on")).select_related(
            "area_unit", "area_grid", "target_unit"
        )
        for r in rows.order_by("purpose", "-priority", "kind", "category_code", "id"):
            area = r.area_grid or r.area_unit
            target = f"{r.target}:{r.target_unit.code}" if r.target_unit else r.target
            self.stdout.write(
                f"#{r.pk:<5} {r.purpose:9} p{r.priority:<4} {r.category_label:16} "
                f"{area.code if area else '*':16} → {target:20} {'auto ' if r.auto_dispatch else ''}{r.name}"
            )

    def _preview(self, options: dict[str, Any]) -> None:
        from cityloop.assets.models import Component

        component = None
        if options.get("component"):
            component = Component.objects.select_related("subclass").filter(code=options["component"]).first()
            if component is None:
                raise CommandError(f"no component with ID {options['component']}")
        kind = options.get("kind") or ("component" if component else "event")
        code = options.get("category") or (component.subclass.code if component else "")
        if not code:
            raise CommandError("give --category (or --component)")
        facts = facts_at(
            options["lon"],
            options["lat"],
            kind=kind,
            category_code=code,
            component=component,
            urgent=options["urgent"],
        )
        decision = route(facts)
        english = options["english"]
        self.stdout.write(decision.explanation_en if english else decision.explanation)
        self.stdout.write(f"confidence {decision.confidence:.2f}; flags: {', '.join(decision.flags) or '-'}")
        for alt in decision.alternatives:
            self.stdout.write(f"  or: {alt['explanation_en'] if english else alt['explanation']}")
