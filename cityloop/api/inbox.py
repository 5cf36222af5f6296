"""``/api/v1/inbox``: the caller's in-app notices (warnings, overdue steps, escalations)."""

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from cityloop.core.models import User
from cityloop.core.permissions import restrict
from cityloop.notify.actions import mark_all_read, mark_read
from cityloop.notify.models import InboxMessage

from .errors import ApiError
from .pagination import Paged

router = Router(tags=["inbox"])


class MessageOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    subject_type: str
    subject_id: str
    created_at: dt.datetime
    read_at: dt.datetime | None
    unread: bool

    @staticmethod
    def resolve_unread(obj: InboxMessage) -> bool:
        return obj.read_at is None


class InboxFilter(Schema):
    unread: bool | None = Field(None, description="true: only unread; false: only read")
    kind: str | None = Field(None, description="e.g. timeclock.overdue")


class ReadAllOut(Schema):
    count: int


def _own(request: HttpRequest) -> QuerySet[InboxMessage]:
    user = request.user
    assert isinstance(user, User)
    # Only the caller's own messages, and through restrict() like every read.
    return restrict(InboxMessage.objects.filter(user=user), user, "view")


@router.get("", response=list[MessageOut], summary="Your inbox, newest first")
@paginate(Paged)
def list_messages(request: HttpRequest, filters: Query[InboxFilter]) -> QuerySet[InboxMessage]:
    qs = _own(request)
    if filters.unread is not None:
        qs = qs.filter(read_at__isnull=filters.unread)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    return qs.order_by("-created_at", "-id")


@router.post("/{message_id}/read", response=MessageOut, summary="Mark one of your messages read")
def read_message(request: HttpRequest, message_id: int) -> Any:
    message = _own(request).filter(pk=message_id).first()
    if message is None:
        raise ApiError(404, f"you have no message {message_id}")
    assert isinstance(request.user, User)
    return mark_read(message, actor=request.user)


@router.post("/read-all", response=ReadAllOut, summary="Mark all your messages read")
def read_all(request: HttpRequest) -> dict[str, int]:
    assert isinstance(request.user, User)
    return {"count": mark_all_read(actor=request.user)}
