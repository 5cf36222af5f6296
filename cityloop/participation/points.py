"""Points for valid reports (随手拍): a citizen whose report is registered (立案) as a valid case earns
the points of the active rule ``report_registered``, once per case. Rules are data (the admin and the
staff settings page edit them); each award remembers the rule and the amount it was given.

The leaderboard is off until the city switches it on, and shows masked names or phones only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from cityloop.core.audit import domain_action, record, snapshot, system_actor
from cityloop.core.models import User
from cityloop.core.phones import normalise_phone

from .models import Citizen, CitySetting, PointAward, PointRule

REGISTERED = "report_registered"
LEADERBOARD_SIZE = 20


@domain_action
def award_registered_report(*, actor: User, fact: dict[str, Any]) -> PointAward | None:
    """Give the reporter of a newly registered case their points, if they are a verified citizen
    and the rule is on; None when no one earns anything (or it was given before)."""
    phone = normalise_phone(str(fact.get("reporter_phone") or ""))
    if not phone:
        return None
    citizen = Citizen.objects.select_for_update().filter(phone=phone).first()
    rule = PointRule.objects.filter(code=REGISTERED, active=True).first()
    if citizen is None or rule is None:
        return None
    if PointAward.objects.filter(rule=rule, case_id=fact["id"]).exists():
        return None
    award = PointAward.objects.create(
        citizen=citizen,
        rule=rule,
        points=rule.points,
        case_id=fact["id"],
        case_number=fact["number"],
        at=fact.get("at") or timezone.now(),
    )
    Citizen.objects.filter(pk=citizen.pk).update(points=F("points") + rule.points)
    record(
        actor,
        "participation.points.award",
        award,
        after={"citizen": citizen.masked_phone, "points": rule.points, "case": fact["number"]},
    )
    return award


def on_registered(fact: dict[str, Any]) -> None:
    award_registered_report(actor=system_actor(), fact=fact)


@domain_action
def save_points_rule(*, actor: User, code: str, name: str, points: int, active: bool = True) -> PointRule:
    """Add or change a points rule (by code)."""
    if not 0 <= points <= 1000:
        raise ValidationError({"points": "积分应在0到1000之间"})
    rule = PointRule.objects.filter(code=code).first()
    before = snapshot(rule) if rule else None
    rule = rule or PointRule(code=code)
    rule.name, rule.points, rule.active = name.strip()[:50] or code, points, active
    rule.save()
    record(actor, "participation.points_rule.save", rule, before=before, after=snapshot(rule))
    return rule


@domain_action
def save_settings(
    *, actor: User, leaderboard_enabled: bool, staff_photos_public: bool, now: dt.datetime | None = None
) -> CitySetting:
    """Switch the leaderboard and the public photos of staff-reported cases on or off."""
    current = CitySetting.objects.select_for_update().filter(pk=1).first() or CitySetting(pk=1)
    before = snapshot(current) if current.pk and CitySetting.objects.filter(pk=1).exists() else None
    current.leaderboard_enabled = leaderboard_enabled
    current.staff_photos_public = staff_photos_public
    current.changed_at = now or timezone.now()
    current.save()
    record(actor, "participation.settings.save", current, before=before, after=snapshot(current))
    return current


def leaderboard(limit: int = LEADERBOARD_SIZE) -> list[dict[str, Any]] | None:
    """The top citizens by points with masked names, or None while the city has it switched off."""
    if not CitySetting.current().leaderboard_enabled:
        return None
    rows = Citizen.objects.filter(points__gt=0).order_by("-points", "id")[:limit]
    return [{"rank": i + 1, "name": c.masked_name, "points": c.points} for i, c in enumerate(rows)]
