"""Reading the gazetteer's CSV files: door numbers, points of interest, road aliases. Pure checks.

Every row is checked before anything is written; a problem names the row (as a spreadsheet counts
them: the header is row 1) and the column, in the reader's language.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from . import crs as crs_module
from .normalize import chinese_number, halfwidth

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_ROWS = 1_000_000
MAX_PROBLEMS = 200
_NUMBER_RE = re.compile(
    r"^(?:门牌)?(\d{1,5}|[零〇一二两三四五六七八九十百千]{1,8})((?:-\d{1,4})|[甲乙丙丁附])?号?$"
)
_ALIAS_SPLIT = re.compile(r"[;；|、,，]")
# Headers as Chinese spreadsheets and map exports write them, read as the columns they are.
COLUMN_NAMES = {
    "道路": "road",
    "路名": "road",
    "道路名称": "road",
    "门牌号": "number",
    "门牌": "number",
    "经度": "lon",
    "lng": "lon",
    "longitude": "lon",
    "纬度": "lat",
    "latitude": "lat",
    "名称": "name",
    "别名": "aliases",
    "类型": "kind",
    "坐标系": "crs",
}


class PlaceFileError(ValueError):
    """A file that cannot be imported: every problem found, each naming its row and column."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class AddressRow:
    road_name: str
    number: int
    suffix: str
    lon: float
    lat: float


@dataclass(frozen=True)
class PoiRow:
    name: str
    aliases: tuple[str, ...]
    kind: str
    lon: float
    lat: float


