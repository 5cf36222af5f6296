"""Which camera can look at a case again: a registry the video app fills.

Cases sit below the video channel and may not import it, so the check through a camera (视频核查)
asks here. A finder returns the camera that reported the case and can still show its spot (a
short label such as ``"CAM-0012 解放路口东"``), or None. The workflow's guard ``seen_by_camera``
lets an operator check the case through that camera instead of sending a supervisor to the spot.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Case

CameraFinder = Callable[["Case"], "str | None"]

_finders: list[CameraFinder] = []


def register_camera_finder(finder: CameraFinder) -> None:
    """Add ``finder`` (once) to those asked which camera sees a case."""
    if finder not in _finders:
        _finders.append(finder)


def camera_for(case: Case) -> str | None:
    """The first registered finder's camera for ``case``, or None when no camera sees it."""
    for finder in _finders:
        found = finder(case)
        if found:
            return found
    return None
