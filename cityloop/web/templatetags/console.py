"""Template filters and tags of the console: labels in the request's language, lights, durations,
and the navigation for the signed-in user's roles."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.translation import gettext as _

from cityloop.web import labels
from cityloop.web.navigation import nav_links

register = template.Library()

register.filter("state_label", labels.state_label)
register.filter("transition_label", labels.transition_label)
register.filter("named", labels.named)
register.filter("light_label", labels.light_label)
register.filter("routing_flag_label", labels.routing_flag_label)
register.filter("step_label", labels.step_label)
register.filter("time_unit_label", labels.time_unit_label)
register.filter("role_label", labels.role_label)
register.filter("satisfaction_label", labels.satisfaction_label)
register.filter("waiver_label", labels.waiver_label)


@register.filter
def duration(seconds: float | dt.timedelta | None) -> str:
    """A span of time as people say it: 45 min, 3 h 10 min, 2 d 5 h."""
    if seconds is None:
        return ""
    total = int(seconds.total_seconds() if isinstance(seconds, dt.timedelta) else seconds)
    if total < 60:
        return _("%(n)d s") % {"n": max(total, 0)}
    minutes = total // 60
    if minutes < 60:
        return _("%(n)d min") % {"n": minutes}
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return _("%(h)d h %(m)d min") % {"h": hours, "m": minutes}
    days, hours = divmod(hours, 24)
    return _("%(d)d d %(h)d h") % {"d": days, "h": hours}


@register.filter
def amount(value: float | None, unit: str = "") -> str:
    """A limit or elapsed amount in its unit: "1.5 working hours"."""
    if value is None:
        return ""
    number = f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{number} {labels.time_unit_label(unit)}".strip()


@register.inclusion_tag("web/_nav.html", takes_context=True)
def console_nav(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    if request is None:
        return {"links": []}
    links = nav_links(request)
    # The link whose address is the longest prefix of this page's is the current one (/m/report/
    # belongs to "Report", not to "My tasks" at /m/).
    matching = [link for link in links if link.active(request.path)]
    current = max(matching, key=lambda link: len(link.url)).url if matching else None
    return {"links": [(link.url, link.label, link.url == current) for link in links]}


@register.filter
def described(field: Any) -> str:
    """The field's widget, pointing screen readers at its error message when it has one."""
    attrs = {"aria-describedby": f"{field.auto_id}-err", "aria-invalid": "true"} if field.errors else {}
    return field.as_widget(attrs=attrs)


@register.simple_tag
def map_layers() -> str:
    """The configured base layers and overlays as a JSON data block (not executable, so the CSP allows
    it) that the maps read; an empty list draws the city's own layers only (the default: many
    government networks reach no tile server)."""
    from django.utils.html import json_script

    from cityloop.web.tiles import browser_layers

    return json_script(browser_layers(), "map-layers")


@register.simple_tag
def map_words() -> str:
    """The maps' own control labels in the page's language, as a JSON data block like the layers."""
    from django.utils.html import json_script
    from django.utils.translation import gettext

    words = {
        "zoomIn": gettext("Zoom in"),
        "zoomOut": gettext("Zoom out"),
        "marker": gettext("The place reported (drag to move it)"),
    }
    return json_script(words, "map-i18n")


@register.filter
def split_words(value: str) -> list[str]:
    return value.split()


@register.filter
def field(form: Any, name: str) -> Any:
    """``form|field:"name"``: the bound field of that name."""
    return form[name]


@register.filter
def flip(current: str, column: str) -> str:
    """The sort key a column header links to: ascending first, then descending."""
    return f"-{column}" if current == column else column


@register.filter
def arrow(current: str, column: str) -> str:
    if current == column:
        return " ▲"
    if current == f"-{column}":
        return " ▼"
    return ""
