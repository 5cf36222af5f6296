"""``cityloop token create USERNAME`` prints a new API bearer token; ``token revoke PREFIX`` ends one."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityloop.core.actions import create_api_token, revoke_api_token
from cityloop.core.audit import request_context, system_actor
from cityloop.core.models import ApiToken, User


class Command(BaseCommand):
    help = "Create or revoke API bearer tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="op", required=True)
        create = sub.add_parser("create", help="print a new token for USERNAME")
        create.add_argument("username")
        create.add_argument("--name", default="cli", help="a label to recognise the token by")
        create.add_argument(
            "--rate",
            default="",
            help="its own rate limit: e.g. 6000/m for a busy integration, or none "
            "(default: CITYLOOP_RATELIMIT_TOKEN)",
        )
        revoke = sub.add_parser("revoke", help="revoke the token starting with PREFIX")
        revoke.add_argument("prefix")

    def handle(self, *args: Any, **options: Any) -> None:
        with request_context(None):
            if options["op"] == "create":
                user = User.objects.filter(username=options["username"], is_active=True).first()
                if user is None:
                    raise CommandError(f"no active user named {options['username']!r}")
                try:
                    _, raw = create_api_token(
                        actor=system_actor(), user=user, name=options["name"], rate_limit=options["rate"]
                    )
                except ValidationError as exc:
                    raise CommandError("; ".join(exc.messages)) from None
                self.stdout.write(raw)
            else:
                tokens = ApiToken.objects.filter(
                    prefix__startswith=options["prefix"], revoked_at__isnull=True
                )
                if tokens.count() != 1:
                    raise CommandError(
                        f"{tokens.count()} active tokens start with {options['prefix']!r}; give more of it"
                    )
                revoke_api_token(actor=system_actor(), token=tokens.get())
                self.stdout.write("revoked")
