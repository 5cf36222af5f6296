"""One page size cap for every list of the API: no list can be one answer of a million rows."""

from __future__ import annotations

from ninja import Field, Schema
from ninja.pagination import LimitOffsetPagination

MAX_LIMIT = 500
DEFAULT_LIMIT = 100


class Paged(LimitOffsetPagination):
    """``limit`` (1–500, default 100) items from ``offset``; a larger ``limit`` is a 422 that names it."""

    class Input(Schema):
        limit: int = Field(
            DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"items per page, at most {MAX_LIMIT}"
        )
        offset: int = Field(0, ge=0, le=2**62, description="items to skip")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(max_limit=MAX_LIMIT, **kwargs)
