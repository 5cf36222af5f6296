"""The audit log for administrators: who did what to which object, when, and the values before and
after.

Which entries an administrator sees: a superuser, the system, and a city administrator (of a unit
at the top of the tree) see every entry. Any other administrator sees the entries written by someone
who holds (or held) a role in their area, and the entries about a unit, a user or a role of their
area, whoever wrote them (a city administrator's change to the district's people shows there).
Nothing else: an entry about another district's case written by the city centre stays hidden, as
the safe side of "where derivable"."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cityloop.core.areas import admin_paths, area_q, area_units, is_city_admin
from cityloop.core.audit_actions import AuditAction
from cityloop.core.models import AuditEntry, Membership, User

from .. import labels
from .common import actor, admin_required, page_of, query_without_page
from .forms import AuditFilter


def visible_entries(user: User) -> QuerySet[AuditEntry]:
    """The audit entries ``user`` may read (see the module's docstring)."""
    if is_city_admin(user):
        return AuditEntry.objects.all()
    paths = admin_paths(user) or []
    held = Membership.objects.filter(area_q(paths, "unit__path"))
    as_text: CharField[str, str] = CharField(max_length=64)
    units = area_units(user).annotate(ref=Cast("pk", as_text)).values("ref")
    people = held.annotate(ref=Cast("user_id", as_text)).values("ref")
    roles = held.annotate(ref=Cast("pk", as_text)).values("ref")
    return AuditEntry.objects.filter(
        Q(actor_id__in=held.values("user_id"))
        | Q(object_type="core.unit", object_id__in=units)
        | Q(object_type="core.user", object_id__in=people)
        | Q(object_type="core.membership", object_id__in=roles)
    )


def model_of(object_type: str) -> type[models.Model] | None:
    """The model an entry's ``object_type`` (``core.unit``) names, if it is one."""
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def type_label(object_type: str) -> str:
    """The object type as people call it (单位), or as it is written when it is no model."""
    model = model_of(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


# What the organisation's actions record besides the fields of their object.
EXTRA_LABELS: dict[str, Any] = {
    "units_moved": _("units moved"),
    "units": _("units"),
    "memberships_ended": _("roles ended"),
    "tokens_revoked": _("API tokens revoked"),
    "sessions_ended": _("sessions ended"),
    "accounts": _("accounts"),
    "file": _("file"),
    # The case's counters and workflow fields, which its model leaves unnamed.
    "version": _("version"),
    "current_step": _("current step"),
    "duplicate_of": _("duplicate of"),
    "extensions_count": _("extensions"),
    "holds_count": _("holds"),
    "returns_count": _("returns"),
    "reworks_count": _("reworks"),
    "urges_count": _("urges"),
    "needs_return_visit": _("needs a return visit"),
    "return_visit_waiver": _("return visit waiver"),
    "satisfaction": _("satisfaction"),
}
# Values recorded as codes, by the field that holds them.
CODED_VALUES: dict[str, Any] = {
    "current_step": labels.step_label,
    "urgency": lambda code: str(labels.URGENCY.get(code, code)),
    "satisfaction": labels.satisfaction_label,
    "return_visit_waiver": labels.waiver_label,
}


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name[:-3] if name.endswith("_id") else name)
    except FieldDoesNotExist:
        return None


def field_value(model: type[models.Model] | None, name: str, value: Any) -> str:
    """A recorded value as people read it: a choice by its label (社区, not community)."""
    found = _field(model, name)
    choices = dict(getattr(found, "flatchoices", None) or [])
    if isinstance(value, str) and value in choices:
        return str(choices[value])
    if isinstance(value, bool):
        return str(_("yes") if value else _("no"))
    if isinstance(value, str) and name in CODED_VALUES:
        return str(CODED_VALUES[name](value))
    if isinstance(value, str) and isinstance(found, models.DateTimeField):
        # Stored as ISO 8601 in UTC: shown as the console shows every time (Asia/Shanghai).
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
        if timezone.is_aware(moment):
            return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")
    return _shown(value)


def field_label(model: type[models.Model] | None, name: str) -> tuple[str, bool]:
    """A field's name as people call it, and whether it is one (else it is shown as written)."""
    attname = name[:-3] if name.endswith("_id") else name
    for key in (name, attname):
        if key in EXTRA_LABELS:
            return str(EXTRA_LABELS[key]), True
    if model is None:
        return name, False
    try:
        found: Any = model._meta.get_field(attname)
    except FieldDoesNotExist:
        return name, False
    verbose = getattr(found, "verbose_name", None)
    return (str(verbose), True) if verbose else (name, False)


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@admin_required
def audit_list(request: HttpRequest) -> HttpResponse:
    """The entries, newest first, filtered by actor, object, action and dates."""
    form = AuditFilter(request.GET or None)
    qs = visible_entries(actor(request))
    if form.is_valid():
        data = form.cleaned_data
        if data["actor"]:
            qs = qs.filter(actor_label=data["actor"].strip())
        if data["object_type"]:
            qs = qs.filter(object_type=data["object_type"].strip())
        if data["object_id"]:
            qs = qs.filter(object_id=data["object_id"].strip())
        if data["action"]:
            qs = qs.filter(action=data["action"])
        if data["since"]:
            qs = qs.filter(at__gte=_day_start(data["since"]))
        if data["until"]:
            qs = qs.filter(at__lt=_day_start(data["until"] + dt.timedelta(days=1)))
    page = page_of(request, qs.order_by("-id"))
    for entry in page:
        entry.type_label = type_label(entry.object_type)
    context = {"form": form, "page": page, "query": query_without_page(request), "tab": "audit"}
    return render(request, "web/org/audit.html", context)


def _shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def diff_rows(before: Any, after: Any, model: type[models.Model] | None = None) -> list[tuple[Any, ...]]:
    """(field, named, before, after, changed) for every field of either side, changed ones first;
    fields of ``model`` by their names for people (``named``), others as written."""
    before = before if isinstance(before, dict) else ({"value": before} if before is not None else {})
    after = after if isinstance(after, dict) else ({"value": after} if after is not None else {})
    rows = []
    for name in sorted(set(before) | set(after)):
        b, a = before.get(name), after.get(name)
        changed = name not in before or name not in after or b != a
        shown_b = field_value(model, name, b) if name in before else "—"
        shown_a = field_value(model, name, a) if name in after else "—"
        rows.append((*field_label(model, name), shown_b, shown_a, changed))
    rows.sort(key=lambda r: not r[4])
    return rows


@admin_required
def audit_entry(request: HttpRequest, pk: int) -> HttpResponse:
    """One entry with its before and after values side by side."""
    entry = visible_entries(actor(request)).filter(pk=pk).first()
    if entry is None:
        raise Http404("no such entry in your area")
    try:
        label = str(AuditAction(entry.action).label)
    except ValueError:
        label = entry.action
    model = model_of(entry.object_type)
    context = {
        "entry": entry,
        "label": label,
        "type_label": type_label(entry.object_type),
        "rows": diff_rows(entry.before, entry.after, model),
        "tab": "audit",
    }
    return render(request, "web/org/audit_entry.html", context)
