"""``cityloop workflow --format mermaid|table``: the case state machine, read from the workflow table."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from cityloop.cases.workflow import STATES, TRANSITIONS, mermaid


class Command(BaseCommand):
    help = "Print the case workflow (states and transitions) as a Mermaid diagram or a table."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["mermaid", "table"], default="mermaid")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["format"] == "mermaid":
            self.stdout.write(mermaid(), ending="")
            return
        self.stdout.write("| transition | 中文 | from | to | roles | clocks | counter | needs |")
        self.stdout.write("|---|---|---|---|---|---|---|---|")
        for t in TRANSITIONS.values():
            clocks = " ".join(
                [f"start {s}" for s in t.starts]
                + [f"stop {s}" for s in t.stops]
                + [f"pause {s}" for s in t.pauses]
                + [f"resume {s}" for s in t.resumes]
            )
            sources = ", ".join(sorted(t.sources)) if len(t.sources) < 6 else "any open state"
            target = t.target or "(stays)"
            roles = ", ".join(sorted(t.roles)) if len(t.roles) < 9 else "anyone who sees the case"
            self.stdout.write(
                f"| {t.name} | {t.label} | {sources} | {target} | {roles} | {clocks} | {t.counter or ''} | "
                f"{', '.join(t.requires)} |"
            )
        self.stdout.write(f"\n{len(STATES)} states, {len(TRANSITIONS)} transitions")
