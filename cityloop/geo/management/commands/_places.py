"""What the gazetteer's import commands share: the file, ``--as``, ``--crs`` and the error report."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from cityloop.core.audit import command_actor, request_context
from cityloop.core.models import User
from cityloop.geo.placefiles import PlaceFileError


class PlaceImportCommand(BaseCommand):
    """Read a CSV with ``read(path, crs)``, then write its rows with ``write(rows, actor, source)``."""

    has_crs = True

    def read(self, path: Path, crs: str) -> list[Any]:
        raise NotImplementedError

    write: Callable[..., Any]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="a CSV file (UTF-8 or GB18030) with a header row")
        if self.has_crs:
            parser.add_argument(
                "--crs",
                default="wgs84",
                help="the coordinates' system where a row has no 'crs' column (wgs84, gcj02, bd09, cgcs2000)",
            )
        parser.add_argument("--as", dest="username", default=None, help="act as this user (default: system)")

    def handle(self, *args: Any, **options: Any) -> None:
        # Messages in the site's language (Chinese first), as the operators who import files read them.
        with translation.override(settings.LANGUAGE_CODE):
            self._import(options)

    def _import(self, options: dict[str, Any]) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(_("no such file: %(path)s") % {"path": path})
        actor: User = command_actor(options["username"])
        try:
            rows = self.read(path, options.get("crs") or "wgs84")
            with request_context(None):
                report = type(self).write(rows, actor=actor, source=path.name)
        except PlaceFileError as exc:
            for problem in exc.problems:
                self.stderr.write(problem)
            raise CommandError(
                _("%(file)s: %(count)d problems; nothing was imported")
                % {"file": path.name, "count": len(exc.problems)}
            ) from None
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(_("%(file)s: nothing was imported") % {"file": path.name}) from None
        self.stdout.write(f"{path.name}: {report.summary()}")
