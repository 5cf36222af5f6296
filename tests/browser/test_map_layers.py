"""The console map in Chromium with an offline MBTiles base layer and with no tiles at all: tiles come
from CityLoop itself, the layer switcher shows, and names appear as the operator zooms in."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from PIL import Image

from tests.cases import conftest as cases_conftest
from tests.geo.conftest import DLAT, DLON, ORIGIN
from tests.web.test_map_layers import make_mbtiles

from .conftest import DESKTOP, PHONE
from .test_pages import _login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
loop = cases_conftest.loop  # the small city of the case tests


def _tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    y = (1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n
    return int((lon + 180) / 360 * n), int(y)


def _city_tiles(path: Path) -> Path:
    """Pale tiles over the test city and a screen around it, from zoom 12 to 17."""
    out = io.BytesIO()
    Image.new("RGB", (256, 256), "#f3efe0").save(out, "PNG")
    tiles = {}
    for z in range(12, 18):
        x0, y0 = _tile(ORIGIN[0] - DLON, ORIGIN[1] + DLAT * 4, z)
        x1, y1 = _tile(ORIGIN[0] + DLON * 5, ORIGIN[1] - DLAT, z)
        around = [(x, y) for x in range(x0 - 4, x1 + 5) for y in range(y0 - 3, y1 + 4)]
        tiles.update({(z, x, y): out.getvalue() for x, y in around})
    return make_mbtiles(path, tiles=tiles)


def _labels(page: Any) -> dict[str, list[str]]:
    found = page.eval_on_selector_all(
        ".map-label", "els => els.map(e => [e.className.match(/map-label-(\\w+)/)[1], e.textContent])"
    )
    kinds: dict[str, list[str]] = {}
    for kind, text in found:
        kinds.setdefault(kind, []).append(text)
    return kinds


def _press(page: Any, button: str) -> bool:
    """One step of the zoom control; False once it is at its end."""
    control = page.locator(f".leaflet-control-zoom-{button}")
    if "leaflet-disabled" in (control.get_attribute("class") or ""):
        return False
    control.click()
    page.wait_for_timeout(400)
    return True


@pytest.mark.parametrize("tiles", ["mbtiles", "none"])
def test_the_map_names_places_and_shows_offline_tiles(
    browser: Any, reference_data: Any, live_server: Any, loop: Any, shots: Any, tmp_path: Path, tiles: str
) -> None:
    layers = []
    if tiles == "mbtiles":
        path = str(_city_tiles(tmp_path / "city.mbtiles"))
        layers = [
            {"id": "offline", "name": "离线底图", "type": "mbtiles", "path": path},
            {"id": "offline2", "name": "离线影像", "type": "mbtiles", "path": path},
        ]
    for viewport in (DESKTOP, PHONE):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m, seen=problems: seen.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda exc, seen=problems: seen.append(str(exc)))
        with override_settings(CITYLOOP_MAP_LAYERS=json.dumps(layers)):
            _login(page, live_server.url, "operator")
            page.goto(f"{live_server.url}/map/")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(500)
            loaded = page.eval_on_selector_all("img.leaflet-tile-loaded", "els => els.map(e => e.src)")
            if tiles == "mbtiles":
                assert loaded and all("/tiles/offline/" in src for src in loaded)
                assert page.locator(".leaflet-control-layers").count() == 1
            else:
                assert loaded == [] and page.locator(".leaflet-control-layers").count() == 0
            shots(page, f"{tiles}-{viewport['width']}-fit")
            for _ in range(12):
                _press(page, "out")
            assert _labels(page) == {}, "no names far out"
            seen: dict[str, set[str]] = {}
            while _press(page, "in"):
                for kind, names in _labels(page).items():
                    seen.setdefault(kind, set()).update(names)
            shots(page, f"{tiles}-{viewport['width']}-close")
        # Streets and communities on the way in, the grid codes close up.
        assert "东街道" in seen["street"], seen
        assert seen["community"] and seen["grid"], seen
        assert all(code.isdigit() for code in seen["grid"]), seen["grid"]
        assert "grid" in _labels(page), "the grid codes show at the closest zoom"
        assert problems == [], problems
        context.close()
