"""The console's main navigation: the links each role needs, in the order of their work."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from cityloop.core.models import Role

from .access import COMMAND, FIELD, LEADERS, OVERSIGHT, UNIT_STAFF, holds, roles_of


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str

    def active(self, path: str) -> bool:
        return path == self.url or (self.url != "/" and path.startswith(self.url))


def nav_links(request: HttpRequest) -> list[NavLink]:
    """Links for the signed-in user's roles (administrators see them all)."""
    if not request.user.is_authenticated:
        return [
            NavLink(reverse("web:public_report"), _("Report a problem")),
            NavLink(reverse("web:public_track"), _("Track a report")),
            NavLink(reverse("web:public_map"), _("Problem map")),
            NavLink(reverse("web:citizen_home"), _("Take part")),
        ]
    links: list[NavLink] = []
    if holds(request, COMMAND | LEADERS):
        links.append(NavLink(reverse("web:queue"), _("Case queue")))
    if holds(request, UNIT_STAFF):
        links.append(NavLink(reverse("web:unit_tasks"), _("Our cases")))
    if holds(request, FIELD | UNIT_STAFF):
        links.append(NavLink(reverse("web:mobile_home"), _("My tasks")))
    if holds(request, FIELD):
        links.append(NavLink(reverse("web:mobile_report"), _("Report")))
    if holds(request, COMMAND | LEADERS | UNIT_STAFF):
        links.append(NavLink(reverse("web:map"), _("Map")))
    if holds(request, UNIT_STAFF | LEADERS):
        links.append(NavLink("/frontage/", _("Frontage zones")))
    elif holds(request, FIELD):
        # Supervisors inspect frontage zones on their rounds.
        links.append(NavLink("/frontage/rounds/", _("Frontage inspections")))
    if not roles_of(request):
        from cityloop.frontage.access import party_of

        if party_of(request.user) is not None:
            links.append(NavLink("/frontage/my/", _("My frontage zone")))
    if holds(request, {Role.COMMUNITY_HEAD}):
        links.append(NavLink(reverse("web:community:station"), _("Community station")))
    if holds(request, {Role.COMMUNITY_HEAD, Role.SUPERVISOR} | UNIT_STAFF):
        links.append(NavLink(reverse("web:community:alleys"), _("Back alleys")))
    if holds(request, {Role.UNIT_MANAGER} | LEADERS):
        links.append(NavLink(reverse("web:community:overview"), _("Communities overview")))
    if holds(request, {Role.UNIT_MANAGER, Role.COMMUNITY_HEAD, Role.LEADER}):
        links.append(NavLink(reverse("web:participation"), _("Public participation")))
    if holds(request, {"operator"}):
        links.append(NavLink(reverse("web:hotline_report"), _("Hotline report")))
    if holds(request, {Role.OPERATOR, Role.SHIFT_LEADER}):
        links.append(NavLink(reverse("web:video:rounds"), _("Video patrol")))
    if Role.ADMIN in roles_of(request):
        links.append(NavLink(reverse("web:org_units"), _("Organisation")))
    if holds(request, OVERSIGHT):
        links.append(NavLink(reverse("web:dashboard"), _("Dashboard")))
        links.append(NavLink(reverse("web:analytics"), _("Analytics")))
        # The evaluation pages live under /evaluation/ (cityloop.web.evaluation).
        links.append(NavLink("/evaluation/", _("Evaluation")))
    return links
