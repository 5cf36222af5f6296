"""``/api/v1/community/roster``: a city's community set-up (三长一站: stations, heads, on-call
professionals) imported from a sheet, all or nothing, and the sheet's template. Only a street's or
district's manager may import, and only for the communities they manage."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile

from cityloop.community.roster import MAX_BYTES, import_roster, managed_communities, template_xlsx
from cityloop.core.models import User
from cityloop.core.sheets import too_large

from .errors import ApiError

router = Router(tags=["community"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _manager(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not managed_communities(user).exists():
        raise ApiError(403, "只有管理社区的街道或区的管理人员可以导入社区设置")
    return user


class CommunityRowErrorOut(Schema):
    row: int = Field(..., description="the row as the spreadsheet numbers it (1: the header)")
    column: str = Field(..., description="the column's code (kind, community, login …), empty for the row")
    label: str = Field(..., description="the column's heading in the sheet (类别, 社区编码 …)")
    reason: str


class CommunityRosterOut(Schema):
    ok: bool
    dry_run: bool
    rows: int
    counts: dict[str, dict[str, int]] = Field(
        ...,
        description="per kind (station, station_head, lane, area, building, professional): "
        "how many were created, updated or left unchanged",
    )
    errors: list[CommunityRowErrorOut]


@router.post(
    "/roster",
    response={200: CommunityRosterOut},
    summary="Import stations, heads and professionals from a sheet, all or nothing",
    description="A multipart upload `file` (.xlsx, or CSV in UTF-8 or GB18030) with the columns of "
    "the template. Every row is checked first: any bad row is a 400 whose `errors` name each row "
    "and column, and nothing is written. `dry_run` checks and counts without writing.",
)
def roster_import(
    request: HttpRequest, file: File[UploadedFile], dry_run: Form[bool] = False
) -> dict[str, Any]:
    actor = _manager(request)
    if (file.size or 0) > MAX_BYTES:
        raise ValidationError({"file": too_large(MAX_BYTES)})
    report = import_roster(actor=actor, content=file.read(), filename=file.name or "", dry_run=dry_run)
    body = report.as_dict()
    if not report.ok:
        first = report.errors[0]
        summary = f"第{first.row}行 {first.column_label or '—'}：{first.reason}"
        if len(report.errors) > 1:
            summary += f"（共{len(report.errors)}处错误，未导入任何内容）"
        errors = [{"field": e.column or "file", "message": f"第{e.row}行：{e.reason}"} for e in report.errors]
        raise ApiError(400, summary, field="file", errors=errors, rows=body["errors"])
    return body


@router.get("/roster/template.xlsx", summary="The community set-up sheet to fill in (.xlsx)")
def roster_template(request: HttpRequest) -> HttpResponse:
    _manager(request)
    response = HttpResponse(template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="community-roster.xlsx"'
    return response
