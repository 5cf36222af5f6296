"""The demo city's frontage in the case loop: a few shops sign in on a phone (``shop1`` …, password
``cityloop-demo``) to answer the cases handed to them first, and each street with shops has a
self-discipline group (商户自治联盟) of its first shops, led by the first."""

from __future__ import annotations

from cityloop.core.models import User
from cityloop.frontage.accounts import give_party_account
from cityloop.frontage.groups import create_group, join_group, set_leader
from cityloop.frontage.models import Party

from .city import DemoCity
from .people import DEMO_PASSWORD

ACCOUNTS_PER_DISTRICT = 3
GROUP_SIZE = 6


def frontage_loop_step(city: DemoCity, *, actor: User) -> None:
    """Shops' phone sign-ins and self-discipline groups."""
    n = 0
    for district in city.districts:
        unit = district.district
        parties = list(Party.objects.filter(street__path__startswith=unit.path).order_by("street_id", "id"))
        for party in parties[:ACCOUNTS_PER_DISTRICT]:
            n += 1
            give_party_account(actor=actor, party=party, username=f"shop{n}", password=DEMO_PASSWORD)
        by_street: dict[int, list[Party]] = {}
        for party in parties:
            by_street.setdefault(party.street_id, []).append(party)
        for shops in by_street.values():
            street = shops[0].street
            group = create_group(actor=actor, street=street, name=f"{street.name}商户自治联盟")
            for party in shops[:GROUP_SIZE]:
                join_group(actor=actor, group=group, party=party)
            set_leader(actor=actor, group=group, party=shops[0])
    city.summary["frontage phone sign-ins"] = n
