"""A city's community set-up (三长一站) as one sheet: the stations, their heads and their on-call
professionals, read from Excel (.xlsx) or CSV, checked whole and imported all or nothing.

One row per thing; the column 类别 says which: 工作站 (a community's station), 站长, 街巷长, 片区长,
楼栋长 (a head's post, by the user's login; the post codes station_head, lane, area, building also
do), 专业人员 (an on-call professional). Every row names its community by 社区编码. The other
columns (in any order, Chinese or English headings: ``roster_rows.HEADERS`` and ``ALIASES``) are
filled as the kind needs. Importing the same sheet again changes nothing: a station or professional
with the same values and a head already holding that post at that place are counted unchanged.

Each row goes through the community's own actions (``open_station``, ``appoint_head``,
``save_professional``), with their audit entries, plus one summary entry for the import. Only the
communities the importing user manages may be named; any bad row means nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import shapely
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q

from cityloop.core.audit import domain_action, record
from cityloop.core.models import Membership, Unit, UnitKind, User
from cityloop.core.sheets import RowError, SheetError, read_sheet, records

from . import actions, alleys
from .models import AlleySegment, Post, Professional, Station
from .roster_rows import (
    ALIASES,
    ALLEY,
    HEADERS,
    KINDS,
    PROFESSIONAL,
    STATION,
    Checked,
    check,
    kind_label,
    kind_names,
)
from .scopes import MANAGE

__all__ = [
    "HEADERS",
    "MAX_BYTES",
    "RosterReport",
    "SheetError",
    "import_roster",
    "kind_label",
    "kind_names",
    "template_xlsx",
]

MAX_BYTES = 4 * 1024 * 1024
MAX_ROWS = 10000
OUTCOMES = ("created", "updated", "unchanged")


@dataclass
class RosterReport:
    """The outcome of an import: every bad row (and then nothing was written), or how many
    stations, heads of each kind and professionals were created, updated or left unchanged (for a
    dry run: would be)."""

    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(
        default_factory=lambda: {k: dict.fromkeys(OUTCOMES, 0) for k in KINDS}
    )
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        """The report as the API and the command give it."""
        return {
            "ok": self.ok,
            "dry_run": self.dry_run,
            "rows": self.rows,
            "counts": self.counts,
            "errors": [
                {"row": e.row, "column": e.column, "label": e.column_label, "reason": e.reason}
                for e in self.errors
            ],
        }


class _Undo(Exception):
    """Leaves the import's transaction so that nothing of it stays (a dry run, a refused row)."""

    def __init__(self, report: RosterReport) -> None:
        super().__init__("import rolled back")
        self.report = report


def managed_communities(actor: User) -> Any:
    """The communities ``actor`` may set up: under a unit where they are a unit manager or an
    administrator (every community for a superuser)."""
    communities = Unit.objects.filter(kind=UnitKind.COMMUNITY)
    if actor.is_superuser:
        return communities
    paths = list(
        Membership.objects.active().filter(user=actor, role__in=MANAGE).values_list("unit__path", flat=True)
    )
    if not paths:
        return communities.none()
    area = Q()
    for path in paths:
        area |= Q(path__startswith=path)
    return communities.filter(area)


