"""The configured map layers for the pages, their start-up check, and offline tiles from MBTiles.

Tiles are served without an account: they show the city's streets, no case data, and the public
pages' maps use them too.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
from typing import Any

from django.conf import settings
from django.core import checks
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.urls import get_script_prefix
from django.views.decorators.http import require_GET

from .maplayers import RASTER_FORMATS, Layer, open_mbtiles, parse

TILE_MAX_AGE = 7 * 24 * 3600
_parsed: dict[tuple[str, str], list[Layer]] = {}
_lock = threading.Lock()


def layers() -> list[Layer]:
    """The layers as configured now (parsed once per configuration)."""
    raw = getattr(settings, "CITYLOOP_MAP_LAYERS", "") or ""
    key = (raw if isinstance(raw, str) else repr(raw), getattr(settings, "CITYLOOP_MAP_TILE_URL", "") or "")
    with _lock:
        hit = _parsed.get(key)
    if hit is None:
        hit = parse(raw, key[1])
        with _lock:
            _parsed[key] = hit
    return hit


def browser_layers() -> list[dict[str, Any]]:
    """What the maps' script needs; a layer with a problem is left out (the system check names it)."""
    prefix = get_script_prefix()
    shown = [layer.for_browser() for layer in layers() if not layer.problems]
    for layer in shown:
        if layer["url"].startswith("/tiles/"):
            layer["url"] = prefix + layer["url"][1:]
    return shown


@checks.register()
def check_map_layers(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    return [
        checks.Error(
            f"Map layer {layer.id} ({layer.name or layer.type or '?'}): {problem}",
            hint="See docs/maps.md for the form of CITYLOOP_MAP_LAYERS.",
            id="cityloop.E101",
        )
        for layer in layers()
        for problem in layer.problems
    ]


@require_GET
def tile(request: HttpRequest, layer: str, z: int, x: int, y: int, ext: str) -> HttpResponse:
    """One tile of an MBTiles layer. The file stores rows bottom-up (TMS), the map asks top-down."""
    found = next(
        (lyr for lyr in layers() if lyr.id == layer and lyr.type == "mbtiles" and not lyr.problems), None
    )
    if found is None or ext not in RASTER_FORMATS or z > 24 or x >= 2**z or y >= 2**z:
        raise Http404("no such tile")
    try:
        with open_mbtiles(found.path) as db:
            row = db.execute(
                "SELECT tile_data FROM tiles WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?",
                (z, x, 2**z - 1 - y),
            ).fetchone()
    except sqlite3.Error as exc:
        raise Http404("no such tile") from exc
    if row is None:
        raise Http404("no such tile")
    data = bytes(row[0])
    etag = '"' + hashlib.blake2b(data, digest_size=16).hexdigest() + '"'
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(data, content_type=RASTER_FORMATS[found.format])
    response["ETag"] = etag
    response["Cache-Control"] = f"public, max-age={TILE_MAX_AGE}"
    return response
