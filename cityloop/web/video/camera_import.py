"""Importing cameras in the console (视频巡查 → 摄像头 → 导入摄像头): a CSV or GeoJSON file, all or
nothing, every wrong row named in Chinese, as ``POST /api/v1/video/camera-files`` does."""

from __future__ import annotations

import re

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cityloop.core.models import Role
from cityloop.core.permissions import jurisdiction_paths, scope_for
from cityloop.video import cameras as camera_actions
from cityloop.video.files import ALIASES, MAX_BYTES
from cityloop.video.models import Camera

from ..access import current_user, roles_required

SUFFIXES = (".csv", ".geojson", ".json")
CODE_IN_ERROR = re.compile(r"（([a-z_]+)）")


def may_import(request: HttpRequest) -> bool:
    """Whether the signed-in user administers cameras somewhere (and so may import them)."""
    user = current_user(request)
    return user.is_superuser or bool(jurisdiction_paths(user, scope_for(Camera).actions["manage"]))


def _split(error: str) -> tuple[str, str, str]:
    found = CODE_IN_ERROR.search(error)
    if found is None:
        return error, "", ""
    return error[: found.start()], found.group(1), error[found.end() :]


@require_http_methods(["GET", "POST"])
@roles_required(Role.ADMIN)
def import_cameras(request: HttpRequest) -> HttpResponse:
    """Upload a camera file; it applies entirely or lists every wrong row."""
    if not may_import(request):
        raise PermissionDenied("only an administrator imports cameras")
    columns = [(field, header) for header, field in ALIASES.items()]
    context: dict[str, object] = {"errors": [], "counts": None, "columns": columns}
    status = 200
    if request.method == "POST":
        given = request.FILES.get("file")
        name = (given.name or "").lower() if given else ""
        if given is None or not name.endswith(SUFFIXES):
            context["errors"] = [_("Choose a CSV or GeoJSON file of cameras.")]
        elif given.size and given.size > MAX_BYTES:
            context["errors"] = [_("The file is too large.")]
        else:
            try:
                context["counts"] = camera_actions.import_camera_file(
                    actor=current_user(request), name=name, content=given.read()
                )
            except camera_actions.ImportRefused as exc:
                context["errors"] = exc.rows
            except ValidationError as exc:
                context["errors"] = [m for ms in exc.message_dict.values() for m in ms]
            except camera_actions.OutsideJurisdiction:
                context["errors"] = [_("Some cameras lie outside your jurisdiction: nothing was imported.")]
                status = 403
    if context["errors"] and status == 200:
        status = 400
    # A row error names its column as 纬度（lat）: the code is shown as code, the rest as words.
    context["errors"] = [_split(str(e)) for e in context["errors"]]  # type: ignore[attr-defined]
    return render(request, "web/video/import.html", context, status=status)
