"""The ``cityloop`` console script: Django's management commands under the project's name.

``cityloop locate 120.1 30.2``, ``cityloop demo-city --seed 1``, ``cityloop migrate`` …
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run a management command with CityLoop's settings."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityloop.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv if argv is None else ["cityloop", *argv])
    args[0] = "cityloop"
    execute_from_command_line(args)


if __name__ == "__main__":
    main()
