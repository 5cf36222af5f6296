"""The columns of the community set-up sheet (``community.roster``) and the check of its rows: every
problem of every row, named by row and column in Chinese, found before anything is written."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import translation

from cityloop.core.models import Unit, UnitKind, User
from cityloop.core.phones import normalise_phone
from cityloop.core.sheets import RowError, choice_names

from .actions import place_of
from .alleys import parse_line
from .models import AlleySegment, PostKind, Professional, Station, Trade

STATION, PROFESSIONAL, ALLEY = "station", "professional", "alley"
KINDS = (STATION, *PostKind.values, PROFESSIONAL, ALLEY)

# Column code → the heading of the template (and of the error report).
HEADERS = {
    "kind": "类别",
    "community": "社区编码",
    "name": "名称",
    "address": "地址",
    "phone": "电话",
    "lon": "经度",
    "lat": "纬度",
    "task_hours": "时限",
    "login": "登录名",
    "place": "地点",
    "geometry": "位置",
    "valid_from": "起始日期",
    "person": "姓名",
    "trade": "专业",
    "company": "单位",
    "code": "编码",
    "post": "岗位",
    "duties": "职责",
}
# Every heading a sheet may use (compared in lower case) → the column code.
ALIASES = {
    **{v: k for k, v in HEADERS.items()},
    **{k: k for k in HEADERS},
    "community_code": "community",
    "社区代码": "community",
    "station_name": "name",
    "电话号码": "phone",
    "手机": "phone",
    "longitude": "lon",
    "latitude": "lat",
    "时限(工作小时)": "task_hours",
    "时限（工作小时）": "task_hours",
    "hours": "task_hours",
    "username": "login",
    "用户名": "login",
    "账号": "login",
    "place_name": "place",
    "wkt": "geometry",
    "from": "valid_from",
    "起始日": "valid_from",
    "full_name": "person",
    "工作单位": "company",
    "segment_code": "code",
    "小巷编码": "code",
    "岗": "post",
    "责任": "duties",
}
# Other words people write for a trade (the labels and codes are taken from ``Trade``).
_TRADE_WORDS = {"电力": Trade.POWER, "供暖": Trade.HEATING, "暖气": Trade.HEATING, "自来水": Trade.WATER}
MAX_WKT = 20000  # characters of a place's WKT: a building or a lane, not a district's outline
_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?: 00:00:00)?")


def _names(choices: Any, extra: dict[str, str]) -> dict[str, str]:
    return {**extra, **choice_names(choices)}


def kind_names() -> dict[str, str]:
    """Every way a sheet may write a row's kind (Chinese, English, the post codes) → the kind."""
    extra = {
        "工作站": STATION,
        STATION: STATION,
        "专业人员": PROFESSIONAL,
        PROFESSIONAL: PROFESSIONAL,
        "背街小巷": ALLEY,
        "小巷": ALLEY,
        ALLEY: ALLEY,
    }
    return _names(PostKind, extra)


def kind_label(kind: str) -> str:
    """The kind as people call it, in the current language."""
    if kind == STATION:
        return str(Station._meta.verbose_name)
    if kind == PROFESSIONAL:
        return str(Professional._meta.verbose_name)
    if kind == ALLEY:
        return str(AlleySegment._meta.verbose_name)
    return str(PostKind(kind).label)


def trade_names() -> dict[str, str]:
    """Every way a sheet may write a trade (供水, water supply, water …) → the trade."""
    return _names(Trade, dict(_TRADE_WORDS))


