"""``cityloop frontage_letters``: issue a year's responsibility letters (renewal: next year's), list
who has not signed, and list the overdue rectification notices (the officer's re-inspections)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cityloop.core.audit import command_actor
from cityloop.core.models import Unit, UnitKind
from cityloop.frontage.letters import issue_letters, unsigned
from cityloop.frontage.models import Letter, Notice
from cityloop.frontage.notices import overdue


class Command(BaseCommand):
    help = "Issue (or renew) responsibility letters, list the unsigned ones, list overdue notices."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("what", choices=["issue", "renew", "unsigned", "overdue"])
        parser.add_argument(
            "--year", type=int, default=None, help="the letters' year (renew: the year ending)"
        )
        parser.add_argument("--street", default=None, help="a street's unit code (default: every street)")
        parser.add_argument("--as", dest="username", default=None, help="act as this user (default: system)")

    def handle(self, *args: Any, **options: Any) -> None:
        year = options["year"] or timezone.localdate().year
        streets = Unit.objects.filter(kind=UnitKind.STREET).order_by("code")
        if options["street"]:
            streets = streets.filter(code=options["street"])
            if not streets.exists():
                raise CommandError(f"没有编码为{options['street']}的街道")
        what = options["what"]
        if what in ("issue", "renew"):
            actor = command_actor(options["username"])
            wanted = year + 1 if what == "renew" else year
            total = 0
            for street in streets:
                try:
                    total += len(issue_letters(actor=actor, street=street, year=wanted))
                except (ValidationError, PermissionDenied) as exc:
                    raise CommandError(f"{street.name}：{exc}") from None
            self.stdout.write(f"已发放{wanted}年度责任书{total}份")
        elif what == "unsigned":
            qs = unsigned(Letter.objects.filter(street__in=streets), year).select_related("party", "street")
            for letter in qs.order_by("street__code", "party__name"):
                self.stdout.write(f"{letter.street.name}\t{letter.party.uscc}\t{letter.party.name}")
        else:
            late = overdue(Notice.objects.filter(street__in=streets)).select_related("party", "street")
            for notice in late.order_by("deadline"):
                due = timezone.localtime(notice.deadline).strftime("%Y-%m-%d %H:%M")
                self.stdout.write(
                    f"{notice.number}\t{notice.party.name}\t{due}\t{notice.get_status_display()}"
                )
