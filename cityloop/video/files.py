"""Reading a camera file: CSV (UTF-8 or GB18030, header row) or GeoJSON (Point features, with the
field of view as an optional ``fov`` polygon in the properties). Each row remembers where it was
(第N行 / 第N个要素) for the importer's messages."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.core.exceptions import ValidationError

MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
COLUMNS = ("code", "name", "lon", "lat", "owner")
# Chinese headers a city's own spreadsheet may use.
ALIASES = {
    "编号": "code", "名称": "name", "经度": "lon", "纬度": "lat", "权属单位": "owner", "朝向": "direction",
    "视角": "fov_angle", "视距": "range_m", "视频流地址": "stream_url", "抓图地址": "snapshot_url",
    "重点区域": "key_area", "重点时段": "hours",
}  # fmt: skip


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValidationError({"file": "文件应为UTF-8或GB18030编码"})


def read_rows(name: str, content: bytes) -> list[dict[str, Any]]:
    """The rows of a camera file, by its name's ending (.csv, .geojson or .json)."""
    if len(content) > MAX_BYTES:
        raise ValidationError({"file": "文件超过20 MB"})
    text = _decode(content)
    lower = name.lower()
    if lower.endswith((".geojson", ".json")):
        return _geojson_rows(text)
    if lower.endswith(".csv"):
        return _csv_rows(text)
    raise ValidationError({"file": "请上传CSV或GeoJSON文件（.csv / .geojson）"})


def _csv_rows(text: str) -> list[dict[str, Any]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [ALIASES.get((h or "").strip(), (h or "").strip()) for h in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise ValidationError({"file": f"首行（表头）缺少列：{'、'.join(missing)}"})
    reader.fieldnames = header
    rows: list[dict[str, Any]] = []
    for row in reader:
        if len(rows) >= MAX_ROWS:
            raise ValidationError({"file": f"一次最多导入{MAX_ROWS}个摄像头"})
        clean = {k: (v or "").strip() for k, v in row.items() if isinstance(k, str)}
        clean["_where"] = f"第{reader.line_num}行"
        rows.append(clean)
    return rows


def _geojson_rows(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        raise ValidationError({"file": "不是有效的JSON"}) from None
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise ValidationError({"file": "应为GeoJSON要素集（FeatureCollection）"})
    if len(features) > MAX_ROWS:
        raise ValidationError({"file": f"一次最多导入{MAX_ROWS}个摄像头"})
    rows: list[dict[str, Any]] = []
    for n, feature in enumerate(features, start=1):
        where = f"第{n}个要素"
        props = feature.get("properties") if isinstance(feature, dict) else None
        geometry = feature.get("geometry") if isinstance(feature, dict) else None
        row: dict[str, Any] = {ALIASES.get(k, k): v for k, v in (props or {}).items() if isinstance(k, str)}
        row["_where"] = where
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if (
            isinstance(geometry, dict)
            and geometry.get("type") == "Point"
            and isinstance(coords, list)
            and len(coords) >= 2
        ):
            row["lon"], row["lat"] = coords[0], coords[1]
        else:
            row.setdefault("lon", None)
            row.setdefault("lat", None)
        for key in ("code", "name", "owner", "stream_url", "snapshot_url", "key_area", "hours"):
            if key in row and row[key] is not None:
                row[key] = str(row[key])
        rows.append(row)
    return rows