@dataclass
class Checked:
    """The sheet's rows with what they name looked up (the community's ``unit``, the ``user`` of a
    login, parsed numbers and dates), the stations that exist already, and every error."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    stations: dict[int, Station] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)


Bad = Callable[[str, str], None]


def check(actor: User, found: list[dict[str, Any]], managed: QuerySet[Unit]) -> Checked:
    """Every problem of every row (nothing is imported unless there is none); ``managed`` are the
    communities ``actor`` may set up."""
    out = Checked()
    kinds, trades = kind_names(), trade_names()
    units = {u.code: u for u in Unit.objects.filter(code__in={r["community"] for r in found})}
    allowed = set(managed.filter(pk__in=[u.pk for u in units.values()]).values_list("pk", flat=True))
    users = {u.username: u for u in User.objects.filter(username__in={r["login"] for r in found})}
    out.stations = {
        s.community_id: s for s in Station.objects.filter(community_id__in=allowed).select_related("unit")
    }
    station_rows = {r["community"]: r["row"] for r in reversed(found) if kinds.get(r["kind"]) == STATION}
    seen: dict[tuple[str, ...], int] = {}
    for r in found:
        n = r["row"]

        def bad(column: str, reason: str, n: int = n) -> None:
            out.errors.append(RowError(n, column, reason, HEADERS.get(column, "")))

        kind = kinds.get(r["kind"]) or kinds.get(r["kind"].lower())
        if kind is None:
            bad(
                "kind",
                f"未知类别“{r['kind'] or '空'}”，"
                "应为工作站、站长、街巷长、片区长、楼栋长、专业人员或背街小巷",
            )
        unit = _community(r, units, allowed, bad)
        if kind is None:
            continue
        if kind == STATION:
            r["values"] = _station(r, bad)
            key: tuple[str, ...] = (r["community"],)
            column, again = "community", "这个社区的工作站也在第%d行"
        elif kind == ALLEY:
            _alley(r, users, bad)
            key = (ALLEY, r["code"])
            column, again = "code", "同一编码的小巷也在第%d行"
        else:
            if (
                unit is not None
                and unit.pk in allowed
                and unit.pk not in out.stations
                and r["community"] not in station_rows
            ):
                bad("community", f"社区{r['community']}还没有工作站：请先开设，或在表中加一行“工作站”")
            if kind == PROFESSIONAL:
                _professional(r, trades, users, bad)
                key = (r["community"], r["person"], r["phone"])
                column, again = "person", "同一位专业人员也在第%d行"
            else:
                _head(r, kind, users, bad)
                key = (r["community"], kind, r["login"], r["place"])
                column, again = "login", "同一岗位也在第%d行"
        if key in seen:
            bad(column, again % seen[key])
        seen.setdefault(key, n)
        r["kind"], r["unit"] = kind, unit
        out.rows.append(r)
    return out


def _community(r: dict[str, Any], units: dict[str, Unit], allowed: set[int], bad: Bad) -> Unit | None:
    code = r["community"]
    unit = units.get(code)
    if not code:
        bad("community", "请填写社区编码")
    elif unit is None:
        bad("community", f"没有编码为{code}的单位")
    elif unit.kind != UnitKind.COMMUNITY:
        bad("community", f"{unit.name}（{code}）不是社区")
    elif unit.pk not in allowed:
        bad("community", f"{unit.name}（{code}）不归你管理，不能设置它的工作站")
    elif not unit.is_active():
        bad("community", f"{unit.name}（{code}）已撤销")
    return unit


def _text(r: dict[str, Any], column: str, limit: int, bad: Bad, required: bool = False) -> str:
    text = r[column]
    if required and not text:
        bad(column, f"请填写{HEADERS[column]}")
    elif len(text) > limit:
        bad(column, f"{HEADERS[column]}最多{limit}个字")
    return str(text)


def _phone(r: dict[str, Any], bad: Bad, required: bool) -> str:
    raw = r["phone"]
    if not raw:
        if required:
            bad("phone", "请填写电话")
        return ""
    phone = normalise_phone(raw)
    if phone is None:
        bad("phone", f"{raw}不是电话号码（手机如13812345678，座机如0532-82861234）")
    return phone or raw


def _number(r: dict[str, Any], column: str, limit: float, bad: Bad) -> float | None:
    if not r[column]:
        return None
    try:
        value = float(r[column])
    except ValueError:
        value = None
    if value is None or not -limit <= value <= limit:
        bad(column, f"{HEADERS[column]}应为-{limit:g}到{limit:g}之间的数（WGS84）")
        return None
    return value


def _station(r: dict[str, Any], bad: Bad) -> dict[str, Any]:
    lon, lat = _number(r, "lon", 180, bad), _number(r, "lat", 90, bad)
    if bool(r["lon"]) != bool(r["lat"]):
        bad("lat" if r["lon"] else "lon", "经度和纬度应同时填写")
    hours = r["task_hours"] or "24"
    if not (hours.isdigit() and 1 <= int(hours) <= 240):
        bad("task_hours", "时限应为1到240之间的整数（工作小时）")
    return {
        "name": _text(r, "name", 100, bad, required=True),
        "address": _text(r, "address", 200, bad),
        "phone": _phone(r, bad, required=False),
        "lon": lon,
        "lat": lat,
        "task_hours": int(hours) if hours.isdigit() else 24,
    }


def _user(r: dict[str, Any], users: dict[str, User], bad: Bad, required: bool) -> User | None:
    login = r["login"]
    if not login:
        if required:
            bad("login", "请填写登录名")
        return None
    user = users.get(login)
    if user is None:
        bad("login", f"没有登录名为{login}的用户（账号先用人员名册导入）")
    elif not user.is_active:
        bad("login", f"用户{login}已停用")
    return user


def _head(r: dict[str, Any], kind: str, users: dict[str, User], bad: Bad) -> None:
    r["user"] = _user(r, users, bad, required=True)
    r["place"] = _text(r, "place", 100, bad)
    if len(r["geometry"]) > MAX_WKT:
        bad("geometry", f"位置最多{MAX_WKT}个字符")
    else:
        try:
            place_of(kind, r["geometry"])
        except ValidationError as exc:
            bad("geometry", "；".join(exc.messages))
    r["valid_from"] = _day(r["valid_from"], bad)


def _day(text: str, bad: Bad) -> dt.date | None:
    if not text:
        return None
    found = _DATE.fullmatch(text)
    day = None
    if found:
        try:
            day = dt.date(*(int(g) for g in found.groups()))
        except ValueError:
            day = None
    if day is None:
        bad("valid_from", f"{text}不是日期，应写成2026-01-31")
    return day


def _professional(r: dict[str, Any], trades: dict[str, str], users: dict[str, User], bad: Bad) -> None:
    r["person"] = _text(r, "person", 50, bad, required=True)
    r["phone"] = _phone(r, bad, required=True)
    r["company"] = _text(r, "company", 100, bad)
    r["user"] = _user(r, users, bad, required=False)
    trade = trades.get(r["trade"]) or trades.get(r["trade"].lower())
    if trade is None:
        labels = "、".join(trade_names_zh())
        bad("trade", f"未知专业“{r['trade'] or '空'}”，应为{labels}之一")
    r["trade"] = trade


def _alley(r: dict[str, Any], users: dict[str, User], bad: Bad) -> None:
    """A back-alley segment of the community's street: its code, name, line, responsible person
    (a login), post, duties and fixed point (定点定岗定人定责)."""
    r["code"] = _text(r, "code", 32, bad, required=True)
    r["name"] = _text(r, "name", 100, bad, required=True)
    r["user"] = _user(r, users, bad, required=True)
    r["post"] = _text(r, "post", 50, bad) or "巷长"
    r["duties"] = _text(r, "duties", 300, bad, required=True)
    r["place"] = _text(r, "place", 100, bad)
    if len(r["geometry"]) > MAX_WKT:
        bad("geometry", f"位置最多{MAX_WKT}个字符")
    else:
        try:
            parse_line(r["geometry"])
        except ValidationError as exc:
            bad("geometry", "；".join(exc.messages))


def trade_names_zh() -> list[str]:
    """The trades' Chinese names, in order."""
    with translation.override("zh-hans"):
        return [str(t.label) for t in Trade]
