"""Base layers and overlays of the maps, as configuration (``CITYLOOP_MAP_LAYERS``).

Each layer is a tile service the browser fetches from (XYZ or WMTS, e.g. 天地图 with a key) or an
MBTiles file that CityLoop serves itself at ``/tiles/<id>/<z>/<x>/<y>.<ext>`` for networks without
internet. With no layer at all the maps draw the city's own grids, roads and boundaries with names.

Standard library only: ``settings`` imports this to build the Content-Security-Policy's ``img-src``.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TYPES = ("xyz", "wmts", "mbtiles")
RASTER_FORMATS = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}
# WMTS RESTful templates name the tile by matrix, row and column; the browser's tile layer by z, y, x.
_WMTS_NAMES = {"{TileMatrix}": "{z}", "{TileRow}": "{y}", "{TileCol}": "{x}"}
_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


@dataclass
class Layer:
    """One configured layer; ``problems`` holds what is wrong with it (the system check reports them)."""

    id: str
    name: str
    type: str
    url: str = ""
    path: str = ""
    subdomains: str = ""
    key: str = ""
    attribution: str = ""
    min_zoom: int = 0
    max_zoom: int = 19
    overlay: bool = False
    format: str = ""
    native_max_zoom: int | None = None
    problems: list[str] = field(default_factory=list)

    def template(self) -> str:
        """The browser's URL template: ``{z}/{x}/{y}`` and ``{s}``, the key filled in."""
        if self.type == "mbtiles":
            return f"/tiles/{self.id}/{{z}}/{{x}}/{{y}}.{self.format or 'png'}"
        url = self.url
        for name, xyz in _WMTS_NAMES.items():
            url = url.replace(name, xyz)
        return url.replace("{key}", self.key)

    def hosts(self) -> list[str]:
        """The origins its tiles come from, one per subdomain (CSP wildcards cover whole labels only)."""
        if self.type == "mbtiles":
            return []
        scheme, _, rest = self.url.partition("://")
        host = rest.split("/", 1)[0].split("?", 1)[0]
        if not scheme or not host:
            return []
        if "{s}" in host:
            return [f"{scheme}://{host.replace('{s}', s)}" for s in self.subdomains or "abc"]
        return [f"{scheme}://{host}"]

    def for_browser(self) -> dict[str, Any]:
        options: dict[str, Any] = {"minZoom": self.min_zoom, "maxZoom": self.max_zoom}
        if self.subdomains:
            options["subdomains"] = self.subdomains
        if self.attribution:
            options["attribution"] = self.attribution
        if self.native_max_zoom is not None:
            # Beyond the file's deepest level the last tiles are enlarged instead of missing.
            options["maxNativeZoom"] = self.native_max_zoom
        return {
            "id": self.id,
            "name": self.name,
            "url": self.template(),
            "overlay": self.overlay,
            "options": options,
        }


def _raw_entries(raw: Any) -> tuple[list[Any], list[str]]:
    """The list of layer entries from JSON text, a path to a JSON file, or a list already parsed."""
    if raw in (None, "", []):
        return [], []
    if isinstance(raw, str):
        text = raw.strip()
        if not text.startswith(("[", "{")):
            try:
                text = Path(text).read_text(encoding="utf-8")
            except OSError as exc:
                return [], [f"CITYLOOP_MAP_LAYERS: cannot read the file {raw}: {exc.strerror}"]
        try:
            raw = json.loads(text)
        except ValueError as exc:
            return [], [f"CITYLOOP_MAP_LAYERS is not valid JSON: {exc}"]
    if isinstance(raw, dict):
        raw = raw.get("layers", [])
    if not isinstance(raw, list):
        return [], ["CITYLOOP_MAP_LAYERS must be a list of layers"]
    return raw, []


def _int(entry: dict[str, Any], name: str, default: int, problems: list[str]) -> int:
    value = entry.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 24:
        problems.append(f"{name} must be a whole number from 0 to 24")
        return default
    return value


