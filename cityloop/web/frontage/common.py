"""What the frontage officer's, inspector's and party's pages share: who may open them, the
streets a user runs, refusals shown as the form's errors, and photos stored through the cases'
attachment machinery."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase

from cityloop.cases.attachments import upload_attachment
from cityloop.cases.models import Attachment
from cityloop.core.files import file_response
from cityloop.core.models import Unit, UnitKind, User
from cityloop.frontage.access import INSPECTOR_ROLES, OFFICER_ROLES, holds

from ..access import FIELD, OVERSIGHT, UNIT_STAFF

ROLES = tuple(FIELD | OVERSIGHT | UNIT_STAFF)
MAX_PHOTOS = 9


def errors_of(exc: ValidationError) -> list[str]:
    """A refusal's messages, for the top of the form."""
    if hasattr(exc, "error_dict"):
        return [m for messages in exc.message_dict.values() for m in messages]
    return list(exc.messages)


def streets_run_by(user: User, roles: frozenset[str] = OFFICER_ROLES) -> QuerySet[Unit]:
    """The streets where ``user`` is the frontage officer (or administrator above)."""
    streets = Unit.objects.filter(kind=UnitKind.STREET).order_by("code")
    return streets.filter(pk__in=[s.pk for s in streets if holds(user, s, roles)])


def inspects_somewhere(user: User) -> bool:
    return (
        bool(streets_run_by(user, INSPECTOR_ROLES))
        or user.memberships.active().filter(role__in=INSPECTOR_ROLES).exists()
    )


def upload_photos(user: User, files: Iterable[UploadedFile], purpose: str = "check") -> list[int]:
    """Store the photos through the cases' attachment machinery (checked by content); their ids."""
    chosen = list(files)
    if len(chosen) > MAX_PHOTOS:
        raise ValidationError({"photos": f"最多{MAX_PHOTOS}张照片"})
    return [
        upload_attachment(actor=user, name=f.name or "photo", content=f.read(), purpose=purpose).pk
        for f in chosen
    ]


def photo(ids: list[int], attachment_id: int) -> HttpResponseBase:
    """One of the photos a frontage row holds (404 for any other)."""
    if attachment_id not in ids:
        raise Http404("no such photo")
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise Http404("no such photo")
    return file_response(attachment.file, attachment.content_type)


def street_param(request: HttpRequest, streets: QuerySet[Unit]) -> Unit | None:
    code = (request.POST.get("street") or request.GET.get("street") or "")[:32]
    if code:
        return streets.filter(code=code).first()
    return streets.first() if streets.count() == 1 else None


def csv_response(body: str, name: str) -> HttpResponse:
    response = HttpResponse("\ufeff" + body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
