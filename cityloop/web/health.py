"""``GET /healthz``: the database engine, the migration state and every registered check."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from cityloop import __version__
from cityloop.core.health import run_checks


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = run_checks()
    warnings = [f"{name}: {c['warning']}" for name, c in checks.items() if c.get("warning")]
    ok = bool(checks["database"]["ok"])
    body = {
        "status": "ok" if ok else "degraded",
        "version": __version__,
        "database": checks.pop("database"),
        "checks": checks,
        "warnings": warnings,
    }
    # 200 while the service can serve; pending migrations are reported in the body, and a failing
    # optional check is a warning, not an outage.
    return JsonResponse(body, status=200, json_dumps_params={"ensure_ascii": False})
