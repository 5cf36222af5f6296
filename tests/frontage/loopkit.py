"""A shop whose zone covers the case loop's point in community A, with a phone account."""

from __future__ import annotations

from typing import Any

from cityloop.frontage.accounts import create_party_account
from cityloop.frontage.actions import import_frontage
from cityloop.frontage.models import Party
from tests.cases.conftest import POINT_A
from tests.frontage.conftest import shop

PASSWORD = "shop-pass-2026!"


def shop_at_point_a(actor: Any, n: int = 1, username: str = "shop1") -> Party:
    """A shop with a 10 m frontage just south of POINT_A and a zone 5 m deep reaching over it."""
    row = shop(n, lon=POINT_A[0] - 0.00005, lat=POINT_A[1] - 0.00002)
    row["name"] = f"老王便利店{n}"
    import_frontage([row], actor=actor)
    party = Party.objects.get(uscc=row["uscc"])
    create_party_account(actor=actor, party=party, username=username, password=PASSWORD)
    party.refresh_from_db()
    return party
