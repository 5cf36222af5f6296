"""Health checks that ``/healthz`` reports. Apps add theirs in ``AppConfig.ready``.

A check returns a dict with at least ``ok`` (bool); ``warning`` (str) marks something an operator
should look at without the service being down (e.g. the holiday calendar running out).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

HealthCheck = Callable[[], dict[str, Any]]
_CHECKS: dict[str, HealthCheck] = {}


def register_check(name: str, check: HealthCheck) -> None:
    _CHECKS[name] = check


def database_check() -> dict[str, Any]:
    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return {
        "ok": not pending,
        "engine": connection.vendor,
        "migrations": "up to date" if not pending else "pending",
        "pending": [f"{m.app_label}.{m.name}" for m, _ in pending],
    }


def run_checks() -> dict[str, Any]:
    """Every registered check, each isolated so one failing check does not hide the others."""
    results: dict[str, Any] = {"database": database_check()}
    for name, check in _CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # a broken check is reported, not raised
            results[name] = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
    return results
