"""The hotline's routes (cityloop/hotline, cityloop/api/hotline.py), each with who may call it."""

from __future__ import annotations

from .routes import PRIVATE, PUBLIC, Route

A = "/api/v1"
HOTLINE_CASE = "{w.hotline_a.pk}"

HOTLINE_API_ROUTES: list[Route] = [
    Route(
        "/api/v1/hotline/cases/{ref}",
        PRIVATE,
        f"{A}/hotline/cases/{HOTLINE_CASE}",
        inside="operator",
        outside="shift_leader_b",
    ),
    Route(
        "/api/v1/hotline/cases/{ref}/transfer-back",
        PRIVATE,
        f"{A}/hotline/cases/{HOTLINE_CASE}/transfer-back",
        method="POST",
        body=lambda w: {"reason": "属于供电公司职责"},
        inside="operator",
        outside="shift_leader_b",
        state=lambda w: w.snapshot(w.hotline_a),
    ),
]

HOTLINE_PAGE_ROUTES: list[Route] = [
    # A platform's messages carry their own proof (a signature): without it, nothing happens.
    Route(
        "hotline/v1/<slug:code>/messages",
        PUBLIC,
        "/hotline/v1/{w.hotline_platform.code}/messages",
        method="POST",
        body=lambda w: {"type": "work_order"},
        ok=(415,),
    ),
    # A result's photo opens only by the signed link sent to the platform.
    Route(
        "hotline/v1/<slug:code>/photos/<int:attachment_id>",
        PUBLIC,
        "/hotline/v1/{w.hotline_platform.code}/photos/{w.photo_a.pk}",
        ok=(404,),
    ),
]
