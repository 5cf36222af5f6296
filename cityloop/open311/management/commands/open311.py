"""``cityloop open311 clients create NAME`` issues a client application its ``api_key`` and prints
it (only its digest is kept); ``clients revoke NAME`` ends it; ``clients list`` shows them."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityloop.core.audit import request_context, system_actor
from cityloop.open311.actions import create_client, revoke_client
from cityloop.open311.models import ClientApplication


class Command(BaseCommand):
    help = "Open311: client applications and their api_key."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="what", required=True)
        clients = sub.add_parser("clients", help="client applications that post service requests")
        ops = clients.add_subparsers(dest="op", required=True)
        create = ops.add_parser("create", help="register an application and print its api_key")
        create.add_argument("name")
        create.add_argument(
            "--rate",
            default="",
            help="its own limit, e.g. 6000/m, or none (default: CITYLOOP_RATELIMIT_OPEN311_KEY)",
        )
        revoke = ops.add_parser("revoke", help="revoke an application's api_key")
        revoke.add_argument("name")
        ops.add_parser("list", help="list the applications")

    def handle(self, *args: Any, **options: Any) -> None:
        with request_context(None):
            if options["op"] == "create":
                try:
                    _, raw = create_client(
                        actor=system_actor(), name=options["name"], rate_limit=options["rate"]
                    )
                except ValidationError as exc:
                    raise CommandError("; ".join(exc.messages)) from None
                self.stdout.write(raw)
            elif options["op"] == "revoke":
                client = ClientApplication.objects.filter(name=options["name"]).first()
                if client is None:
                    raise CommandError(f"no client application named {options['name']!r}")
                revoke_client(actor=system_actor(), client=client)
                self.stdout.write(f"revoked {client.name} ({client.prefix}…)")
            else:
                for client in ClientApplication.objects.order_by("name"):
                    state = f"revoked {client.revoked_at:%Y-%m-%d}" if client.revoked_at else "active"
                    self.stdout.write(
                        f"{client.name}\t{client.prefix}…\t{client.rate_limit or 'default'}\t{state}"
                    )
