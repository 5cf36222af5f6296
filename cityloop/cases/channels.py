"""Report channels (data) as the hot path reads them: by code at intake, by id on every transition,
kept briefly per process (shared instances: read them, never change them)."""

from __future__ import annotations

from cityloop.core.caching import Memo

from .models import Channel

CHANNELS: Memo[Channel | None] = Memo("channels")


def active_channel(code: str) -> Channel | None:
    """The active channel with this code, or None."""
    return CHANNELS.get(("code", code), lambda: Channel.objects.filter(code=code, active=True).first())


def channel_by_id(pk: int) -> Channel:
    found = CHANNELS.get(("id", pk), lambda: Channel.objects.get(pk=pk))
    assert found is not None
    return found


def forget_channels(**kwargs: object) -> None:
    """Signal receiver: a channel changed in this process."""
    CHANNELS.clear()
