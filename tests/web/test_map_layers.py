"""Base layers as configuration (XYZ, WMTS, MBTiles), their start-up check, offline tiles served by
CityLoop, and the CSP that lets the browser fetch the configured tiles."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from PIL import Image

from cityloop.web.maplayers import parse, tile_hosts
from cityloop.web.tiles import check_map_layers

from .conftest import html

TIANDITU = [
    {
        "id": "tdt-vec",
        "name": "天地图矢量",
        "type": "wmts",
        "url": "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0&LAYER=vec"
        "&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}",
        "subdomains": "01234567",
        "key_env": "CITYLOOP_TEST_TDT_KEY",
        "attribution": "天地图",
        "max_zoom": 18,
    },
    {
        "id": "tdt-cva",
        "name": "天地图注记",
        "type": "wmts",
        "url": "https://t{s}.tianditu.gov.cn/cva_w/wmts/{TileMatrix}/{TileRow}/{TileCol}?tk={key}",
        "subdomains": "01",
        "key_env": "CITYLOOP_TEST_TDT_KEY",
        "overlay": True,
    },
    {"id": "osm", "name": "街道图", "type": "xyz", "url": "https://{s}.tiles.example/{z}/{x}/{y}.png"},
]


def _png(colour: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(out, "PNG")
    return out.getvalue()


def make_mbtiles(
    path: Path, fmt: str = "png", tiles: dict[tuple[int, int, int], bytes] | None = None
) -> Path:
    """A tiny MBTiles file; ``tiles`` keyed by (z, x, y) as the map asks (XYZ, top row 0)."""
    zooms = [z for z, _, _ in tiles or {}] or [1, 2]
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE metadata (name TEXT, value TEXT)")
    db.execute(
        "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB)"
    )
    db.executemany(
        "INSERT INTO metadata VALUES (?, ?)",
        [("name", "city"), ("format", fmt), ("minzoom", str(min(zooms))), ("maxzoom", str(max(zooms)))],
    )
    for (z, x, y), data in (tiles or {}).items():
        db.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, 2**z - 1 - y, data))
    db.commit()
    db.close()
    return path


@pytest.fixture
def city_tiles(tmp_path: Path) -> Path:
    return make_mbtiles(
        tmp_path / "city.mbtiles",
        tiles={(1, 0, 0): _png("red"), (1, 0, 1): _png("blue"), (2, 3, 1): _png("green")},
    )


def test_tianditu_layers_are_parsed_with_the_key_from_the_environment(monkeypatch):
    monkeypatch.setenv("CITYLOOP_TEST_TDT_KEY", "secret123")
    vec, cva, osm = parse(json.dumps(TIANDITU))
    assert [vec.problems, cva.problems, osm.problems] == [[], [], []]
    browser = vec.for_browser()
    assert browser["url"].endswith("TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=secret123")
    assert browser["options"] == {
        "minZoom": 0,
        "maxZoom": 18,
        "subdomains": "01234567",
        "attribution": "天地图",
    }
    # A RESTful WMTS template's matrix, row and column become the map's z, y and x.
    assert cva.for_browser()["url"] == "https://t{s}.tianditu.gov.cn/cva_w/wmts/{z}/{y}/{x}?tk=secret123"
    assert cva.overlay and not vec.overlay
    assert osm.for_browser()["options"]["subdomains"] == "abc"


def test_the_configuration_may_be_a_file(tmp_path):
    path = tmp_path / "layers.json"
    path.write_text(json.dumps({"layers": TIANDITU[2:]}), encoding="utf-8")
    assert [layer.name for layer in parse(str(path))] == ["街道图"]


def test_the_old_single_tile_url_is_one_base_layer():
    (layer,) = parse("", "https://tiles.example/{z}/{x}/{y}.png")
    assert layer.type == "xyz" and layer.for_browser()["url"] == "https://tiles.example/{z}/{x}/{y}.png"
    assert parse("", "") == []


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"name": "甲", "type": "tms", "url": "https://a/{z}/{x}/{y}"},
            "Map layer layer1 (甲): unknown type 'tms'",
        ),
        (
            {"name": "乙", "url": "https://a/{z}/{x}.png"},
            "Map layer layer1 (乙): url lacks the placeholder {y}",
        ),
        (
            {"name": "丙", "type": "wmts", "url": "https://a/wmts/{TileMatrix}/{TileCol}"},
            "Map layer layer1 (丙): url lacks the placeholder {TileRow}",
        ),
        (
            {"name": "丁", "url": "https://a/{z}/{x}/{y}?tk={key}", "key_env": "CITYLOOP_TEST_NO_KEY"},
            "(丁): url needs {key} but the environment variable CITYLOOP_TEST_NO_KEY is empty",
        ),
        ({"name": "戊", "url": "ftp://a/{z}/{x}/{y}"}, "url must start with https:// or http://"),
        ({"name": "己", "type": "mbtiles", "path": "/nonexistent/city.mbtiles"}, "no MBTiles file at"),
        ({"id": "a b", "url": "https://a/{z}/{x}/{y}"}, "id may hold only letters"),
    ],
)
def test_the_system_check_names_the_bad_layer(entry, message):
    with override_settings(CITYLOOP_MAP_LAYERS=json.dumps([entry])):
        errors = check_map_layers()
    assert len(errors) == 1 and errors[0].id == "cityloop.E101"
    assert message in errors[0].msg


def test_the_system_check_refuses_vector_tiles_and_bad_json(tmp_path):
    pbf = make_mbtiles(tmp_path / "vector.mbtiles", fmt="pbf")
    with override_settings(CITYLOOP_MAP_LAYERS=json.dumps([{"type": "mbtiles", "path": str(pbf)}])):
        (error,) = check_map_layers()
    assert "holds pbf tiles; only raster tiles (png, jpg, webp) can be served" in error.msg
    with override_settings(CITYLOOP_MAP_LAYERS="[{"):
        (error,) = check_map_layers()
    assert "CITYLOOP_MAP_LAYERS is not valid JSON" in error.msg
    with override_settings(CITYLOOP_MAP_LAYERS=json.dumps(TIANDITU[2:] * 2)):
        (error,) = check_map_layers()
    assert "the id osm is used twice" in error.msg


def test_a_good_configuration_passes_the_check(city_tiles, monkeypatch):
    monkeypatch.setenv("CITYLOOP_TEST_TDT_KEY", "k")
    layers = [*TIANDITU, {"id": "offline", "name": "离线底图", "type": "mbtiles", "path": str(city_tiles)}]
    with override_settings(CITYLOOP_MAP_LAYERS=json.dumps(layers)):
        assert check_map_layers() == []


def test_the_pages_carry_the_layers_as_a_json_block(loop, client_as, city_tiles):
    layers = [{"id": "offline", "name": "离线底图", "type": "mbtiles", "path": str(city_tiles)}, TIANDITU[2]]
    with override_settings(CITYLOOP_MAP_LAYERS=json.dumps(layers)):
        page = html(client_as("operator").get("/map/"))
    block = page.split('<script id="map-layers" type="application/json">')[1].split("</script>")[0]
    offline, osm = json.loads(block)
    assert offline["url"] == "/tiles/offline/{z}/{x}/{y}.png" and offline["name"] == "离线底图"
    assert offline["options"] == {"minZoom": 1, "maxZoom": 19, "maxNativeZoom": 2}
    assert osm["url"] == "https://{s}.tiles.example/{z}/{x}/{y}.png" and not osm["overlay"]


def test_mbtiles_tiles_are_served_to_anyone_with_the_rows_flipped(client, db, city_tiles):
    layers = [{"id": "offline", "name": "离线底图", "type": "mbtiles", "path": str(city_tiles)}]
    with override_settings(CITYLOOP_MAP_LAYERS=json.dumps(layers)):
        top = client.get("/tiles/offline/1/0/0.png")
        bottom = client.get("/tiles/offline/1/0/1.png")
        deeper = client.get("/tiles/offline/2/3/1.png")
        missing = client.get("/tiles/offline/1/1/1.png")
        outside = client.get("/tiles/offline/1/2/0.png")
        unknown = client.get("/tiles/nosuch/1/0/0.png")
        again = client.get("/tiles/offline/1/0/0.png", HTTP_IF_NONE_MATCH=top["ETag"])
    assert top.status_code == 200 and top["Content-Type"] == "image/png"
    assert Image.open(io.BytesIO(top.content)).getpixel((5, 5)) == (255, 0, 0)
    assert Image.open(io.BytesIO(bottom.content)).getpixel((5, 5)) == (0, 0, 255)
    assert Image.open(io.BytesIO(deeper.content)).getpixel((5, 5)) == (0, 128, 0)
    assert top["Cache-Control"] == "public, max-age=604800"
    assert top["ETag"].startswith('"') and top["ETag"] != bottom["ETag"]
    assert again.status_code == 304 and again.content == b""
    assert [missing.status_code, outside.status_code, unknown.status_code] == [404, 404, 404]


def test_the_mbtiles_file_is_opened_read_only(client, db, city_tiles):
    from cityloop.web.maplayers import open_mbtiles

    with pytest.raises(sqlite3.OperationalError), open_mbtiles(str(city_tiles)) as ro:
        ro.execute("DELETE FROM tiles")


def test_tile_hosts_name_every_subdomain(monkeypatch):
    monkeypatch.setenv("CITYLOOP_TEST_TDT_KEY", "k")
    hosts = tile_hosts(json.dumps(TIANDITU))
    assert hosts[:8] == [f"https://t{i}.tianditu.gov.cn" for i in range(8)]
    assert hosts[8:] == ["https://a.tiles.example", "https://b.tiles.example", "https://c.tiles.example"]


def test_the_csp_lets_the_browser_fetch_every_configured_host(monkeypatch):
    env = {
        **os.environ,
        "CITYLOOP_MAP_LAYERS": json.dumps(TIANDITU),
        "CITYLOOP_TEST_TDT_KEY": "k",
        "DJANGO_SETTINGS_MODULE": "cityloop.settings",
    }
    env.pop("CITYLOOP_CSP_REPORT_ONLY", None)
    script = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src']))"
    )
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    img_src = json.loads(out.stdout.strip().splitlines()[-1])
    assert "https://t7.tianditu.gov.cn" in img_src and "https://c.tiles.example" in img_src
    assert "*" not in img_src and not any("{" in source for source in img_src)


def test_a_tile_sets_no_cookie_so_shared_caches_may_keep_it(client, db, city_tiles):
    layers = [{"id": "offline", "name": "离线底图", "type": "mbtiles", "path": str(city_tiles)}]
    with override_settings(CITYLOOP_MAP_LAYERS=json.dumps(layers)):
        response = client.get("/tiles/offline/1/0/0.png")
    assert response.status_code == 200 and not response.cookies
    assert "Cookie" not in response.get("Vary", "")
