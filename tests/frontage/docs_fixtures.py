"""Fixtures for letters, inspections and notices: two shops in street A and one in street B, a party
account for the first, reference data for escalated cases (catalog, channels)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from cityloop.core.actions import create_user
from cityloop.core.models import Role
from cityloop.frontage.actions import import_frontage
from cityloop.frontage.models import ChecklistItem, Party

from .conftest import code, shop

ALL_OK = {
    "san_clean": True,
    "san_refuse": True,
    "san_posting": True,
    "ord_outside": True,
    "ord_piling": True,
    "ord_parking": True,
    "ord_hanging": True,
    "grn_green": True,
    "grn_facility": True,
    "grn_sign": True,
}


def signature_png() -> bytes:
    image = Image.new("RGBA", (300, 120), (255, 255, 255, 0))
    for x in range(20, 280):
        image.putpixel((x, 60 + (x % 20) - 10), (0, 0, 0, 255))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def ticks(**failed: bool) -> dict[str, bool]:
    return {**ALL_OK, **failed}


def ensure_checklist(actor: Any) -> None:
    """Migration 0004's items, back in place if a transactional test emptied them."""
    if not ChecklistItem.objects.exists():
        from cityloop.frontage.checklist import load_standard_checklist

        load_standard_checklist(actor=actor)


@pytest.fixture
def shops(org, grids, actor) -> dict[str, Any]:
    from tests.cases.conftest import ensure_reference_data

    ensure_reference_data(actor)
    ensure_checklist(actor)
    rows = [
        shop(1, name="东街面馆", lon=118.7812, lat=32.0412),  # street A, community A
        shop(2, name="东街药店", lon=118.7850),  # street A
        shop(3, name="西街花店", lat=32.0460),  # street B
    ]
    report = import_frontage(rows, actor=actor)
    assert report.applied, [str(e) for e in report.errors]
    parties = {p.uscc: p for p in Party.objects.all()}
    owner = create_user(actor=actor, username="shop1", password="demo-pass-2026", roles=[])
    noodle = parties[code(1)]
    noodle.account = owner
    noodle.lon, noodle.lat = 118.7812, 32.04121
    noodle.save()
    other = create_user(actor=actor, username="shop3", password="demo-pass-2026", roles=[])
    flower = parties[code(3)]
    flower.account = other
    flower.save()
    supervisor_b = create_user(
        actor=actor,
        username="supervisor_b",
        password="demo-pass-2026",
        roles=[(org.community_b, Role.SUPERVISOR)],
    )
    return {
        "noodle": noodle,
        "pharmacy": parties[code(2)],
        "flower": flower,
        "owner": owner,
        "other_owner": other,
        "supervisor_b": supervisor_b,
    }