def import_roster(*, actor: User, content: bytes, filename: str = "", dry_run: bool = False) -> RosterReport:
    """Set up the communities of a sheet (stations, heads, professionals), or nothing if any row is
    bad; ``dry_run`` checks every row and runs the import without keeping anything. Raises
    :class:`SheetError` for a file that cannot be read as a sheet at all, ``PermissionDenied`` for
    an actor who manages no community."""
    if not managed_communities(actor).exists():
        raise PermissionDenied("只有管理社区的街道或区的管理人员可以导入社区设置")
    rows = read_sheet(content, filename, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
    found, errors = records(
        rows,
        aliases=ALIASES,
        headers=HEADERS,
        required=("kind", "community"),
        max_rows=MAX_ROWS,
        empty="表中没有要导入的行",
    )
    report = RosterReport(rows=len(found), errors=errors, dry_run=dry_run)
    if errors:
        return report
    checked = check(actor, found, managed_communities(actor))
    if checked.errors:
        report.errors = checked.errors
        return report
    try:
        return _apply(actor=actor, checked=checked, report=report, filename=filename)
    except _Undo as undo:
        return undo.report


@domain_action
def _apply(*, actor: User, checked: Checked, report: RosterReport, filename: str) -> RosterReport:
    stations = dict(checked.stations)
    ordered = sorted(checked.rows, key=lambda r: r["kind"] != STATION)  # stations before their people
    for r in ordered:
        try:
            outcome = _row(actor, r, stations)
        except (ValidationError, PermissionDenied) as exc:
            # Checked above, so only a change made meanwhile by someone else gets here: the
            # transaction is spoilt, so the row is reported and everything is undone.
            report.errors = [_refusal(r, exc)]
            raise _Undo(report) from None
        report.counts[r["kind"]][outcome] += 1
    record(
        actor,
        "community.roster.import",
        None,
        object_type="community.roster",
        object_id=filename[:64],
        object_repr=filename[:255],
        after={"file": filename, "rows": report.rows, "counts": report.counts},
    )
    if report.dry_run:
        raise _Undo(report)
    return report


def _row(actor: User, r: dict[str, Any], stations: dict[int, Station]) -> str:
    community: Unit = r["unit"]
    kind = r["kind"]
    if kind == STATION:
        station = stations.get(community.pk)
        values = r["values"]
        if station is not None and all(getattr(station, k) == v for k, v in values.items()):
            return "unchanged"
        unit = station.unit if station is not None else _station_unit(community)
        stations[community.pk] = actions.open_station(actor=actor, community=community, unit=unit, **values)
        return "updated" if station is not None else "created"
    if kind == ALLEY:
        return _alley(actor, community, r)
    station = stations[community.pk]
    if kind == PROFESSIONAL:
        return _professional(actor, station, r)
    if _holds_post(station, r["user"], kind, r["place"]):
        return "unchanged"
    actions.appoint_head(
        actor=actor,
        station=station,
        user=r["user"],
        kind=kind,
        place_name=r["place"],
        geometry=r["geometry"],
        valid_from=r["valid_from"],
    )
    return "created"


def _professional(actor: User, station: Station, r: dict[str, Any]) -> str:
    existing = Professional.objects.filter(station=station, name=r["person"], phone=r["phone"]).first()
    user = r["user"]
    same = (r["trade"], r["company"], user.pk if user else None, True)
    if existing is not None and (existing.trade, existing.company, existing.user_id, existing.active) == same:
        return "unchanged"
    actions.save_professional(
        actor=actor,
        station=station,
        name=r["person"],
        trade=r["trade"],
        phone=r["phone"],
        company=r["company"],
        user=user,
        professional=existing,
    )
    return "updated" if existing is not None else "created"


def _alley(actor: User, community: Unit, r: dict[str, Any]) -> str:
    existing = AlleySegment.objects.filter(code=r["code"]).first()
    values = {"name": r["name"], "post": r["post"], "duties": r["duties"], "fixed_point": r["place"]}
    if (
        existing is not None
        and existing.active
        and existing.community_id == community.pk
        and existing.responsible_id == r["user"].pk
        and all(getattr(existing, k) == v for k, v in values.items())
        and bytes(existing.geom_wkb) == shapely.to_wkb(alleys.parse_line(r["geometry"]))
    ):
        return "unchanged"
    assert community.parent is not None
    alleys.register_segment(
        actor=actor,
        code=r["code"],
        street=community.parent,
        community=community,
        geometry=r["geometry"],
        responsible=r["user"],
        **values,
    )
    return "updated" if existing is not None else "created"


def _holds_post(station: Station, user: User, kind: str, place: str) -> bool:
    """Whether ``user`` already holds this post at this place, today or from a later day."""
    from django.utils import timezone

    today = timezone.localdate()
    return (
        Post.objects.filter(station=station, user=user, kind=kind, place_name=place)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
        .exists()
    )


def _station_unit(community: Unit) -> Unit | None:
    """The community's station node in the organisation tree, when it has exactly one free one: a
    new station is linked to it, so that cases can be dispatched to the station."""
    free = list(Unit.objects.filter(parent=community, kind=UnitKind.STATION, station_record__isnull=True)[:2])
    return free[0] if len(free) == 1 and free[0].is_active() else None


# What an action's field is called in the sheet.
_FIELD_COLUMNS = {
    "name": "name",
    "place_name": "place",
    "unit": "community",
    "user": "login",
    "fixed_point": "place",
    "street": "community",
}


def _refusal(r: dict[str, Any], exc: ValidationError | PermissionDenied) -> RowError:
    if isinstance(exc, PermissionDenied):
        return RowError(r["row"], "community", str(exc) or "你不管理这个社区", HEADERS["community"])
    name, messages = next(iter(getattr(exc, "message_dict", {"": exc.messages}).items()))
    column = _FIELD_COLUMNS.get(name, name)
    if r["kind"] == PROFESSIONAL and name == "name":
        column = "person"
    column = column if column in HEADERS else ""
    return RowError(r["row"], column, "；".join(messages), HEADERS.get(column, ""))


# One example row per kind, as the template shows them (a community of Qingdao's Shinan district).
_EXAMPLES: list[dict[str, str]] = [
    {
        "kind": "工作站",
        "name": "延安路社区工作站",
        "address": "延安三路128号",
        "phone": "0532-82861234",
        "lon": "120.3826",
        "lat": "36.0671",
        "task_hours": "24",
    },
    {"kind": "站长", "login": "wangjing", "place": "延安路社区", "valid_from": "2026-01-01"},
    {
        "kind": "街巷长",
        "login": "liuqiang",
        "place": "延安三路",
        "geometry": "LINESTRING (120.3800 36.0660, 120.3850 36.0680)",
    },
    {
        "kind": "片区长",
        "login": "chenli",
        "place": "延安三路南片",
        "geometry": "POLYGON ((120.380 36.065, 120.386 36.065, 120.386 36.068, 120.380 36.065))",
    },
    {"kind": "楼栋长", "login": "zhaomin", "place": "128号1号楼", "geometry": "POINT (120.383 36.0675)"},
    {"kind": "专业人员", "person": "李师傅", "trade": "供水", "company": "供水所", "phone": "13900000001"},
    {
        "kind": "背街小巷",
        "code": "SN-XX01",
        "name": "延安三路背街一巷",
        "login": "liuqiang",
        "place": "巷口",
        "geometry": "LINESTRING (120.3810 36.0662, 120.3840 36.0662)",
        "post": "巷长",
        "duties": "每日巡查保洁、劝导乱堆乱放",
    },
]
EXAMPLE_COMMUNITY = "370202001001"


def template_rows() -> list[list[str]]:
    """The template's header and one example row per kind."""
    rows = [list(HEADERS.values())]
    for example in _EXAMPLES:
        filled = {**example, "community": EXAMPLE_COMMUNITY}
        rows.append([filled.get(column, "") for column in HEADERS])
    return rows


def template_xlsx() -> bytes:
    """The sheet to fill in, as an .xlsx workbook."""
    from cityloop.core.spreadsheets import workbook

    widths = (10, 14, 20, 18, 16, 10, 10, 6, 12, 18, 40, 12, 10, 10, 14, 12, 8, 30)
    return workbook(template_rows(), title="社区设置", widths=widths)
