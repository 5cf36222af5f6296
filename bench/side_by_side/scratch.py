"""Scratch databases and directories, one per variant and engine, made for a run and removed after
it (also when it fails or is interrupted), and the environment a variant's processes run in."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .checkouts import REPO, Variant

SCRATCH = REPO / "var" / "bench"
DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DRIVER = Path(__file__).resolve().parent / "driver.py"


@dataclass(frozen=True)
class Place:
    """Where one variant runs on one engine: its database and its scratch ``var`` directory."""

    variant: Variant
    engine: str  # "sqlite" or "postgresql"
    url: str
    database: str  # the file, or the PostgreSQL database's name
    var_dir: Path
    secret_key: str

    def env(self) -> dict[str, str]:
        """The environment of this variant's processes: its checkout first on the path."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("BENCH_")}
        env.update(
            PYTHONPATH=str(self.variant.path),
            DJANGO_SETTINGS_MODULE="cityloop.settings",
            DATABASE_URL=self.url,
            CITYLOOP_VAR_DIR=str(self.var_dir),
            SECRET_KEY=self.secret_key,
            DEBUG="",  # DEBUG keeps every query in memory
        )
        env.update(self.variant.env)
        return env

    def driver(self, *args: str) -> list[str]:
        """The command line running the driver with ``args`` (cwd: the variant's checkout)."""
        return [sys.executable, str(DRIVER), *args]


def _postgres_url(base: str, database: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{database}"))


def _admin(base: str) -> Any:
    import psycopg

    try:
        return psycopg.connect(base, autocommit=True)
    except psycopg.OperationalError as exc:
        raise SystemExit(f"PostgreSQL at {base} is not reachable ({exc}); use --engine sqlite") from None


def _remove_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-writelock", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def places(
    engine: str, variants: list[Variant], postgres_url: str = DEFAULT_POSTGRES_URL
) -> Iterator[list[Place]]:
    """A fresh database and ``var`` directory per variant, removed on the way out (PostgreSQL's
    dropped ``WITH (FORCE)``, which ends the connections a killed process left behind)."""
    tag = f"{os.getpid()}"
    made: list[Place] = []
    admin = _admin(postgres_url) if engine == "postgresql" else None
    try:
        for variant in variants:
            var_dir = SCRATCH / f"sbs-{tag}-{variant.name}-var"
            if engine == "sqlite":
                file = SCRATCH / f"sbs-{tag}-{variant.name}.sqlite3"
                _remove_sqlite(file)
                place = Place(
                    variant, engine, f"sqlite:///{file}", str(file), var_dir, secrets.token_urlsafe(40)
                )
            else:
                name = re.sub(r"\W", "_", f"cityloop_sbs_{tag}_{variant.name}")
                assert admin is not None
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{name}"')
                url = _postgres_url(postgres_url, name)
                place = Place(variant, engine, url, name, var_dir, secrets.token_urlsafe(40))
            made.append(place)
            var_dir.mkdir(parents=True, exist_ok=True)
        yield made
    finally:
        for place in made:
            if engine == "sqlite":
                _remove_sqlite(Path(place.database))
            elif admin is not None:
                admin.execute(f'DROP DATABASE IF EXISTS "{place.database}" WITH (FORCE)')
            shutil.rmtree(place.var_dir, ignore_errors=True)
        if admin is not None:
            admin.close()
