"""Shared by the frontage letter and inspection routers: a lazily mapped page, and the photos of
inspections and notice answers, uploads of the cases' attachment machinery (``POST
/api/v1/attachments``) referenced by id from frontage rows (frontage sits below cases)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import QuerySet
from django.http.response import HttpResponseBase

from cityloop.cases.models import Attachment
from cityloop.core.files import file_response
from cityloop.core.models import User

from .errors import ApiError


def own_photos(user: User, ids: Iterable[int]) -> list[int]:
    """The ids, if each is the user's own upload, an image, and not on a case; else a 400."""
    wanted = sorted({int(i) for i in ids})
    found = set(
        Attachment.objects.filter(
            pk__in=wanted, uploaded_by=user, case__isnull=True, content_type__startswith="image/"
        ).values_list("pk", flat=True)
    )
    missing = [i for i in wanted if i not in found]
    if missing:
        message = f"照片{missing[:5]}不存在、不是你上传的图片，或已用于案件"
        raise ApiError(400, message, errors={"photos": [message]})
    return wanted


def photo_response(ids: list[int], attachment_id: int) -> HttpResponseBase:
    """One of the photos a frontage row holds."""
    if attachment_id not in ids:
        raise ApiError(404, f"没有编号为{attachment_id}的照片")
    attachment = Attachment.objects.filter(pk=attachment_id).first()
    if attachment is None:
        raise ApiError(404, f"没有编号为{attachment_id}的照片")
    return file_response(attachment.file, attachment.content_type)


class Mapped:
    """A queryset whose page is turned into dicts only for the rows on it (for ``@paginate``)."""

    def __init__(self, qs: QuerySet[Any], shape: Callable[[Any], dict[str, Any]]) -> None:
        self.qs, self.shape = qs, shape

    def count(self) -> int:
        return self.qs.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, item: slice) -> list[dict[str, Any]]:
        return [self.shape(x) for x in self.qs[item]]
