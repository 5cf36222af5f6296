"""``cityloop token create USERNAME`` prints a new API bearer token; ``token revoke TOKEN`` ends the
token given whole or by any prefix of it (several only with ``--all``)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from cityloop.core.actions import create_api_token, revoke_api_token
from cityloop.core.audit import request_context, system_actor
from cityloop.core.models import ApiToken, User
from cityloop.core.tokens import STORED_PREFIX_LENGTH, active_tokens_matching


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
        revoke = sub.add_parser("revoke", help="revoke a token, given whole or by any prefix of it")
        revoke.add_argument("prefix", metavar="TOKEN", help="the token, or its first characters")
        revoke.add_argument(
            "--all", action="store_true", help="revoke every token the prefix matches, if several"
        )

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
                self._revoke(options["prefix"], every=options["all"])

    def _revoke(self, given: str, *, every: bool) -> None:
        found = active_tokens_matching(given)
        if not found:
            raise CommandError(f"no active token is or starts with {given!r}")
        if len(found) > 1 and not every:
            listing = "\n".join(f"  {_describe(token)}" for token in found)
            more = (
                f"give the whole token (only its first {STORED_PREFIX_LENGTH} characters are kept in clear)"
                if len(given) >= STORED_PREFIX_LENGTH
                else "give more of it"
            )
            raise CommandError(
                f"{len(found)} active tokens start with {given!r}; {more}, "
                f"or add --all to revoke them all:\n{listing}"
            )
        with transaction.atomic():
            for token in found:
                revoke_api_token(actor=system_actor(), token=token)
        for token in found:
            self.stdout.write(f"revoked {_describe(token)}")


def _describe(token: ApiToken) -> str:
    label = token.name or "no name"
    return f"{token.prefix}… of {token.user.username} ({label}, {token.created_at:%Y-%m-%d})"
