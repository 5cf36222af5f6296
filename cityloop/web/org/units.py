"""The units of an administrator's area: find them, add one, rename, move and deactivate it."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from cityloop.core.actions import create_unit, deactivate_unit, move_unit, update_unit
from cityloop.core.areas import area_units, manages_unit
from cityloop.core.models import Membership, Unit

from .common import actor, admin_required, page_of, query_without_page, run
from .forms import EndForm, MoveForm, UnitEditForm, UnitFilter, UnitForm


@admin_required
def unit_list(request: HttpRequest) -> HttpResponse:
    """The units of the area, in tree order, filtered by name or code and kind."""
    form = UnitFilter(request.GET or None)
    qs = area_units(actor(request)).select_related("parent")
    today = timezone.localdate()
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            qs = qs.filter(Q(name__contains=data["q"]) | Q(code__startswith=data["q"]))
        if data["kind"]:
            qs = qs.filter(kind=data["kind"])
        if not data["inactive"]:
            qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
    else:
        qs = qs.filter(Q(valid_to__isnull=True) | Q(valid_to__gt=today))
    page = page_of(request, qs.order_by("path"))
    context = {"form": form, "page": page, "query": query_without_page(request), "tab": "units"}
    return render(request, "web/org/units.html", context)


def area_unit(request: HttpRequest, pk: int) -> Unit:
    unit = area_units(actor(request)).select_related("parent").filter(pk=pk).first()
    if unit is None:
        raise Http404("no such unit in your area")
    return unit


@admin_required
def unit_new(request: HttpRequest) -> HttpResponse:
    """Add a unit under a unit of the area (the parent's code is filled in from its page)."""
    initial = {}
    parent = area_units(actor(request)).filter(pk=request.GET.get("parent") or 0).first()
    if parent is not None:
        initial["parent"] = parent.code
    form = UnitForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        unit = run(
            form,
            lambda: create_unit(
                actor=actor(request),
                code=data["code"].strip(),
                name=data["name"].strip(),
                kind=data["kind"],
                parent=data["parent"],
            ),
        )
        if unit is not None:
            messages.success(request, _("%(unit)s added.") % {"unit": unit.name})
            return redirect("web:org_unit", pk=unit.pk)
    return render(request, "web/org/unit_new.html", {"form": form, "tab": "units"})


@admin_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One unit: its place in the tree, its people; rename, move or deactivate it."""
    unit = area_unit(request, pk)
    me = actor(request)
    what = request.POST.get("do", "")
    edit = UnitEditForm(
        request.POST if what == "edit" else None,
        initial={"code": unit.code, "name": unit.name, "name_en": unit.name_en},
    )
    move = MoveForm(request.POST if what == "move" else None)
    end = EndForm(request.POST if what == "deactivate" else None)
    done = None
    if what == "edit" and edit.is_valid():
        done = run(edit, lambda: update_unit(actor=me, unit=unit, **edit.cleaned_data))
    elif what == "move" and move.is_valid():
        done = run(move, lambda: move_unit(actor=me, unit=unit, parent=move.cleaned_data["parent"]))
    elif what == "deactivate" and end.is_valid():
        done = run(end, lambda: deactivate_unit(actor=me, unit=unit, on=end.cleaned_data["on"]))
    if done is not None:
        messages.success(request, _("Saved."))
        return redirect("web:org_unit", pk=unit.pk)
    held = (
        Membership.objects.active()
        .filter(unit=unit)
        .select_related("user")
        .order_by("role", "user__username")
    )
    context = {
        "unit": unit,
        # Units above the area are named but not linked: their pages are not this administrator's.
        "ancestors": [(a, manages_unit(me, a)) for a in unit.ancestors().exclude(pk=unit.pk)],
        "children": list(unit.children.order_by("code")[:200]),
        "members": list(held[:200]),
        "edit": edit,
        "move": move,
        "end": end,
        "active": unit.is_active(),
        "tab": "units",
    }
    status = 400 if what and done is None else 200
    return render(request, "web/org/unit.html", context, status=status)
