"""What ``cityloop demo-city`` prints: the demo logins and a summary, read back from the database, so
that a second run (``--if-empty``) prints the same table as the run that built the city."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from django.db.models import Count, Q, QuerySet

from cityloop.cases.frontage_intake import SERVICE_USERNAME as FRONTAGE_ESCALATION
from cityloop.core.audit import PUBLIC_USERNAME, SYSTEM_USERNAME
from cityloop.core.models import Membership, Unit, User
from cityloop.frontage.models import Party
from cityloop.geo.models import Grid, Road

from .districts import DISTRICTS
from .people import (
    DEMO_PASSWORD,
    KEY_LOGINS,
    PARTY_ROLE_LABEL,
    not_a_service_account,
    role_label,
    unit_label,
)


def people() -> QuerySet[User]:
    """The demo's people: every account but the system's, the public's and the service accounts
    of hotline platforms, sensor networks, video detectors and frontage escalation."""
    return User.objects.exclude(username__in=(SYSTEM_USERNAME, PUBLIC_USERNAME, FRONTAGE_ESCALATION)).filter(
        not_a_service_account()
    )


def demo_logins(everyone: bool = False) -> list[tuple[str, str, str]]:
    """(username, role label, unit label) of the key demo users that exist, in :data:`KEY_LOGINS`
    order, or of all its :func:`people` when ``everyone``."""
    users = people().order_by("pk")
    if not everyone:
        users = users.filter(username__in=KEY_LOGINS)
    found = {u.pk: u for u in users}
    memberships: dict[int, list[Membership]] = {}
    for m in (
        Membership.objects.active().filter(user_id__in=list(found)).select_related("unit").order_by("pk")
    ):
        memberships.setdefault(m.user_id, []).append(m)
    # A frontage party's account holds no role: it answers for its shop (门前三包).
    parties = dict(Party.objects.filter(account_id__in=list(found)).values_list("account_id", "name"))
    rows = []
    for pk, user in found.items():
        held = memberships.get(pk, [])
        role = held[0].role if held else ""
        if not held and pk in parties:
            rows.append((user.username, PARTY_ROLE_LABEL, parties[pk]))
            continue
        rows.append(
            (
                user.username,
                role_label(role) if role else "-",
                unit_label([m.unit for m in held if m.role == role]),
            )
        )
    if not everyone:
        rank = {name: i for i, name in enumerate(KEY_LOGINS)}
        rows.sort(key=lambda row: rank[row[0]])
    return rows


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain-text table with columns padded for CJK text."""
    widths = [max(_width(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            str(c) + " " * (w - _width(str(c))) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(r) for r in rows)])


def logins_table(logins: Sequence[tuple[str, str, str]]) -> str:
    """The demo logins as a table with the shared password."""
    return format_table(
        ("username", "password", "role", "unit"), [(u, DEMO_PASSWORD, role, unit) for u, role, unit in logins]
    )


def demo_summary() -> dict[str, int]:
    """Counts of the demo districts (those in the database) and of their streets, communities, grids
    and roads, and of the users, read from the database."""
    districts = list(Unit.objects.filter(code__in=[d.code for d in DISTRICTS]).order_by("code"))
    if not districts:
        return {}
    under = Q()
    for district in districts:
        under |= Q(path__startswith=district.path)
    kinds = dict(Unit.objects.filter(under).values_list("kind").annotate(n=Count("pk")).order_by())
    in_communities = Q()
    for district in districts:
        in_communities |= Q(community__path__startswith=district.path)
    return {
        "districts": len(districts),
        "streets": kinds.get("street", 0),
        "communities": kinds.get("community", 0),
        "grids": Grid.objects.filter(in_communities).count(),
        "roads": Road.objects.filter(district__in=districts).count(),
        "users": people().count(),
    }