def read_csv(path: Path, required: Iterable[str]) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV file (UTF-8, with or without BOM, or GB18030 as Chinese Excel saves it) as
    (row number, {column: text}); raises :class:`PlaceFileError` for a file that is not such a CSV or
    lacks a ``required`` column."""
    if path.stat().st_size > MAX_FILE_BYTES:
        raise PlaceFileError([_("the file is larger than %(mb)d MB") % {"mb": MAX_FILE_BYTES // 2**20}])
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise PlaceFileError([_("this is not a text (CSV) file")])
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise PlaceFileError([_("the file is neither UTF-8 nor GB18030 text")])
    reader = csv.reader(io.StringIO(text))
    try:
        header = [COLUMN_NAMES.get(h.strip().lower(), h.strip().lower()) for h in next(reader)]
    except (StopIteration, csv.Error):
        raise PlaceFileError([_("the file is empty: a header row is needed")]) from None
    missing = [c for c in required if c not in header]
    if missing:
        message = _("missing column(s): %(columns)s (the header has: %(header)s)")
        raise PlaceFileError([message % {"columns": ", ".join(missing), "header": ", ".join(header)}])
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for number, values in enumerate(reader, start=2):
            if len(rows) >= MAX_ROWS:
                raise PlaceFileError([_("more than %(max)d rows: split the file") % {"max": MAX_ROWS}])
            if not any(v.strip() for v in values):
                continue
            rows.append((number, {h: halfwidth(v).strip() for h, v in zip(header, values, strict=False)}))
    except csv.Error as exc:
        raise PlaceFileError(
            [_("row %(row)d: not valid CSV (%(error)s)") % {"row": reader.line_num, "error": exc}]
        ) from None
    return rows


def _problem(row: int, column: str, message: str) -> str:
    return _("row %(row)d, column “%(column)s”: %(message)s") % {
        "row": row,
        "column": column,
        "message": message,
    }


def _text(values: dict[str, str], column: str, row: int, problems: list[str], max_length: int = 100) -> str:
    value = values.get(column, "")
    if not value:
        problems.append(_problem(row, column, _("empty")))
    elif len(value) > max_length:
        problems.append(_problem(row, column, _("longer than %(max)d characters") % {"max": max_length}))
    return value


def _point(values: dict[str, str], row: int, problems: list[str], default_crs: str) -> tuple[float, float]:
    coords: list[float] = []
    for column in ("lon", "lat"):
        try:
            coords.append(float(values.get(column, "")))
        except ValueError:
            problems.append(
                _problem(row, column, _("not a number: %(value)r") % {"value": values.get(column, "")})
            )
    crs_name = values.get("crs") or default_crs
    if len(coords) < 2:
        return 0.0, 0.0
    try:
        lon, lat = crs_module.to_wgs84(coords[0], coords[1], crs_module.normalize(crs_name))
    except (crs_module.CoordinateError, ValueError) as exc:
        problems.append(_problem(row, "lon/lat", str(exc)))
        return 0.0, 0.0
    return lon, lat


def _finish(problems: list[str]) -> None:
    if problems:
        shown = problems[:MAX_PROBLEMS]
        if len(problems) > MAX_PROBLEMS:
            shown.append(_("… and %(more)d more problems") % {"more": len(problems) - MAX_PROBLEMS})
        raise PlaceFileError(shown)


def read_addresses(path: Path, default_crs: str = "wgs84") -> list[AddressRow]:
    """Door numbers from a CSV with columns ``road``, ``number`` (12, 12号, 12-1号, 十二号), ``lon``,
    ``lat`` and optionally ``crs`` (wgs84, gcj02, bd09 …; ``default_crs`` otherwise)."""
    problems: list[str] = []
    found: list[AddressRow] = []
    seen: dict[tuple[str, int, str], int] = {}
    for row, values in read_csv(path, ("road", "number", "lon", "lat")):
        road = _text(values, "road", row, problems)
        plate = _NUMBER_RE.match(values.get("number", ""))
        number: int | None = None
        if plate is None:
            problems.append(
                _problem(
                    row, "number", _("not a door number: %(value)r") % {"value": values.get("number", "")}
                )
            )
        else:
            digits = plate.group(1)
            number = int(digits) if digits.isdigit() else chinese_number(digits)
        lon, lat = _point(values, row, problems, default_crs)
        if number is None or not road:
            continue
        suffix = plate.group(2) or "" if plate else ""
        key = (road, number, suffix)
        if key in seen:
            problems.append(_problem(row, "number", _("the same door as row %(row)d") % {"row": seen[key]}))
        seen[key] = row
        found.append(AddressRow(road, number, suffix, lon, lat))
    _finish(problems)
    return found


def read_pois(path: Path, default_crs: str = "wgs84") -> list[PoiRow]:
    """Points of interest from a CSV with columns ``name``, ``lon``, ``lat`` and optionally ``aliases``
    (separated by ; 、 or |), ``kind`` (school, hospital, market, bus_stop, estate …) and ``crs``."""
    problems: list[str] = []
    found: list[PoiRow] = []
    seen: dict[str, int] = {}
    for row, values in read_csv(path, ("name", "lon", "lat")):
        name = _text(values, "name", row, problems)
        aliases = tuple(a.strip() for a in _ALIAS_SPLIT.split(values.get("aliases", "")) if a.strip())
        if any(len(a) > 100 for a in aliases) or len(aliases) > 20:
            problems.append(_problem(row, "aliases", _("at most 20 aliases of up to 100 characters")))
        kind = values.get("kind", "")
        if len(kind) > 32:
            problems.append(_problem(row, "kind", _("longer than %(max)d characters") % {"max": 32}))
        lon, lat = _point(values, row, problems, default_crs)
        if name in seen:
            problems.append(_problem(row, "name", _("the same name as row %(row)d") % {"row": seen[name]}))
        seen[name] = row
        found.append(PoiRow(name, aliases, kind, lon, lat))
    _finish(problems)
    return found


def read_aliases(path: Path) -> list[tuple[str, str]]:
    """(road, alias) pairs from a CSV with columns ``road`` and ``alias``."""
    problems: list[str] = []
    found = []
    for row, values in read_csv(path, ("road", "alias")):
        road = _text(values, "road", row, problems)
        alias = _text(values, "alias", row, problems)
        if road and alias:
            found.append((road, alias))
    _finish(problems)
    return found
