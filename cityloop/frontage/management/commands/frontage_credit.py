"""``cityloop frontage_credit [--month YYYY-MM]``: score every frontage party's credit for a month
(the last one by default) and move parties on and off the red and black lists."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cityloop.core.audit import system_actor
from cityloop.frontage.credit import add_months, month_start
from cityloop.frontage.credit_actions import recompute_credit


def parse_month(value: str) -> dt.date:
    try:
        return dt.datetime.strptime(value, "%Y-%m").date()
    except ValueError:
        raise CommandError(f"--month: {value!r} is not YYYY-MM") from None


class Command(BaseCommand):
    help = "Score the frontage parties' credit for a month (default: the last month) and update the lists."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", default=None, help="YYYY-MM (default: last month)")

    def handle(self, *args: Any, **options: Any) -> None:
        month = (
            parse_month(options["month"])
            if options["month"]
            else add_months(month_start(timezone.localdate()), -1)
        )
        try:
            summary = recompute_credit(actor=system_actor(), month=month)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from None
        self.stdout.write(json.dumps(summary, ensure_ascii=False))
