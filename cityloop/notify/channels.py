"""Delivery channels: signed webhooks (signatures in ``signing``), and the per-user channels (SMS,
WeChat) deployments fill in.

A per-user channel is any class with a ``send(message)`` method (the :class:`Channel` protocol),
named in ``settings.CITYLOOP_NOTIFY_CHANNELS`` (channel name → dotted class path; the class is
built with the channel name). It raises :class:`DeliveryError` when the message did not go out;
the worker retries with backoff, or gives up at once when the error is ``permanent``. The stand-in
for every channel is :class:`LoggingChannel`, which only logs: CityLoop never pretends to send.
"""

from __future__ import annotations

import datetime as dt
import functools
import http.client
import logging
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger("cityloop.notify")


class DeliveryError(Exception):
    """A message did not go out. ``permanent`` errors are not retried (e.g. no phone number)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class DeliveryDeferred(DeliveryError):
    """A message not sent yet because it waits on something (an earlier message of the same
    conversation still undelivered): tried again at ``until``, without counting as a failed attempt."""

    def __init__(self, message: str, *, until: dt.datetime) -> None:
        super().__init__(message)
        self.until = until


@dataclass(frozen=True)
class ChannelMessage:
    """One notice for one person, as a per-user channel receives it."""

    delivery_id: int
    kind: str
    title: str
    body: str
    subject_type: str
    subject_id: str
    user_id: int
    username: str
    display_name: str
    phone: str
    email: str
    payload: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Channel(Protocol):
    """What a deployment implements for SMS, WeChat or any other per-user channel."""

    name: str

    def send(self, message: ChannelMessage) -> None:
        """Send ``message`` or raise :class:`DeliveryError`."""


class LoggingChannel:
    """The stand-in until a deployment configures a real gateway: says once that the channel is not
    configured, then notes each message it did not send at DEBUG level (a demo month would
    otherwise print hundreds of lines)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._told = False

    def send(self, message: ChannelMessage) -> None:
        if not self._told:
            self._told = True
            logger.warning(
                "%s channel is not configured (CITYLOOP_NOTIFY_CHANNELS): its messages are not sent",
                self.name,
            )
        logger.debug("%s not sent to %s: %s", self.name, message.username, message.title)


@functools.cache
def _build(name: str, dotted: str) -> Channel:
    cls = import_string(dotted)
    channel = cls(name)
    if not isinstance(channel, Channel):
        raise ImproperlyConfigured(f"CITYLOOP_NOTIFY_CHANNELS[{name!r}]: {dotted} has no send(message)")
    return channel


def user_channels() -> dict[str, Channel]:
    """The configured per-user channels by name (the in-app inbox is always on and not listed)."""
    configured: dict[str, str] = getattr(settings, "CITYLOOP_NOTIFY_CHANNELS", {}) or {}
    return {name: _build(name, dotted) for name, dotted in configured.items()}


def post_webhook(url: str, body: bytes, *, event: str, signed: dict[str, str]) -> None:
    """POST ``body`` to ``url`` with its Standard Webhooks headers ``signed``
    (:func:`cityloop.notify.signing.sign_headers`); raise :class:`DeliveryError` unless 2xx.

    http.client rather than urllib: it sends the header names exactly as documented.
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise DeliveryError(f"{url!r} is not an http(s) URL", permanent=True)
    timeout = float(settings.CITYLOOP_WEBHOOK_TIMEOUT_SECONDS)
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout)
    else:
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "CityLoop-Webhook/1",
        "X-CityLoop-Event": event,
        **signed,
    }
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", path, body=body, headers=headers)
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryError(f"cannot reach {url}: {exc}") from None
    finally:
        connection.close()
    if not 200 <= status < 300:
        raise DeliveryError(f"HTTP {status} from {url}")
