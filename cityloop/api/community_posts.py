"""``/api/v1/community/heads/{id}/end``: a head leaves their post (a building head moves away, a
lane head is replaced). The post ends from a day and its history stays; only the street's or
district's manager may end it (``community.actions.end_post``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from cityloop.community.actions import end_post
from cityloop.community.models import Post, Station
from cityloop.core.models import User
from cityloop.core.permissions import restrict

from .community import CommunityHeadOut, head_out
from .errors import ApiError

router = Router(tags=["community"])


class CommunityPostEndIn(Schema):
    on: dt.date | None = Field(None, description="the first day without the post (today if not given)")


@router.post(
    "/heads/{post_id}/end", response=CommunityHeadOut, summary="End a head's post (the history stays)"
)
def end_head_post(request: HttpRequest, post_id: int, body: CommunityPostEndIn) -> dict[str, Any]:
    user = request.user
    assert isinstance(user, User)
    stations = restrict(Station.objects.all(), user, "view")
    post = Post.objects.filter(pk=post_id, station__in=stations).select_related("user", "community").first()
    if post is None:
        raise ApiError(404, f"你的辖区内没有编号为{post_id}的岗位")
    return head_out(end_post(actor=user, post=post, on=body.on))
