"""Guards of the workflow table: each returns why a transition is blocked now, or None."""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from cityloop.routing.models import Level

from .camera_views import camera_for
from .models import Case

Guard = Callable[[Case], "str | None"]


def verified_if_needed(case: Case) -> str | None:
    """Public and hotline reports are accepted only after a supervisor verified them on site."""
    if case.state == "reported" and case.channel.needs_verification:
        return _("this channel's reports must be verified on site first: send for verification")
    return None


def return_visit_needed(case: Case) -> str | None:
    if not case.needs_return_visit:
        return _("this case needs no return visit")
    if case.return_visit_waiver:
        return _("a no-return-visit request is already %(state)s") % {"state": case.return_visit_waiver}
    return None


def no_return_visit_requested(case: Case) -> str | None:
    return None if case.return_visit_waiver == "requested" else _("no one asked to skip the return visit")


def visited_unsatisfied(case: Case) -> str | None:
    if case.satisfaction == "unsatisfied":
        return None
    return _("only a case whose return visit was unsatisfied is re-assigned")


def return_visit_done(case: Case) -> str | None:
    """Hotline cases close only after a return visit with a satisfaction result, unless waived."""
    if case.needs_return_visit and not case.satisfaction and case.return_visit_waiver != "approved":
        return _("hotline cases need a return visit (or an approved no-return-visit) before closing")
    if case.satisfaction == "unsatisfied":
        return _("the reporter was unsatisfied: re-assign the case (reopen) instead of closing it")
    return None


def city_above(case: Case) -> str | None:
    """A district's centre refers a case up only to a city centre that exists above it."""
    if case.command_level == Level.CITY:
        return _("the city command centre already commands this case")
    if case.district.parent_id is None:
        return _("%(district)s has no city above it to refer the case to") % {"district": case.district.name}
    return None


def city_commanded(case: Case) -> str | None:
    if case.command_level != Level.CITY:
        return _("this case is already commanded by its district")
    return None


def seen_by_camera(case: Case) -> str | None:
    """A check through a camera (视频核查) needs the camera that reported the case, still in service."""
    if camera_for(case) is None:
        return _("no camera in service shows this case: send a supervisor to check it on site")
    return None


GUARDS: dict[str, Guard] = {
    "seen_by_camera": seen_by_camera,
    "city_above": city_above,
    "city_commanded": city_commanded,
    "verified_if_needed": verified_if_needed,
    "return_visit_needed": return_visit_needed,
    "no_return_visit_requested": no_return_visit_requested,
    "visited_unsatisfied": visited_unsatisfied,
    "return_visit_done": return_visit_done,
}
