"""Sending an uploaded file to someone already allowed to see it.

With ``CITYLOOP_PROTECTED_MEDIA`` set (e.g. ``/protected-media/``), the answer is empty and carries
``X-Accel-Redirect``: nginx then sends the file itself from an ``internal`` location aliasing
MEDIA_ROOT, so no worker process is held for the length of a download and nobody can fetch that
location directly. Empty (the default), the file is streamed from Python. The permission check stays
with each view; only how the answer is built is here.
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpResponse, HttpResponseBase


def protected_media_prefix() -> str:
    """The internal location nginx serves MEDIA_ROOT under, with a trailing slash; "" when unset."""
    prefix = str(getattr(settings, "CITYLOOP_PROTECTED_MEDIA", "") or "").strip()
    if not prefix:
        return ""
    return "/" + prefix.strip("/") + "/"


def file_response(
    field_file: FieldFile, content_type: str, cache_control: str = "private, max-age=3600"
) -> HttpResponseBase:
    """The file's bytes (or nginx's redirect to them), with its content type and cache headers."""
    prefix = protected_media_prefix()
    response: HttpResponseBase
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix + quote(field_file.name or "", safe="/")
    else:
        response = FileResponse(field_file.open("rb"), content_type=content_type)
    response["Cache-Control"] = cache_control
    return response
