"""The command centre's case queue: filters, counts per state, sorting and paging.

The filter form is a plain GET form; with htmx only the results are swapped in, and the address bar
keeps the query so a filtered queue can be bookmarked or shared.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Case as When_
from django.db.models import Count, F, IntegerField, OrderBy, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from cityloop.cases import duplicates
from cityloop.cases.models import Case, Channel
from cityloop.cases.search import held_by_many, indexed, text_filter
from cityloop.cases.workflow import OPEN_STATES, STATES
from cityloop.core.models import Unit, UnitKind
from cityloop.core.permissions import restrict
from cityloop.routing.models import Level

from . import labels
from .access import (
    COMMAND,
    LEADERS,
    command_level,
    holds,
    roles_of,
    roles_required,
    visible_cases,
    work_states,
)

SORTS: dict[str, tuple[str | OrderBy, ...]] = {
    "urgency": ("light_rank", "deadline_at", "id"),
    "-reported_at": ("-reported_at", "-id"),
    "reported_at": ("reported_at", "id"),
    # Cases without a deadline last, on both engines (SQLite would put them first); SQLite then
    # walks the deadline index past them instead of through the million closed cases.
    "deadline_at": (F("deadline_at").asc(nulls_last=True), "id"),
    "-deadline_at": ("-deadline_at", "-id"),
    "number": ("number",),
    "-number": ("-number",),
    "state": ("state", "-reported_at"),
}
PAGE_SIZES = (25, 50, 100)
COUNT_CAP = 10_000
# A text search matching more cases than this is counted and paged with the filter itself.
TEXT_MATCH_CAP = 2_000
# A text held by more cases than this (all states) is searched by walking the listed cases instead.
COMMON_TEXT = 20_000
VIEWS = {"mine", "open", "all"}
LIST_RELATED = ("channel", "category", "district", "street", "community", "responsible_unit")


def light_rank() -> When_:
    """Red first, then yellow, green, and cases without a running clock."""
    return When_(
        When(light="red", then=Value(0)),
        When(light="yellow", then=Value(1)),
        When(light="green", then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )


def choices(form: forms.Form, name: str) -> forms.ChoiceField:
    """A choice field of ``form``, typed so its choices can be set."""
    found = form.fields[name]
    assert isinstance(found, forms.ChoiceField)
    return found


class QueueFilter(forms.Form):
    """The queue's filters; every field is optional."""

    view = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("mine", _("My work")), ("open", _("All open")), ("all", _("Everything"))],
    )
    q = forms.CharField(label=_("Text"), required=False, max_length=100)
    state = forms.MultipleChoiceField(label=_("State"), required=False, widget=forms.CheckboxSelectMultiple)
    category = forms.CharField(label=_("Category"), required=False, max_length=40)
    level = forms.ChoiceField(label=_("Command level"), required=False)
    district = forms.ChoiceField(label=_("District"), required=False)
    street = forms.ChoiceField(label=_("Street"), required=False)
    unit = forms.ChoiceField(label=_("Responsible unit"), required=False)
    source = forms.ChoiceField(label=_("Source"), required=False)
    light = forms.ChoiceField(label=_("Light"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    date_from = forms.DateField(
        label=_("Reported from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("Reported until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False)
    per = forms.TypedChoiceField(
        label=_("Per page"), required=False, coerce=int, choices=[(n, n) for n in PAGE_SIZES]
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user = request.user
        units = restrict(Unit.objects.all(), user, "view")
        choices(self, "state").choices = [(s, labels.state_label(s)) for s in STATES if s != "new"]
        choices(self, "level").choices = [("", _("Both levels")), *Level.choices]
        areas = list(units.filter(kind__in=[UnitKind.DISTRICT, UnitKind.STREET]).order_by("code"))
        districts = [u for u in areas if u.kind == UnitKind.DISTRICT]
        choices(self, "district").choices = [
            ("", _("All districts")),
            *((str(u.pk), labels.named(u)) for u in districts),
        ]
        # Only a user who sees more than one district chooses between them (the city centre).
        self.many_districts = len(districts) > 1
        choices(self, "street").choices = [("", _("All streets"))] + [
            (str(u.pk), labels.named(u)) for u in areas if u.kind == UnitKind.STREET
        ]
        assignable = units.exclude(kind__in=[UnitKind.CITY, UnitKind.DISTRICT]).order_by("kind", "code")
        choices(self, "unit").choices = [("", _("All units"))] + [
            (str(u.pk), labels.named(u)) for u in assignable
        ]
        choices(self, "source").choices = [("", _("All sources"))] + [
            (c.code, labels.named(c)) for c in Channel.objects.filter(active=True)
        ]
        choices(self, "light").choices = [("", _("All lights")), *list(labels.LIGHTS.items())]
        choices(self, "sort").choices = [
            ("urgency", _("Most urgent first")),
            ("-reported_at", _("Newest first")),
            ("reported_at", _("Oldest first")),
            ("deadline_at", _("Deadline, soonest first")),
            ("-deadline_at", _("Deadline, latest first")),
            ("number", _("Case number")),
            ("-number", _("Case number, descending")),
            ("state", _("State")),
        ]
        self.work_states = work_states(roles_of(request))
        # "My work" for a command centre is the work of its own level: the city centre's queue holds
        # the cases it commands, not every district's (which it oversees through the other views).
        self.work_level = command_level(request, (u.path for u in districts))


def view_of(data: dict[str, Any], work: list[str]) -> str:
    """The chosen view: "my work" by default for roles that have a step to take, else all open."""
    return str(data.get("view") or ("mine" if work else "open"))


def shown_states(data: dict[str, Any], work: list[str]) -> frozenset[str] | None:
    """The states the view (and the overdue filter) leave in the queue; None: every state.

    Kept as one set so that each query carries a single ``state IN (…)``: repeated state conditions
    make PostgreSQL multiply their selectivities and misjudge how many cases match."""
    view = view_of(data, work)
    shown: frozenset[str] | None = None
    if view == "mine" and work:
        shown = frozenset(work)
    elif view in ("mine", "open"):
        shown = OPEN_STATES
    if data.get("overdue"):
        shown = OPEN_STATES if shown is None else shown & OPEN_STATES
    return shown


def in_states(qs: QuerySet[Case], states: frozenset[str] | None) -> QuerySet[Case]:
    return qs if states is None else qs.filter(state__in=sorted(states))


def apply_filters(
    qs: QuerySet[Case],
    data: dict[str, Any],
    work: list[str],
    *,
    with_text: bool = True,
    text_probe: bool = False,
) -> QuerySet[Case]:
    """Every filter except the states (the view's, the overdue filter's and the chosen ones), which
    :func:`shown_states` gathers; the counts per state are taken over this. ``text_probe``: the
    text is common, check the cases the other filters pick against the text index."""
    text = (data.get("q") or "").strip()
    if text and with_text:
        qs = qs.filter(text_filter(text, probe=text_probe))
    category = (data.get("category") or "").strip()
    if category:
        qs = qs.filter(
            Q(category__code__startswith=category)
            if category.isdigit()
            else Q(category__name__contains=category)
        )
    if data.get("level"):
        qs = qs.filter(command_level=data["level"])
    if data.get("district"):
        qs = qs.filter(district_id=int(data["district"]))
    if data.get("street"):
        qs = qs.filter(street_id=int(data["street"]))
    if data.get("unit"):
        qs = qs.filter(responsible_unit_id=int(data["unit"]))
    if data.get("source"):
        qs = qs.filter(channel__code=data["source"])
    if data.get("light"):
        qs = qs.filter(light=data["light"])
    if data.get("overdue"):
        qs = qs.filter(light="red")  # and an open state: see shown_states
    if data.get("date_from"):
        qs = qs.filter(reported_at__date__gte=data["date_from"])
    if data.get("date_to"):
        qs = qs.filter(reported_at__date__lte=data["date_to"])
    return qs


def state_counts(qs: QuerySet[Case], shown: frozenset[str] | None = None) -> list[tuple[str, str, int]]:
    """(state, label, count) for each open state (of those ``shown``) with cases, in the workflow's
    order: one grouped query over ``qs``, which holds no state condition of its own.

    Only the open states are counted: they are the work, and counting them touches the backlog only,
    never the million closed cases behind it."""
    counted = OPEN_STATES if shown is None else shown & OPEN_STATES
    # COUNT(*), not COUNT(id): PostgreSQL can then count from the index alone.
    found = dict(in_states(qs, counted).order_by().values_list("state").annotate(n=Count("*")))
    return _in_order(found)


def _in_order(found: dict[str, int]) -> list[tuple[str, str, int]]:
    return [(s, labels.state_label(s), found[s]) for s in STATES if found.get(s)]


def text_matches(candidates: QuerySet[Case], text: str) -> list[tuple[int, str]] | None:
    """The (id, state) of the ``candidates`` matching a text search, or None past ``TEXT_MATCH_CAP``.

    The counts and the page are then taken from these ids instead of reading the rows twice more.
    Most queries are answered from the text index (:mod:`cityloop.cases.search`), which names the
    few cases holding the query's terms. A query the index cannot narrow (one Chinese character)
    reads each candidate row: in table order (PostgreSQL's bitmap scan does so by itself; SQLite is
    handed the candidates' ids in a subquery answered from an index, since with a plain filter it
    would read the whole table, not knowing how few cases are open)."""
    if held_by_many(text, COMMON_TEXT):
        return None  # a common text: reading its cases one by one would take longer than the cap
    if indexed(text):
        rows = candidates.filter(text_filter(text)).order_by("pk")
    elif connection.vendor == "sqlite":
        rows = Case.objects.filter(pk__in=candidates.values("pk")).filter(text_filter(text)).order_by("pk")
    else:
        rows = candidates.filter(text_filter(text)).order_by("state", "pk")
    found = list(rows.values_list("pk", "state")[: TEXT_MATCH_CAP + 1])
    return found if len(found) <= TEXT_MATCH_CAP else None


class CappedPaginator(Paginator):
    """Counts at most ``COUNT_CAP`` rows (``SELECT COUNT(*)`` over a ``LIMIT``): past that the exact
    number costs a scan of the whole table and nobody pages that far; the page says "10000+".
    A count already known (from the counts per state) is taken as it is."""

    def __init__(self, object_list: Any, per_page: int, known: int | None = None) -> None:
        super().__init__(object_list, per_page)
        if known is not None:
            self.__dict__["count"] = known

    @cached_property
    def count(self) -> int:
        # Without the ordering: counting needs no sort, and the scan stops at the cap.
        rows: Any = self.object_list
        return int(rows.order_by()[: COUNT_CAP + 1].count())

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP


def page_rows(ids: list[int]) -> list[Case]:
    """The page's cases with what the list shows, in the page's order (one lean sorted query picks
    the ids; the joins then touch only these rows)."""
    found = Case.objects.select_related(*LIST_RELATED).in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]


def paged(
    request: HttpRequest,
    qs: QuerySet[Case],
    order: tuple[str | OrderBy, ...],
    size: int,
    known: int | None = None,
) -> tuple[Any, list[Case]]:
    """The requested page of ``qs`` in ``order`` (a capped count), and its cases ready to show."""
    paginator = CappedPaginator(qs.order_by(*order).values_list("pk", flat=True), size, known)
    page = paginator.get_page(request.GET.get("page"))
    return page, page_rows(list(page.object_list))


def queue_context(request: HttpRequest) -> dict[str, Any]:
    form = QueueFilter(request, request.GET or None)
    data: dict[str, Any] = {}
    if form.is_bound:
        form.is_valid()  # fields that passed still filter; the others show their error next to them
        data = form.cleaned_data
    work = form.work_states
    view = view_of(data, work)
    visible = visible_cases(request)
    if view == "mine" and work and form.work_level:
        visible = visible.filter(command_level=form.work_level)
    shown = shown_states(data, work)
    states = data.get("state") or []
    # The states the page lists: the view's, narrowed to the chosen ones.
    listed = shown
    if states:
        listed = frozenset(states) if shown is None else frozenset(states) & shown
    text = (data.get("q") or "").strip()
    matches = None
    if text:
        candidates = apply_filters(visible, data, work, with_text=False)
        matches = text_matches(in_states(candidates, shown), text)
    # More matches than the cap: a common text (井盖). The counts per state (open cases only) and a
    # list of open cases walk the backlog and check each case against the text index.
    common = matches is None and bool(text) and indexed(text)
    base = apply_filters(visible, data, work, text_probe=common)
    backlog_only = listed is not None and listed <= OPEN_STATES
    qs = in_states(base if backlog_only else apply_filters(visible, data, work), listed)
    sort = data.get("sort") or "urgency"
    if sort in ("-reported_at", "reported_at"):
        # Always true, but it lets SQLite walk the reported_at index in order and stop after the
        # page, instead of reading every case in the listed states and sorting them.
        qs = qs.filter(reported_at__lte=timezone.now() + dt.timedelta(days=1))
    if sort == "urgency":
        qs = qs.annotate(light_rank=light_rank())
    page_size = data.get("per") or PAGE_SIZES[0]
    known = None
    if matches is not None:
        # One reading of the matching rows gives the counts and the total; the page sorts only them.
        counts = _in_order(Counter(state for _pk, state in matches if state in OPEN_STATES))
        chosen = [pk for pk, state in matches if listed is None or state in listed]
        qs, known = qs.filter(pk__in=chosen), len(chosen)
    else:
        counts = state_counts(base, shown)
        # When only open states are listed, the counts per state already hold the total: no second
        # reading to count.
        if listed is not None and listed <= OPEN_STATES:
            known = sum(n for state, _label, n in counts if state in listed)
    page, rows = paged(request, qs, SORTS[sort], page_size, known)
    return {
        "form": form,
        "page": page,
        "rows": rows,
        # Flagged for the operator: merge them (合并) before registering.
        "duplicated": duplicates.flagged(rows, visible_cases(request)),
        "cap": COUNT_CAP,
        "counts": counts,
        "selected_states": states,
        "sort": sort,
        "view": view,
        "can_report_hotline": holds(request, {"operator"}),
    }


@roles_required(*(COMMAND | LEADERS))
def queue(request: HttpRequest) -> HttpResponse:
    context = queue_context(request)
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "queue-results":
        return render(request, "web/queue/_results.html", context)
    return render(request, "web/queue/page.html", context)
