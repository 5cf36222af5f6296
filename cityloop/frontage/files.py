"""Frontage files: CSV (UTF-8, a header line; WKT ``geometry`` or ``lon``/``lat`` columns; English or
Chinese headers) and GeoJSON, Shapefile or GeoPackage read through :mod:`cityloop.geo.readers`.

Each row carries where it is (``_where``): "第7行" for CSV, counting the header as line 1, and
"第3个要素" for a feature, counting from 1.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError

from cityloop.geo.readers import SUFFIXES, read_geodata, rows_of

from .importing import ALIASES

MAX_BYTES = 200 * 1024 * 1024


def csv_rows(stream: IO[str]) -> Iterator[dict[str, Any]]:
    """Rows of a frontage CSV with their line numbers."""
    reader = csv.DictReader(stream)
    headers = {ALIASES.get((h or "").strip(), (h or "").strip()) for h in reader.fieldnames or []}
    if "uscc" not in headers:
        raise ValidationError({"file": "首行（表头）缺少“统一社会信用代码”（uscc）列"})
    for row in reader:
        row["_where"] = f"第{reader.line_num}行"
        yield row


def read_file(
    source: str | Path | IO[bytes], *, name: str | None = None, crs: str | None = None
) -> Iterator[dict[str, Any]]:
    """Rows of a frontage file, by its extension: .csv, .geojson/.json, .zip/.shp or .gpkg."""
    label = name or str(source)
    suffix = Path(label).suffix.lower()
    if suffix == ".csv":
        data = Path(source).read_bytes() if isinstance(source, str | Path) else source.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise ValidationError({"file": "文件超过200 MB"})
        try:
            content = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                content = data.decode("gb18030")
            except UnicodeDecodeError:
                raise ValidationError({"file": "CSV文件应为UTF-8或GB18030编码"}) from None
        return csv_rows(io.StringIO(content, newline=""))
    if suffix not in SUFFIXES:
        raise ValidationError(
            {"file": f"{Path(label).name}：请使用.csv、.geojson、压缩的Shapefile（.zip）、.shp或.gpkg文件"}
        )
    geodata = read_geodata(source, crs=crs, name=label)

    def features() -> Iterator[dict[str, Any]]:
        for number, row in enumerate(rows_of(geodata), start=1):
            row["_where"] = f"第{number}个要素"
            yield row

    return features()
