"""Demo letters, inspections and notices (门前三包): phone accounts for three shops of Yunhu's first
street (``shop01`` … ``shop03``, the demo password), this year's letters issued there (``shop01``
has signed), a round planned for today and one shop inspected with a failed item (a notice open)."""

from __future__ import annotations

import io

from django.utils import timezone
from PIL import Image, ImageDraw

from cityloop.core.models import User
from cityloop.frontage.access import may_inspect
from cityloop.frontage.accounts import create_party_account
from cityloop.frontage.checklist import load_standard_checklist
from cityloop.frontage.inspections import checklist_for, plan_round, record_inspection
from cityloop.frontage.letters import issue_letters, sign_letter
from cityloop.frontage.models import Letter, Party

from .actions import set_password_hashes
from .city import DemoCity
from .people import PARTY_ROLE_LABEL, password_hashes

ACCOUNTS = ("shop01", "shop02", "shop03")


def _signature(rng_value: float) -> bytes:
    """A drawn-looking signature (a few strokes), as a PNG."""
    image = Image.new("RGBA", (340, 160), (255, 255, 255, 0))
    draw = ImageDraw.Draw(image)
    points = [(30 + i * 14, 90 + ((i * 37 + int(rng_value * 100)) % 40) - 20) for i in range(20)]
    draw.line(points, fill=(17, 17, 17, 255), width=4, joint="curve")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def frontage_docs_step(city: DemoCity, *, actor: User) -> None:
    """Frontage letters, a round, an inspection and a notice in Yunhu's first street."""
    load_standard_checklist(actor=actor)
    street = city.first.streets[0]
    officer = city.users["street01_manager"]
    shops = list(Party.objects.filter(street=street).order_by("uscc")[: len(ACCOUNTS)])
    accounts = [
        create_party_account(actor=officer, party=shop, username=name, password=None)
        for name, shop in zip(ACCOUNTS, shops, strict=False)
    ]
    hashes = password_hashes([u.username for u in accounts], city.seed)
    set_password_hashes({u: hashes[u.username] for u in accounts}, actor=actor)
    # Listed with the other demo users: their logins are printed and their passwords counted.
    city.users.update({u.username: u for u in accounts})
    city.summary["users"] = city.summary.get("users", 0) + len(accounts)
    city.logins.extend(
        (u.username, PARTY_ROLE_LABEL, shop.name) for u, shop in zip(accounts, shops, strict=False)
    )
    year = timezone.localdate().year
    issue_letters(actor=officer, street=street, year=year)
    rng = city.rng_for("frontage-docs")
    if accounts:
        first = Letter.objects.get(party=shops[0], year=year)
        sign_letter(
            actor=accounts[0],
            letter=first,
            signature_png=_signature(rng.random()),
            signer_name=shops[0].contact_name or shops[0].name,
            content_sha256=first.content_sha256,
        )
    inspector = next(
        (
            u
            for name, u in sorted(city.users.items())
            if name.startswith("supervisor") and all(may_inspect(u, shop) for shop in shops)
        ),
        officer,
    )
    planned = plan_round(
        actor=officer,
        street=street,
        title=f"{timezone.localdate():%m月%d日}门前三包巡查",
        planned_on=timezone.localdate(),
        inspector=inspector,
        parties=shops,
        note="",
    )
    if len(shops) > 1:
        ticks = {i.code: i.code != "ord_outside" for i in checklist_for(shops[1], timezone.localdate())}
        notes = {"ord_outside": "店外摆放桌椅三张"}
        record_inspection(actor=inspector, party=shops[1], ticks=ticks, notes=notes, plan=planned)
    city.summary["frontage letters"] = Letter.objects.filter(street=street, year=year).count()
