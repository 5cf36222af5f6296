"""``cityloop audit verify`` walks the audit chain; ``cityloop audit head`` exports its head.

verify exits non-zero and names the first entry that was changed, deleted or inserted; with
``--from-head FILE`` (a head exported earlier) or ``--expect HASH`` it also checks that the chain
still holds that head. head prints the last entry's id, time and hash as JSON (``--date``: at the end
of that day, local time) for an auditor to keep.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityloop.core import audit_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain, or export its head for a third party to hold."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="op", required=True)
        verify = sub.add_parser("verify", help="walk the chain; name the first broken entry")
        verify.add_argument("--from-head", metavar="FILE", help="a head exported by `audit head`")
        verify.add_argument("--expect", metavar="HASH", help="the hash of the entry --id names")
        verify.add_argument("--id", type=int, help="with --expect: the entry's id")
        verify.add_argument("--json", action="store_true", help="print the result as JSON")
        head = sub.add_parser("head", help="print the chain's head as JSON")
        head.add_argument("--date", help="YYYY-MM-DD: the head at the end of that day (local time)")
        head.add_argument("--output", metavar="FILE", help="write it to FILE instead")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["op"] == "verify":
            self.verify(options)
        else:
            self.head(options)

    def verify(self, options: dict[str, Any]) -> None:
        expect = None
        if options["from_head"]:
            try:
                expect = json.loads(Path(options["from_head"]).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise CommandError(f"cannot read the head file: {exc}") from None
        elif options["expect"]:
            if options["id"] is None:
                raise CommandError("--expect needs --id (the entry the hash belongs to)")
            expect = {"id": options["id"], "hash": options["expect"]}
        started = time.perf_counter()
        report = audit_chain.verify(expect=expect)
        seconds = time.perf_counter() - started
        result = {
            "ok": report.ok,
            "checked": report.checked,
            "last_id": report.last_id,
            "last_hash": report.last_hash,
            "seconds": round(seconds, 3),
            "break": report.problem.as_dict() if report.problem else None,
        }
        if options["json"]:
            self.stdout.write(json.dumps(result, sort_keys=True))
        elif report.ok:
            self.stdout.write(
                f"ok: {report.checked} entries chain up to #{report.last_id} {report.last_hash} "
                f"({seconds:.1f}s)"
            )
        if report.problem is not None:
            problem = report.problem
            where = f"#{problem.entry_id}" if problem.entry_id is not None else "the head"
            raise CommandError(f"audit chain broken at {where}: {problem.kind}: {problem.detail}")

    def head(self, options: dict[str, Any]) -> None:
        day = None
        if options["date"]:
            try:
                day = dt.date.fromisoformat(options["date"])
            except ValueError:
                raise CommandError("--date must be YYYY-MM-DD") from None
        head = audit_chain.head_at(day)
        if head is None:
            raise CommandError("the audit log has no entry yet" if day is None else "no entry by then")
        text = json.dumps(head, sort_keys=True)
        if options["output"]:
            Path(options["output"]).write_text(text + "\n", encoding="utf-8")
        else:
            self.stdout.write(text)
