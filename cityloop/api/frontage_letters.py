"""``/api/v1/frontage/letters`` and the party's own endpoints (``/api/v1/frontage/my/…``).

Staff see the letters of their jurisdiction (``restrict``); the street's frontage officer issues,
renews and withdraws them. A party's account (no role) sees only its own party, letters and notices,
signs its letters and answers its notices.
"""

import base64
import binascii
import csv
import datetime as dt
import io
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from cityloop.core.files import file_response
from cityloop.core.models import Unit, User
from cityloop.core.permissions import restrict
from cityloop.frontage.access import party_of
from cityloop.frontage.letters import issue_letters, sign_letter, void_letter
from cityloop.frontage.models import Letter, LetterStatus, Notice, Party
from cityloop.frontage.notices import answer_notice

from .errors import ApiError
from .frontage_common import Mapped, own_photos
from .pagination import Paged

router = Router(tags=["frontage"])
MAX_UNSIGNED_CSV = 50_000


class LetterOut(Schema):
    id: int
    party: str = Field(..., description="the party's unified social credit code")
    party_name: str
    street: str
    year: int
    title: str
    status: str = Field(..., description="issued (not signed), signed or void")
    content_sha256: str
    issued_at: dt.datetime
    signed_at: dt.datetime | None
    signer_name: str
    pdf: str | None = Field(None, description="the signed PDF's address, once signed")


class LetterFull(LetterOut):
    content: str


def _letter(letter: Letter, *, full: bool = False, base: str = "/api/v1/frontage/letters") -> dict[str, Any]:
    out = {
        "id": letter.pk,
        "party": letter.party.uscc,
        "party_name": letter.party.name,
        "street": letter.street.code,
        "year": letter.year,
        "title": letter.title,
        "status": letter.status,
        "content_sha256": letter.content_sha256,
        "issued_at": letter.issued_at,
        "signed_at": letter.signed_at,
        "signer_name": letter.signer_name,
        "pdf": f"{base}/{letter.pk}/pdf" if letter.pdf else None,
    }
    if full:
        out["content"] = letter.content
    return out


def _letters(request: HttpRequest) -> QuerySet[Letter]:
    return restrict(Letter.objects.all(), request.user, "view").select_related("party", "street")


class LetterFilter(Schema):
    street: str | None = Field(None, max_length=32, description="street unit code")
    year: int | None = Field(None, ge=2000, le=2100)
    status: str | None = Field(None, pattern="^(issued|signed|void)$")
    party: str | None = Field(None, max_length=18, description="unified social credit code")


def _filtered(request: HttpRequest, f: LetterFilter) -> QuerySet[Letter]:
    qs = _letters(request)
    if f.street:
        qs = qs.filter(street__code=f.street)
    if f.year:
        qs = qs.filter(year=f.year)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.party:
        qs = qs.filter(party__uscc=f.party.upper())
    return qs.order_by("-year", "street_id", "party__name", "pk")


@router.get(
    "/letters", response=list[LetterOut], summary="Responsibility letters (责任书) in your jurisdiction"
)
@paginate(Paged)
def list_letters(request: HttpRequest, filters: Query[LetterFilter]) -> Any:
    return Mapped(_filtered(request, filters), _letter)


@router.get("/letters/unsigned.csv", summary="Who has not signed: the unsigned letters as CSV")
def unsigned_csv(request: HttpRequest, filters: Query[LetterFilter]) -> HttpResponse:
    filters.status = LetterStatus.ISSUED
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads UTF-8 with a byte-order mark
    writer = csv.writer(out)
    writer.writerow(["年度", "街道", "统一社会信用代码", "责任主体", "地址", "发放时间"])
    qs = _filtered(request, filters).select_related("street")[:MAX_UNSIGNED_CSV]
    for x in qs:
        issued = timezone.localtime(x.issued_at).strftime("%Y-%m-%d %H:%M")
        writer.writerow([x.year, x.street.name, x.party.uscc, x.party.name, x.party.address, issued])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="unsigned-letters.csv"'
    return response