def _layer(index: int, entry: Any) -> Layer:
    if not isinstance(entry, dict):
        return Layer(id=f"layer{index + 1}", name="", type="", problems=["must be an object"])
    problems: list[str] = []
    layer_id = str(entry.get("id") or f"layer{index + 1}")
    if not _ID.match(layer_id):
        problems.append("id may hold only letters, digits, - and _")
    key = str(entry.get("key") or "")
    if entry.get("key_env"):
        key = os.environ.get(str(entry["key_env"]), "")
    layer = Layer(
        id=layer_id,
        name=str(entry.get("name") or layer_id),
        type=str(entry.get("type") or "xyz").lower(),
        url=str(entry.get("url") or ""),
        path=str(entry.get("path") or ""),
        subdomains=str(entry.get("subdomains") or ""),
        key=key,
        attribution=str(entry.get("attribution") or ""),
        min_zoom=_int(entry, "min_zoom", 0, problems),
        max_zoom=_int(entry, "max_zoom", 19, problems),
        overlay=bool(entry.get("overlay", False)),
        problems=problems,
    )
    if layer.type not in TYPES:
        problems.append(f"unknown type {layer.type!r} (one of {', '.join(TYPES)})")
    elif layer.type == "mbtiles":
        _check_mbtiles(layer, entry)
    else:
        _check_url(layer, entry)
    return layer


def _check_url(layer: Layer, entry: dict[str, Any]) -> None:
    url = layer.url
    if not url.startswith(("https://", "http://")):
        layer.problems.append("url must start with https:// or http://")
        return
    placeholders = ("{z}", "{x}", "{y}")
    if layer.type == "wmts" and "{TileMatrix}" in url:
        placeholders = ("{TileMatrix}", "{TileRow}", "{TileCol}")
    missing = [p for p in placeholders if p not in url]
    if missing:
        layer.problems.append(
            f"url lacks the placeholder{'s' if len(missing) > 1 else ''} {' '.join(missing)}"
        )
    if "{s}" in url and not layer.subdomains:
        layer.subdomains = "abc"
    if "{key}" in url and not layer.key:
        where = f"the environment variable {entry['key_env']}" if entry.get("key_env") else "key or key_env"
        layer.problems.append(f"url needs {{key}} but {where} is empty")


def _check_mbtiles(layer: Layer, entry: dict[str, Any]) -> None:
    if not layer.path:
        layer.problems.append("an mbtiles layer needs path")
        return
    if not os.path.isfile(layer.path):
        layer.problems.append(f"no MBTiles file at {layer.path}")
        return
    try:
        meta = read_metadata(layer.path)
    except sqlite3.Error as exc:
        layer.problems.append(f"{layer.path} is not a readable MBTiles file: {exc}")
        return
    fmt = meta.get("format", "png").lower()
    if fmt not in RASTER_FORMATS:
        layer.problems.append(
            f"{layer.path} holds {fmt} tiles; only raster tiles (png, jpg, webp) can be served"
        )
        return
    layer.format = "jpg" if fmt == "jpeg" else fmt
    zooms = [int(meta[k]) for k in ("minzoom", "maxzoom") if str(meta.get(k, "")).isdigit()]
    if len(zooms) == 2:
        if "min_zoom" not in entry:
            layer.min_zoom = zooms[0]
        layer.native_max_zoom = zooms[1]


def open_mbtiles(path: str) -> sqlite3.Connection:
    """The file, read only: CityLoop never writes to a tile set.

    An MBTiles file is an SQLite file of someone else's making, not CityLoop's database: there is no
    model or migration for it, so it is read with the standard library's sqlite3, not the ORM (no
    bypass of the ORM to measure against)."""
    return sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)


def read_metadata(path: str) -> dict[str, str]:
    with open_mbtiles(path) as db:
        return {str(k): str(v) for k, v in db.execute("SELECT name, value FROM metadata")}


def parse(raw: Any, tile_url: str = "") -> list[Layer]:
    """The configured layers, problems included; ``CITYLOOP_MAP_TILE_URL`` alone is one XYZ base layer."""
    entries, problems = _raw_entries(raw)
    if problems:
        return [Layer(id="CITYLOOP_MAP_LAYERS", name="", type="", problems=problems)]
    if not entries and tile_url:
        entries = [{"id": "tiles", "name": "底图", "type": "xyz", "url": tile_url}]
    layers = [_layer(i, e) for i, e in enumerate(entries)]
    seen: set[str] = set()
    for layer in layers:
        if layer.id in seen:
            layer.problems.append(f"the id {layer.id} is used twice")
        seen.add(layer.id)
    return layers


def tile_hosts(raw: Any, tile_url: str = "") -> list[str]:
    """Every origin the configured layers fetch tiles from, for ``img-src``."""
    hosts: list[str] = []
    for layer in parse(raw, tile_url):
        hosts.extend(h for h in layer.hosts() if h not in hosts)
    return hosts
