"""Who may open which console page, and the cases a user may see.

Pages are grouped by the work they serve (command centre, units, supervisors, leaders). A page
checks the user's roles; the rows on it always come through ``restrict`` so a street never sees
another street's cases, whatever page it opens.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from cityloop.cases.models import Case
from cityloop.cases.workflow import TRANSITIONS
from cityloop.core.memberships import active_memberships
from cityloop.core.models import Role, User
from cityloop.core.permissions import visible_to_request
from cityloop.routing.models import Level

F = TypeVar("F", bound=Callable[..., HttpResponse])

COMMAND = frozenset({Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER})
UNIT_STAFF = frozenset({Role.HANDLER, Role.UNIT_MANAGER})
FIELD = frozenset({Role.SUPERVISOR, Role.COMMUNITY_HEAD})
LEADERS = frozenset({Role.LEADER})
# Pages for overseeing the whole area: the dashboard, the evaluation link.
OVERSIGHT = LEADERS | COMMAND
# Where each role's home page leads, first match wins (a user may hold several roles).
HOME_ORDER: list[tuple[str, str]] = [
    (Role.SHIFT_LEADER, "web:queue"),
    (Role.DISPATCHER, "web:queue"),
    (Role.OPERATOR, "web:queue"),
    (Role.LEADER, "web:dashboard"),
    (Role.UNIT_MANAGER, "web:unit_tasks"),
    # A handler goes out to fix things: their home is the phone list (it reads well on a desk too).
    (Role.HANDLER, "web:mobile_home"),
    (Role.SUPERVISOR, "web:mobile_home"),
    (Role.COMMUNITY_HEAD, "web:mobile_home"),
]
# Transitions that are not a step of anyone's queue: they can be taken on nearly any case (voiding
# and re-classifying are corrections, not the shift leader's or operator's next step).
AMBIENT = {"comment", "urge", "void", "change_category", "refer_to_city", "refer_to_district"}
# Requests that step aside from the loop (return, extension, hold, no return visit): offered after
# the step itself, so a handler's first action is 处置完毕, not 申请回退.
SIDE_REQUESTS = {"request_return", "request_extension", "request_hold", "request_no_return_visit"}
# Who works cases on a phone: supervisors and community heads on site, department and company
# handlers (and their managers) who go out to fix what was dispatched to them.
PHONE = FIELD | UNIT_STAFF


def roles_of(request: HttpRequest) -> set[str]:
    """The roles the signed-in user holds today (read once per request)."""
    cached = getattr(request, "_cityloop_roles", None)
    if cached is not None:
        return set(cached)
    user = request.user
    roles: set[str] = set()
    if isinstance(user, User) and user.is_authenticated:
        # The memberships are kept on the user for the request (the queue's level reads them too).
        roles = {m.role for m in active_memberships(user)}
        if user.is_superuser:
            roles.add(Role.ADMIN)
    request._cityloop_roles = frozenset(roles)  # type: ignore[attr-defined]
    return roles


def holds(request: HttpRequest, roles: Iterable[str]) -> bool:
    """Whether the user holds one of ``roles``; administrators hold every role."""
    mine = roles_of(request)
    return Role.ADMIN in mine or bool(mine & set(roles))


def roles_required(*roles: str) -> Callable[[F], F]:
    """Sign-in required, and one of ``roles`` (or administrator); 403 otherwise."""
    wanted = frozenset(roles)

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not holds(request, wanted):
                raise PermissionDenied("this page is for other roles")
            return view(request, *args, **kwargs)

        return login_required(wrapper)  # type: ignore[return-value]

    return decorate


def current_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        raise PermissionDenied("sign in first")
    return user


def visible_cases(request: HttpRequest) -> QuerySet[Case]:
    """Every case the user may see: the one door to the case table for the console."""
    return visible_to_request(request, Case)


def visible_case(request: HttpRequest, case_id: int, *related: str) -> Case:
    """One case the user may see, or 404 (never 403: a case outside the area does not exist here)."""
    case = visible_cases(request).select_related(*related).filter(pk=case_id).first()
    if case is None:
        raise Http404("no such case in your area")
    return case


def command_level(request: HttpRequest, district_paths: Iterable[str]) -> str | None:
    """The level of the command centre the user works in (两级指挥): "city" when every command role
    they hold is on a unit above the districts (``district_paths``: those the user sees, which hold
    every unit of theirs that lies in a district), "district" when every one is inside a district,
    None when they hold none (or both)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return None
    paths = tuple(district_paths)
    levels = {
        Level.DISTRICT if m.unit.path.startswith(paths) else Level.CITY
        for m in active_memberships(user)
        if m.role in COMMAND
    }
    return str(levels.pop()) if len(levels) == 1 else None


def work_states(roles: Iterable[str]) -> list[str]:
    """States in which someone holding ``roles`` has a step of the loop to take (their queue)."""
    wanted = set(roles)
    states: set[str] = set()
    for t in TRANSITIONS.values():
        if t.name in AMBIENT or t.name in ("report", "self_report"):
            continue
        if wanted & set(t.roles):
            states |= set(t.sources)
    return sorted(states)