def _find(request: HttpRequest, letter_id: int, action: str = "view") -> Letter:
    letter = restrict(Letter.objects.all(), request.user, action).filter(pk=letter_id).first()
    if letter is None:
        raise ApiError(404, f"你的辖区内没有编号为{letter_id}的责任书")
    return letter


@router.get("/letters/{int:letter_id}", response=LetterFull, summary="One letter with its text")
def get_letter(request: HttpRequest, letter_id: int) -> dict[str, Any]:
    return _letter(_letters(request).get(pk=_find(request, letter_id).pk), full=True)


@router.get("/letters/{int:letter_id}/pdf", summary="The signed letter as PDF")
def letter_pdf(request: HttpRequest, letter_id: int) -> HttpResponseBase:
    letter = _find(request, letter_id)
    if not letter.pdf:
        raise ApiError(404, "该责任书尚未签署，没有PDF")
    return file_response(letter.pdf, "application/pdf")


class IssueIn(Schema):
    street: str = Field(..., min_length=1, max_length=32, description="street unit code")
    year: int = Field(..., ge=2000, le=2100)
    parties: list[str] | None = Field(
        None, max_length=5000, description="credit codes (default: every party of the street)"
    )


class IssueOut(Schema):
    issued: int
    year: int


def _street(code: str) -> Unit:
    street = Unit.objects.filter(code=code, kind="street").first()
    if street is None:
        raise ApiError(400, f"没有编码为{code}的街道", errors={"street": [f"没有编码为{code}的街道"]})
    return street


@router.post(
    "/letters/issue", response={201: IssueOut}, summary="Issue a year's letters to a street's parties"
)
def issue(request: HttpRequest, body: IssueIn) -> Status[dict[str, Any]]:
    assert isinstance(request.user, User)
    street = _street(body.street)
    chosen = None
    if body.parties is not None:
        codes = {c.strip().upper()[:18] for c in body.parties}
        chosen = list(Party.objects.filter(uscc__in=codes))
        missing = codes - {p.uscc for p in chosen}
        if missing:
            raise ApiError(400, "有的责任主体不存在", errors={"parties": sorted(missing)[:10]})
    made = issue_letters(actor=request.user, street=street, year=body.year, parties=chosen)
    return Status(201, {"issued": len(made), "year": body.year})


class ReasonIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)


@router.post("/letters/{int:letter_id}/void", response=LetterOut, summary="Withdraw an unsigned letter")
def void(request: HttpRequest, letter_id: int, body: ReasonIn) -> dict[str, Any]:
    assert isinstance(request.user, User)
    letter = void_letter(actor=request.user, letter=_find(request, letter_id), reason=body.reason)
    return _letter(_letters(request).get(pk=letter.pk))


# --- the party's own ---------------------------------------------------------------------------


class MyNoticeOut(Schema):
    number: str
    duty: str
    status: str
    issued_at: dt.datetime
    deadline: dt.datetime
    items: list[str]
    pdf: str


class MyPartyOut(Schema):
    uscc: str
    name: str
    address: str
    street_name: str
    letters: list[LetterFull]
    notices: list[MyNoticeOut]


def _me(request: HttpRequest) -> Party:
    party = party_of(request.user)
    if party is None:
        raise ApiError(403, "该账号不是门前三包责任主体的账号")
    return party


@router.get("/my", response=MyPartyOut, summary="The party's own record, letters and notices (party account)")
def my_party(request: HttpRequest) -> dict[str, Any]:
    party = _me(request)
    base = "/api/v1/frontage/my/letters"
    letters = party.letters.exclude(status=LetterStatus.VOID).select_related("party", "street")
    notices = party.notices.select_related("duty").prefetch_related("items").order_by("-issued_at")[:100]
    return {
        "uscc": party.uscc,
        "name": party.name,
        "address": party.address,
        "street_name": party.street.name,
        "letters": [_letter(x, full=True, base=base) for x in letters.order_by("-year")[:20]],
        "notices": [
            {
                "number": n.number,
                "duty": n.duty.name,
                "status": n.status,
                "issued_at": n.issued_at,
                "deadline": n.deadline,
                "items": [i.text for i in n.items.all()],
                "pdf": f"/api/v1/frontage/my/notices/{n.number}/pdf",
            }
            for n in notices
        ],
    }


