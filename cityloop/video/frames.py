"""Taking a frame from a camera's snapshot address. The fetcher is configurable
(``CITYLOOP_VIDEO_SNAPSHOT_FETCHER``, a dotted path to ``fetch(url, timeout, max_bytes) -> bytes``):
cities put their video platform's gateway here; the default fetches over HTTP(S) with a timeout
(``CITYLOOP_VIDEO_SNAPSHOT_TIMEOUT``, seconds) and the upload size limit, and tests use a local fake."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.module_loading import import_string

from cityloop.cases.uploads import max_upload_bytes

Fetcher = Callable[[str, float, int], bytes]


class FrameUnavailable(Exception):
    """The camera gave no frame (no address, unreachable, too slow, too large)."""


def http_fetch(url: str, timeout: float, max_bytes: int) -> bytes:
    """GET the snapshot, refusing anything but http(s), slower than ``timeout`` or over ``max_bytes``."""
    if not url.startswith(("http://", "https://")):
        raise FrameUnavailable("the snapshot address is not http(s)")
    request = urllib.request.Request(url, headers={"User-Agent": "CityLoop-video/1"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            content = answer.read(max_bytes + 1)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise FrameUnavailable(f"the camera did not answer: {exc}") from None
    if len(content) > max_bytes:
        raise FrameUnavailable("the frame is over the size limit")
    return content


def fetcher() -> Fetcher:
    path = getattr(settings, "CITYLOOP_VIDEO_SNAPSHOT_FETCHER", "")
    return import_string(path) if path else http_fetch


def take_frame(snapshot_url: str) -> bytes:
    """The frame's bytes from a snapshot address; ``ValidationError`` on ``frame`` when there is none."""
    if not snapshot_url:
        raise ValidationError({"frame": "这个摄像头没有登记抓图地址，请上传截图"})
    timeout = float(getattr(settings, "CITYLOOP_VIDEO_SNAPSHOT_TIMEOUT", 5))
    try:
        return fetcher()(snapshot_url, timeout, max_upload_bytes())
    except FrameUnavailable as exc:
        raise ValidationError({"frame": f"抓图失败，请上传截图（{exc}）"}) from None
