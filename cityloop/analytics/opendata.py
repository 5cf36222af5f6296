"""Open data (数据开放): the cases of a period, anonymised, as CSV or Parquet, for publication.

What an exported row holds: the case number, when it was reported, registered, dispatched and
closed (to the hour), its channel, category, state, urgency, district and street, the unit it was
sent to, its timing counters, and its place **as an H3 hexagon** (resolution 7, 8 or 9: about 5,
0.7 or 0.1 km²) with that hexagon's centre. Never: the reporter (name, phone, account), the
description, the address, the citizen's comment, photos, the grid or community (small enough to
point at a doorstep), or the exact coordinates.

Rows are read in chunks and written as they come (CSV a line at a time, Parquet a row group per
chunk), so a million cases never sit in memory. Only users holding an exporting role (leader or
administrator) may export, and only the cases under the units where they hold it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterator
from typing import Any, BinaryIO

import h3
from django.db.models import QuerySet
from django.utils import timezone

from cityloop.cases.models import Case, Channel
from cityloop.catalog.models import Category
from cityloop.core.models import Role, Unit, User
from cityloop.core.permissions import jurisdiction_paths, scope_for

from .filters import Filters
from .rollup import day_bounds

EXPORT_ROLES = frozenset({Role.LEADER, Role.ADMIN})
RESOLUTIONS = (7, 8, 9)
CHUNK = 20_000
# The published columns, in order, with their Parquet types.
COLUMNS: tuple[tuple[str, str], ...] = (
    ("number", "string"),
    ("reported_hour", "timestamp"),
    ("registered_hour", "timestamp"),
    ("dispatched_hour", "timestamp"),
    ("closed_hour", "timestamp"),
    ("channel", "string"),
    ("category_class", "string"),
    ("category", "string"),
    ("category_name", "string"),
    ("state", "string"),
    ("urgency", "string"),
    ("district", "string"),
    ("street", "string"),
    ("responsible_unit", "string"),
    ("returns", "int"),
    ("extensions", "int"),
    ("holds", "int"),
    ("cell", "string"),
    ("cell_lat", "float"),
    ("cell_lon", "float"),
)
SOURCE = (
    "number",
    "reported_at",
    "registered_at",
    "dispatched_at",
    "closed_at",
    "channel_id",
    "category_id",
    "state",
    "urgency",
    "district_id",
    "street_id",
    "responsible_unit_id",
    "returns_count",
    "extensions_count",
    "holds_count",
    "h3",
)


def may_export(user: User | Any) -> bool:
    """Whether the user holds an exporting role anywhere."""
    return bool(getattr(user, "is_authenticated", False)) and (
        bool(getattr(user, "is_superuser", False)) or bool(jurisdiction_paths(user, EXPORT_ROLES))
    )


def exportable(user: User) -> QuerySet[Case]:
    """The cases under the units where ``user`` holds an exporting role (all for a superuser)."""
    if user.is_superuser:
        return Case.objects.all()
    paths = jurisdiction_paths(user, EXPORT_ROLES)
    if not paths:
        return Case.objects.none()
    return Case.objects.filter(scope_for(Case).under(paths))


def _hour(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None:
        return None
    return timezone.localtime(moment).replace(minute=0, second=0, microsecond=0, tzinfo=None)


class Rows:
    """The anonymised rows of ``cases`` reported in the filters' period, in report order."""

    def __init__(self, cases: QuerySet[Case], filters: Filters, resolution: int = 8) -> None:
        if resolution not in RESOLUTIONS:
            raise ValueError(f"resolution: one of {RESOLUTIONS}")
        self.resolution = resolution
        start, end = day_bounds(filters.start)[0], day_bounds(filters.end)[0]
        query = cases.filter(reported_at__gte=start, reported_at__lt=end, duplicate_of__isnull=True)
        if filters.subclasses:
            query = query.filter(category_id__in=filters.subclasses)
        if filters.channel:
            query = query.filter(channel_id=filters.channel.pk)
        self.query = query.exclude(state="voided").order_by("reported_at", "pk").values_list(*SOURCE)
        self.channels = dict(Channel.objects.values_list("pk", "code"))
        self.categories = {
            pk: (code, name, parent)
            for pk, code, name, parent in Category.objects.values_list("pk", "code", "name", "parent_id")
        }
        self.units = dict(Unit.objects.values_list("pk", "name"))
        self.cells: dict[str, tuple[str, float | None, float | None]] = {}

    def _cell(self, cell: str) -> tuple[str, float | None, float | None]:
        if cell not in self.cells:
            try:
                parent = h3.cell_to_parent(cell, self.resolution)
                lat, lon = h3.cell_to_latlng(parent)
                self.cells[cell] = (parent, round(lat, 5), round(lon, 5))
            except (ValueError, TypeError, h3.H3BaseException):
                self.cells[cell] = ("", None, None)
            if len(self.cells) > 500_000:  # bound the memo on very large exports
                self.cells.clear()
        return self.cells[cell]

    def chunks(self) -> Iterator[list[tuple[Any, ...]]]:
        chunk: list[tuple[Any, ...]] = []
        for row in self.query.iterator(chunk_size=CHUNK):
            chunk.append(self._row(row))
            if len(chunk) >= CHUNK:
                yield chunk
                chunk = []
        if chunk:
            yield chunk

    def _row(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        (number, reported, registered, dispatched, closed, channel, category, state, urgency) = row[:9]
        district, street, unit, returns, extensions, holds, cell = row[9:]
        code, name, parent = self.categories.get(category, ("", "", None))
        klass = self.categories[parent][0] if parent in self.categories else code[:2]
        cell_id, lat, lon = self._cell(cell)
        return (
            number,
            _hour(reported),
            _hour(registered),
            _hour(dispatched),
            _hour(closed),
            self.channels.get(channel, ""),
            klass,
            code,
            name,
            state,
            urgency,
            self.units.get(district, ""),
            self.units.get(street, ""),
            self.units.get(unit, ""),
            returns,
            extensions,
            holds,
            cell_id,
            lat,
            lon,
        )


def csv_lines(rows: Rows) -> Iterator[str]:
    """The export as CSV text, a header and then a line per case (UTF-8 with a BOM for Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([name for name, _t in COLUMNS])
    yield "\ufeff" + buffer.getvalue()
    for chunk in rows.chunks():
        buffer.seek(0)
        buffer.truncate()
        for row in chunk:
            writer.writerow(
                [
                    ""
                    if v is None
                    else (v.isoformat(timespec="minutes") if isinstance(v, dt.datetime) else v)
                    for v in row
                ]
            )
        yield buffer.getvalue()


def parquet_available() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return True


def write_parquet(rows: Rows, out: BinaryIO | str) -> int:
    """Write the export as Parquet (one row group per chunk, zstd); the rows written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    kinds = {"string": pa.string(), "timestamp": pa.timestamp("s"), "int": pa.int32(), "float": pa.float64()}
    schema = pa.schema([(name, kinds[t]) for name, t in COLUMNS])
    written = 0
    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for chunk in rows.chunks():
            columns = list(zip(*chunk, strict=True))
            writer.write_table(
                pa.Table.from_arrays(
                    [pa.array(c, type=schema.field(i).type) for i, c in enumerate(columns)], schema=schema
                )
            )
            written += len(chunk)
    return written
