"""The demo city's self-discipline groups (商户自治联盟): each street with shops has one of its first
shops, led by the first. (The shops' phone sign-ins, ``shop01`` …, come with the letters' demo: they
also answer the cases handed to them first, on ``/frontage/me/cases/``.)"""

from __future__ import annotations

from cityloop.core.models import User
from cityloop.frontage.groups import create_group, join_group, set_leader
from cityloop.frontage.models import Party

from .city import DemoCity

GROUP_SIZE = 6


def frontage_loop_step(city: DemoCity, *, actor: User) -> None:
    """Self-discipline groups of shops."""
    groups = 0
    for district in city.districts:
        parties = Party.objects.filter(street__path__startswith=district.district.path).select_related(
            "street"
        )
        by_street: dict[int, list[Party]] = {}
        for party in parties.order_by("street_id", "id"):
            by_street.setdefault(party.street_id, []).append(party)
        for shops in by_street.values():
            street = shops[0].street
            group = create_group(actor=actor, street=street, name=f"{street.name}商户自治联盟")
            for party in shops[:GROUP_SIZE]:
                join_group(actor=actor, group=group, party=party)
            set_leader(actor=actor, group=group, party=shops[0])
            groups += 1
    city.summary["frontage self-discipline groups"] = groups
