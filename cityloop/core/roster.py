"""A district's staff roster as a sheet: read from Excel (.xlsx) or CSV, checked whole, imported all
or nothing; and the same sheet written back for an administrator's area.

Columns (the first row names them, in any order): 单位编码, 姓名, 手机, 角色, 登录名 (or in English:
unit_code, name, phone, role, login). A role is written as its name (监督员) or its code
(supervisor). CSV may be UTF-8, with or without a byte-order mark, or GB18030 (what Chinese Excel
writes); the encoding is detected. Each new account gets a random password, returned once, which
its user must change at first sign-in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from .accounts import temporary_password
from .actions import create_user
from .areas import admin_paths, area_q, in_paths
from .audit import domain_action, record
from .models import Membership, Role, Unit, User
from .phones import normalise_phone
from .sheets import MAX_BYTES, MAX_ROWS, RowError, SheetError, choice_names, read_sheet, records, to_csv

__all__ = ["MAX_BYTES", "MAX_ROWS", "RowError", "SheetError", "read_sheet", "to_csv"]
COLUMNS = ("unit_code", "name", "phone", "role", "login")
HEADERS = {"unit_code": "单位编码", "name": "姓名", "phone": "手机", "role": "角色", "login": "登录名"}
_ALIASES = {
    **{v: k for k, v in HEADERS.items()},
    "unit_code": "unit_code",
    "unit": "unit_code",
    "单位代码": "unit_code",
    "name": "name",
    "phone": "phone",
    "电话": "phone",
    "手机号": "phone",
    "role": "role",
    "login": "login",
    "username": "login",
    "用户名": "login",
    "账号": "login",
}


@dataclass
class RosterResult:
    """The outcome of an import: the bad rows (nothing written), or the accounts created with their
    one-time passwords (for a dry run: the rows that would be)."""

    rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    created: list[dict[str, str]] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def role_names() -> dict[str, str]:
    """Every way a sheet may name a role (its code, English and Chinese names) → the role."""
    return choice_names(Role)


def parse(rows: list[list[str]]) -> tuple[list[dict[str, Any]], list[RowError]]:
    """The data rows as records (each with its row number), and the errors of the header."""
    return records(rows, aliases=_ALIASES, headers=HEADERS, required=COLUMNS, max_rows=MAX_ROWS)


def check(actor: User, records: list[dict[str, Any]]) -> list[RowError]:
    """Every problem of every row: nothing is imported unless this is empty."""
    errors: list[RowError] = []
    paths = admin_paths(actor)
    codes = {r["unit_code"] for r in records if r["unit_code"]}
    units = {u.code: u for u in Unit.objects.filter(code__in=codes)}
    logins = [r["login"] for r in records if r["login"]]
    taken = set(User.objects.filter(username__in=logins).values_list("username", flat=True))
    roles = role_names()
    seen: dict[str, int] = {}
    username_ok = UnicodeUsernameValidator()
    for r in records:
        n = r["row"]

        def bad(column: str, reason: str, n: int = n) -> None:
            errors.append(RowError(n, column, reason, HEADERS.get(column, column)))

        unit = units.get(r["unit_code"])
        if not r["unit_code"]:
            bad("unit_code", _("the unit code is empty"))
        elif unit is None:
            bad("unit_code", _("unknown unit %(code)s") % {"code": r["unit_code"]})
        elif not in_paths(unit.path, paths):
            bad("unit_code", _("%(unit)s is outside your area") % {"unit": unit.name})
        elif not unit.is_active():
            bad("unit_code", _("%(unit)s is no longer active") % {"unit": unit.name})
        if not r["name"]:
            bad("name", _("the name is empty"))
        elif len(r["name"]) > 100:
            bad("name", _("the name is longer than 100 characters"))
        if r["phone"] and normalise_phone(r["phone"]) is None:
            bad("phone", _("%(phone)s is not a phone number") % {"phone": r["phone"]})
        if r["role"].lower() not in roles and r["role"] not in roles:
            bad("role", _("unknown role %(role)s") % {"role": r["role"] or "—"})
        login = r["login"]
        if not login:
            bad("login", _("the login is empty"))
        elif len(login) > 150 or not re.fullmatch(r"[\w.@+-]+", login):
            bad("login", _("a login has letters, digits and @ . + - _ only"))
        elif login in seen:
            bad(
                "login",
                _("the login %(login)s is also on row %(row)d") % {"login": login, "row": seen[login]},
            )
        elif login in taken:
            bad("login", _("the login %(login)s is already taken") % {"login": login})
        else:
            try:
                username_ok(login)
            except ValidationError:
                bad("login", _("a login has letters, digits and @ . + - _ only"))
        seen.setdefault(login, n)
    return errors


@domain_action
def import_roster(*, actor: User, content: bytes, filename: str = "", dry_run: bool = False) -> RosterResult:
    """Create the accounts of a roster, each with its role, or none of them if any row is bad."""
    records, errors = parse(read_sheet(content, filename))
    result = RosterResult(rows=len(records), errors=errors, dry_run=dry_run)
    if errors:
        return result
    result.errors = check(actor, records)
    if result.errors:
        return result
    roles = role_names()
    units = {u.code: u for u in Unit.objects.filter(code__in={r["unit_code"] for r in records})}
    for r in records:
        role = roles.get(r["role"]) or roles[r["role"].lower()]
        password = "" if dry_run else temporary_password()
        if not dry_run:
            create_user(
                actor=actor,
                username=r["login"],
                password=password,
                display_name=r["name"],
                phone=normalise_phone(r["phone"]) or "" if r["phone"] else "",
                roles=[(units[r["unit_code"]], role)],
                must_change_password=True,
            )
        result.created.append(
            {
                "row": str(r["row"]),
                "login": r["login"],
                "name": r["name"],
                "unit": r["unit_code"],
                "role": role,
                "password": password,
            }
        )
    if not dry_run:
        logins = [c["login"] for c in result.created]
        record(
            actor,
            "roster.import",
            None,
            object_type="core.roster",
            object_id=filename[:64],
            object_repr=filename[:255],
            after={"file": filename, "accounts": logins},
        )
    return result


def export_rows(actor: User) -> list[list[str]]:
    """The roster of ``actor``'s area: a header, then one row per active role of each active user."""
    paths = admin_paths(actor)
    held = (
        Membership.objects.active()
        .filter(area_q(paths, "unit__path"), user__is_active=True)
        .exclude(Q(user__username__in=["system", "public"]))
        .select_related("unit", "user")
        .order_by("unit__path", "user__username", "role")
    )
    with translation.override("zh-hans"):
        labels = {r.value: str(r.label) for r in Role}
        rows = [[HEADERS[c] for c in COLUMNS]]
        for m in held:
            name = m.user.display_name or m.user.username
            rows.append([m.unit.code, name, m.user.phone, labels[m.role], m.user.username])
    return rows


def to_xlsx(rows: list[list[str]]) -> bytes:
    """An .xlsx workbook of one sheet; phones and codes stay text."""
    from .spreadsheets import workbook

    return workbook(rows, title="名册", widths=(16, 12, 16, 12, 16))
