"""``cityloop evaluate --period 2026-10 [--publish] [--subject department ...] [--scope CODE]``.

Computes the period's draft (or, for a published period, shows what would change without changing
it), optionally publishes it, and writes the Excel workbook and the PDF report if asked.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cityloop.core.audit import request_context, system_actor
from cityloop.core.models import Unit
from cityloop.evaluation.actions import compute_period, publish_period
from cityloop.evaluation.models import SUBJECT_LABELS_ZH, Subject
from cityloop.evaluation.periods import last_complete_month, parse_period


class Command(BaseCommand):
    help = "Evaluate a month, quarter or year: compute a draft, or compare a published period; publish."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", help="2026-10, 2026-Q4 or 2026 (default: last month)")
        parser.add_argument("--publish", action="store_true", help="publish the draft once computed")
        parser.add_argument(
            "--subject", action="append", choices=Subject.values, help="only this subject (repeatable)"
        )
        parser.add_argument("--scope", help="code of the city or district to evaluate (default: the city)")
        parser.add_argument("--now", help="count facts up to this moment (ISO, Shanghai time; for replays)")
        parser.add_argument("--excel", type=Path, help="write every table to this .xlsx file")
        parser.add_argument("--pdf", type=Path, help="write the monthly report to this .pdf file")

    def handle(self, *args: Any, **options: Any) -> None:
        now = self._now(options.get("now"))
        try:
            period = parse_period(options["period"]) if options.get("period") else last_complete_month(now)
            scope = None
            if options.get("scope"):
                scope = Unit.objects.filter(code=options["scope"]).first()
                if scope is None:
                    raise CommandError(f"no unit with code {options['scope']}")
            actor = system_actor()
            with request_context(None):
                started = time.perf_counter()
                outcome = compute_period(
                    actor=actor, period=period, scope=scope, subjects=options.get("subject"), now=now
                )
                seconds = time.perf_counter() - started
                run = outcome.run
                for warning in outcome.warnings:
                    self.stderr.write(self.style.WARNING(warning))
                if outcome.differences is not None:
                    self._differences(outcome.differences, run.period)
                else:
                    self._summary(outcome, seconds)
                if options["publish"] and not run.published:
                    publish_period(actor=actor, run=run, now=now)
                    self.stdout.write(
                        self.style.SUCCESS(f"{run.period} published: its scores will not change again")
                    )
        except ValidationError as exc:
            raise CommandError("; ".join(str(m) for m in exc.messages)) from exc
        self._files(run, options)

    def _now(self, text: str | None) -> dt.datetime:
        if not text:
            return timezone.now()
        try:
            moment = dt.datetime.fromisoformat(text)
        except ValueError as exc:
            raise CommandError(f"--now {text!r}: write a moment like 2026-11-01T08:00") from exc
        return timezone.make_aware(moment) if timezone.is_naive(moment) else moment

    def _summary(self, outcome: Any, seconds: float) -> None:
        result = outcome.evaluation
        self.stdout.write(
            f"{result.period.key} ({result.period.label}) over {result.scope.name}: draft computed in "
            f"{seconds:.1f} s with {result.queries} queries"
        )
        for kind, scored in result.scores.items():
            ranked = sorted(
                (s for s in scored if s.outcome.rank), key=lambda s: (s.outcome.group, s.outcome.rank)
            )
            top = ", ".join(f"{s.subject.label} {s.outcome.index} {s.outcome.grade}" for s in ranked[:3])
            self.stdout.write(
                f"  {SUBJECT_LABELS_ZH[kind]} ({kind}): {len(scored)} listed, {len(ranked)} ranked"
                + (f"; first: {top}" if top else "")
            )
        if result.deductions:
            self.stdout.write(
                f"  扣分考核: {len(result.deductions)} units (scheme {result.deduction_scheme})"
            )

    def _differences(self, found: list[Any], period: str) -> None:
        if not found:
            self.stdout.write(
                self.style.SUCCESS(f"{period} is published and computing it again gives the same numbers")
            )
            return
        self.stdout.write(
            self.style.WARNING(
                f"{period} is published and stays as it is; computed again now, {len(found)} numbers differ:"
            )
        )
        for d in found[:200]:
            self.stdout.write(f"  {d.line()}")
        if len(found) > 200:
            self.stdout.write(f"  … and {len(found) - 200} more")

    def _files(self, run: Any, options: dict[str, Any]) -> None:
        if options.get("excel"):
            from cityloop.evaluation.exports import excel, tables

            options["excel"].write_bytes(excel.workbook(tables.all_tables(run, system_actor_view())))
            self.stdout.write(f"wrote {options['excel']}")
        if options.get("pdf"):
            from cityloop.evaluation.exports import pdf

            options["pdf"].write_bytes(pdf.monthly_report(run, system_actor_view()))
            self.stdout.write(f"wrote {options['pdf']}")


def system_actor_view() -> Any:
    """The command runs for the operator of the installation: it reads every row, like a superuser."""

    class _All:
        is_authenticated = True
        is_active = True
        is_superuser = True

    return _All()