def _my_letter(request: HttpRequest, letter_id: int) -> Letter:
    letter = _me(request).letters.select_related("party", "street").filter(pk=letter_id).first()
    if letter is None:
        raise ApiError(404, f"没有编号为{letter_id}的责任书")
    return letter


@router.get("/my/letters/{int:letter_id}/pdf", summary="The party's signed letter as PDF")
def my_letter_pdf(request: HttpRequest, letter_id: int) -> HttpResponseBase:
    letter = _my_letter(request, letter_id)
    if not letter.pdf:
        raise ApiError(404, "该责任书尚未签署，没有PDF")
    return file_response(letter.pdf, "application/pdf")


class SignIn(Schema):
    signer_name: str = Field(..., min_length=1, max_length=50)
    signature_png: str = Field(
        ..., min_length=1, max_length=700_000, description="the PNG, base64 (a data: URL too)"
    )
    content_sha256: str = Field(..., pattern="^[0-9a-f]{64}$", description="SHA-256 of the text signed")


def decode_png(text: str) -> bytes:
    """A base64 PNG, bare or as a ``data:image/png;base64,`` URL."""
    payload = text.split(",", 1)[1] if text.startswith("data:") else text
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ApiError(
            400, "签名不是有效的base64", errors={"signature_png": ["签名不是有效的base64"]}
        ) from None


@router.post("/my/letters/{int:letter_id}/sign", response=LetterFull, summary="Sign the party's letter")
def sign(request: HttpRequest, letter_id: int, body: SignIn) -> dict[str, Any]:
    assert isinstance(request.user, User)
    letter = sign_letter(
        actor=request.user,
        letter=_my_letter(request, letter_id),
        signature_png=decode_png(body.signature_png),
        signer_name=body.signer_name,
        content_sha256=body.content_sha256,
    )
    return _letter(letter, full=True, base="/api/v1/frontage/my/letters")


def _my_notice(request: HttpRequest, number: str) -> Notice:
    notice = _me(request).notices.filter(number=number[:40]).first()
    if notice is None:
        raise ApiError(404, f"没有编号为{number[:40]}的整改通知书")
    return notice


@router.get("/my/notices/{number}/pdf", summary="The party's rectification notice as PDF")
def my_notice_pdf(request: HttpRequest, number: str) -> HttpResponseBase:
    notice = _my_notice(request, number)
    if not notice.pdf:
        raise ApiError(404, "该整改通知书没有PDF")
    return file_response(notice.pdf, "application/pdf")


class AnswerIn(Schema):
    note: str = Field(..., min_length=1, max_length=500)
    photos: list[int] = Field(
        ..., min_length=1, max_length=9, description="ids of photos uploaded to /api/v1/attachments"
    )


@router.post("/my/notices/{number}/answer", response=MyNoticeOut, summary="Answer a notice as rectified")
def answer(request: HttpRequest, number: str, body: AnswerIn) -> dict[str, Any]:
    assert isinstance(request.user, User)
    with transaction.atomic():
        photos = own_photos(request.user, body.photos)
        notice = answer_notice(
            actor=request.user, notice=_my_notice(request, number), note=body.note, photos=photos
        )
    return {
        "number": notice.number,
        "duty": notice.duty.name,
        "status": notice.status,
        "issued_at": notice.issued_at,
        "deadline": notice.deadline,
        "items": [i.text for i in notice.items.all()],
        "pdf": f"/api/v1/frontage/my/notices/{notice.number}/pdf",
    }
