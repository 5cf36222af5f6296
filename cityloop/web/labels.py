"""Names shown to people, in the language of the request.

The workflow table and the reference data (units, channels, categories) carry a Chinese name and an
English one side by side; Django's translation catalogue covers the rest (roles, lights, steps).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cityloop.cases.workflow import STATES, TRANSITIONS
from cityloop.core.models import Role

LIGHTS: dict[str, Any] = {"green": _("On time"), "yellow": _("Due soon"), "red": _("Overdue")}

STEPS: dict[str, Any] = {
    "accept": _("Accept"),
    "verify": _("Verify"),
    "register": _("Register"),
    "dispatch": _("Dispatch"),
    "dispose": _("Dispose"),
    "send_check": _("Send for check"),
    "check": _("Check"),
    "close": _("Close"),
}

TIME_UNITS: dict[str, Any] = {
    "minute": _("minutes"),
    "working_hour": _("working hours"),
    "hour": _("clock hours"),
    "working_day": _("working days"),
    "calendar_day": _("calendar days"),
}

SATISFACTION: dict[str, Any] = {
    "satisfied": _("Satisfied"),
    "basically_satisfied": _("Basically satisfied"),
    "unsatisfied": _("Unsatisfied"),
}

URGENCY: dict[str, Any] = {"urgent": _("Urgent"), "normal": _("Normal")}


def chinese() -> bool:
    """Whether the request is served in Chinese (the default)."""
    return (get_language() or "zh-hans").lower().startswith("zh")


def state_label(state: str) -> str:
    spec = STATES.get(state)
    if spec is None:
        return state
    return spec.label if chinese() else spec.label_en


def transition_label(name: str) -> str:
    t = TRANSITIONS.get(name)
    if t is None:
        return name
    return t.label if chinese() else t.label_en


def named(obj: Any) -> str:
    """A unit, channel, category or urgency by its name in the request's language."""
    if obj is None:
        return ""
    name = str(getattr(obj, "name", obj))
    english = getattr(obj, "name_en", "")
    return name if chinese() or not english else str(english)


def role_label(role: str) -> str:
    try:
        return str(Role(role).label)
    except ValueError:
        return role


def light_label(light: str) -> str:
    return str(LIGHTS.get(light, ""))


def step_label(step: str) -> str:
    return str(STEPS.get(step, step))


def time_unit_label(unit: str) -> str:
    return str(TIME_UNITS.get(unit, unit))


def satisfaction_label(value: str) -> str:
    return str(SATISFACTION.get(value, value))


WAIVERS: dict[str, Any] = {"requested": _("requested"), "approved": _("approved")}


def waiver_label(value: str) -> str:
    return str(WAIVERS.get(value, value))


# Routing's flags on a decision (``cityloop.routing.decide``), as the case page's chips say them.
ROUTING_FLAGS: dict[str, Any] = {
    "unowned": _("unowned component"),
    "returned": _("returned before"),
    "ambiguous": _("several units fit"),
    "territorial_fallback": _("territorial fallback"),
    "claimed": _("claimed by a zone or station"),
    "emergency": _("emergency"),
    "no_emergency_unit": _("no unit to tell of the emergency"),
}


def routing_flag_label(flag: str) -> str:
    return str(ROUTING_FLAGS.get(flag, flag))
