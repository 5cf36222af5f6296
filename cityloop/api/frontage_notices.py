"""``/api/v1/frontage/notices``: rectification notices (整改通知书) in the caller's jurisdiction, one
notice, its PDF and the party's answer photos, and withdrawing a notice issued in error. The checklist,
rounds and inspections are in :mod:`.frontage_checks`."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from cityloop.core.files import file_response
from cityloop.core.models import User
from cityloop.core.permissions import restrict
from cityloop.frontage.models import Notice
from cityloop.frontage.notices import OPEN, cancel_notice, overdue

from .errors import ApiError
from .frontage_common import Mapped, photo_response
from .frontage_letters import ReasonIn
from .pagination import Paged

router = Router(tags=["frontage"])


class NoticeOut(Schema):
    number: str
    party: str
    party_name: str
    street: str
    duty: str
    items: list[str]
    status: str = Field(..., description="open, answered, rectified, escalated or cancelled")
    issued_at: dt.datetime
    working_days: int
    deadline: dt.datetime
    overdue: bool
    answered_at: dt.datetime | None
    answer_note: str
    answer_photos: list[str]
    closed_at: dt.datetime | None
    case_number: str
    pdf: str


def _notice(n: Notice) -> dict[str, Any]:
    base = f"/api/v1/frontage/notices/{n.number}"
    return {
        "number": n.number,
        "party": n.party.uscc,
        "party_name": n.party.name,
        "street": n.street.code,
        "duty": n.duty.code,
        "items": [i.code for i in n.items.all()],
        "status": n.status,
        "issued_at": n.issued_at,
        "working_days": n.working_days,
        "deadline": n.deadline,
        "overdue": n.status in OPEN and n.deadline <= timezone.now(),
        "answered_at": n.answered_at,
        "answer_note": n.answer_note,
        "answer_photos": [f"{base}/photos/{p}" for p in n.answer_photos],
        "closed_at": n.closed_at,
        "case_number": n.case_number,
        "pdf": f"{base}/pdf",
    }


def _notices(request: HttpRequest) -> QuerySet[Notice]:
    return (
        restrict(Notice.objects.all(), request.user, "view")
        .select_related("party", "street", "duty")
        .prefetch_related("items")
    )


class NoticeFilter(Schema):
    street: str | None = Field(None, max_length=32)
    party: str | None = Field(None, max_length=18)
    status: str | None = Field(None, pattern="^(open|answered|rectified|escalated|cancelled)$")
    overdue: bool | None = Field(None, description="only open notices past their deadline")


@router.get("/notices", response=list[NoticeOut], summary="Rectification notices in your jurisdiction")
@paginate(Paged)
def list_notices(request: HttpRequest, filters: Query[NoticeFilter]) -> Any:
    qs = _notices(request)
    if filters.street:
        qs = qs.filter(street__code=filters.street)
    if filters.party:
        qs = qs.filter(party__uscc=filters.party.upper())
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.overdue:
        qs = overdue(qs)
    return Mapped(qs.order_by("deadline", "pk"), _notice)


def _find_notice(request: HttpRequest, number: str) -> Notice:
    notice = _notices(request).filter(number=number[:40]).first()
    if notice is None:
        raise ApiError(404, f"你的辖区内没有编号为{number[:40]}的整改通知书")
    return notice


@router.get("/notices/{number}", response=NoticeOut, summary="One rectification notice")
def get_notice(request: HttpRequest, number: str) -> dict[str, Any]:
    return _notice(_find_notice(request, number))


@router.get("/notices/{number}/pdf", summary="The rectification notice as PDF")
def notice_pdf(request: HttpRequest, number: str) -> HttpResponseBase:
    notice = _find_notice(request, number)
    if not notice.pdf:
        raise ApiError(404, "该整改通知书没有PDF")
    return file_response(notice.pdf, "application/pdf")


@router.get("/notices/{number}/photos/{attachment_id}", summary="A photo of the party's answer")
def notice_photo(request: HttpRequest, number: str, attachment_id: int) -> HttpResponseBase:
    return photo_response(_find_notice(request, number).answer_photos, attachment_id)


@router.post("/notices/{number}/cancel", response=NoticeOut, summary="Withdraw a notice issued in error")
def withdraw(request: HttpRequest, number: str, body: ReasonIn) -> dict[str, Any]:
    assert isinstance(request.user, User)
    notice = cancel_notice(actor=request.user, notice=_find_notice(request, number), reason=body.reason)
    return _notice(_notices(request).get(pk=notice.pk))
