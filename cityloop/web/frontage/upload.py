"""The import page: a CSV, GeoJSON or zipped Shapefile of parties and zones into ``import_frontage``,
all or nothing, with the wrong rows listed in Chinese."""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cityloop.core.permissions import jurisdiction_paths, restrict, scope_for
from cityloop.frontage.actions import import_frontage
from cityloop.frontage.files import MAX_BYTES, read_file
from cityloop.frontage.models import Party

from ..access import current_user, roles_required
from .common import ROLES, errors_of

SUFFIXES = (".csv", ".geojson", ".json", ".zip", ".gpkg")
MAX_ERRORS_SHOWN = 200


@require_http_methods(["GET", "POST"])
@roles_required(*ROLES)
def upload(request: HttpRequest) -> HttpResponse:
    """Upload a file of parties; the import either applies entirely or lists every wrong row."""
    user = current_user(request)
    may = user.is_superuser or bool(jurisdiction_paths(user, scope_for(Party).actions["manage"]))
    context: dict[str, object] = {"may": may, "errors": [], "report": None}
    if request.method == "POST":
        if not may:
            raise PermissionDenied("only a street's frontage officer imports parties")
        given = request.FILES.get("file")
        suffix = Path(given.name or "").suffix.lower() if given else ""
        if given is None or suffix not in SUFFIXES:
            context["errors"] = [_("Choose a CSV, GeoJSON or zipped Shapefile.")]
        elif given.size and given.size > MAX_BYTES:
            context["errors"] = [_("The file is too large.")]
        else:
            context.update(_run(request, given, suffix))
    return render(request, "web/frontage/import.html", context)


def _run(request: HttpRequest, given: object, suffix: str) -> dict[str, object]:
    user = current_user(request)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        with path.open("wb") as out:
            for chunk in given.chunks():  # type: ignore[attr-defined]
                out.write(chunk)
        try:
            rows = list(read_file(path))
        except ValidationError as exc:
            return {"errors": errors_of(exc)}
        except (ValueError, OSError):
            return {"errors": [_("The file could not be read: check its format.")]}
    from django.db import transaction

    with transaction.atomic():
        report = import_frontage(rows, actor=user)
        if report.applied:
            # Parties placed outside the officer's streets roll the whole import back.
            managed = restrict(Party.objects.all(), user, "manage")
            outside = Party.objects.filter(uscc__in=[r.get("uscc", "") for r in rows]).exclude(
                pk__in=managed.values("pk")
            )
            if outside.exists():
                transaction.set_rollback(True)
                names = "、".join(outside.values_list("name", flat=True)[:5])
                return {"errors": [_("Some parties lie outside your streets: %(names)s") % {"names": names}]}
    return {"report": report, "row_errors": [str(e) for e in report.errors[:MAX_ERRORS_SHOWN]]}
