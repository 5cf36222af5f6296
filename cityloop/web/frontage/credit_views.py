"""The street frontage officer's credit page (scores of a month, ranked, with the lists and lifting)
and the district's overview (streets ranked, where and when problems recur, the lists, the groups)."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Avg, Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cityloop.core.models import Unit, UnitKind
from cityloop.core.permissions import can, restrict
from cityloop.frontage import analysis
from cityloop.frontage.credit import DEFAULT_CONFIG, add_months, month_start, scheme_for
from cityloop.frontage.credit_actions import lift_listing
from cityloop.frontage.groups import members
from cityloop.frontage.models import CreditListing, CreditScore, SelfCorrection, SelfDisciplineGroup

from ..access import current_user, roles_required
from ..org.common import page_of, query_without_page
from .views import ROLES

HEAT_LEVELS = 5


def scheme_names(month: dt.date) -> list[dict[str, str]]:
    """The items of the scheme in force that month (their Chinese names), for the table."""
    try:
        return list(scheme_for(month).config.get("items") or [])
    except ValidationError:
        return list(DEFAULT_CONFIG["items"])


def _month(request: HttpRequest) -> dt.date:
    text = request.GET.get("month", "")[:7]
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except ValueError:
        return add_months(month_start(timezone.localdate()), -1)


@require_GET
@roles_required(*ROLES)
def credit(request: HttpRequest) -> HttpResponse:
    """A month's scores in the jurisdiction, lowest first (who needs attention), with the lists."""
    month = _month(request)
    qs = restrict(CreditScore.objects.all(), request.user, "view").filter(month=month)
    streets = Unit.objects.filter(kind=UnitKind.STREET, pk__in=qs.values("street_id")).order_by("code")
    street = request.GET.get("street", "")[:32]
    if street:
        qs = qs.filter(street__code=street)
    order = ("-score", "party_id") if request.GET.get("order") == "desc" else ("score", "party_id")
    page = page_of(request, qs.select_related("party", "street").order_by(*order))
    listed = {
        (r.party_id, r.kind)
        for r in CreditListing.objects.filter(party_id__in=[s.party_id for s in page], until__isnull=True)
    }
    listings = restrict(CreditListing.objects.all(), request.user, "view").filter(until__isnull=True)
    if street:
        listings = listings.filter(street__code=street)
    listings = listings.select_related("party", "street").order_by("kind", "-since")[:200]
    names = {i["code"]: i["name"] for i in scheme_names(month)}
    rows = [(s, [(names.get(k, k), v[0], v[1]) for k, v in s.parts.items()]) for s in page]
    context = {
        "rows": rows,
        "month": month,
        "months": [add_months(month_start(timezone.localdate()), -k) for k in range(1, 13)],
        "page": page,
        "query": query_without_page(request),
        "streets": streets,
        "street": street,
        "listed": listed,
        "listings": [(row, can(request.user, "manage", row)) for row in listings],
        "stats": qs.aggregate(avg=Avg("score"), n=Count("id")),
    }
    return render(request, "web/frontage/credit.html", context)


@require_POST
@roles_required(*ROLES)
def lift(request: HttpRequest, pk: int) -> HttpResponse:
    """The officer lifts a listing, with the reason."""
    row = restrict(CreditListing.objects.all(), request.user, "view").filter(pk=pk).first()
    if row is None:
        raise Http404("no such listing")
    if not can(request.user, "manage", row):
        raise PermissionDenied("only the street's unit manager or an administrator lifts a listing")
    try:
        lift_listing(actor=current_user(request), listing=row, reason=request.POST.get("reason", ""))
        messages.success(request, _("Lifted off the list."))
    except ValidationError as exc:
        for problems in exc.message_dict.values():
            for problem in problems:
                messages.error(request, problem)
    return redirect("web:frontage:credit")


def _heat(grid: list[list[int]]) -> list[list[tuple[int, int]]]:
    top = max((n for row in grid for n in row), default=0)
    return [[(n, 0 if not n else 1 + (HEAT_LEVELS - 1) * n // top) for n in row] for row in grid]


@require_GET
@roles_required(*ROLES)
def overview(request: HttpRequest) -> HttpResponse:
    """The district's view: streets ranked by self-correction and credit, when problems recur (hour
    of the week), the parties where they recur most, the red and black lists and the groups."""
    until = timezone.localdate()
    since = until - dt.timedelta(days=90)
    qs = analysis.in_period(restrict(SelfCorrection.objects.all(), request.user, "view"), since, until)
    month = add_months(month_start(until), -1)
    credit_by_street = {
        r["street_id"]: r
        for r in restrict(CreditScore.objects.all(), request.user, "view")
        .filter(month=month)
        .values("street_id")
        .annotate(avg=Avg("score"), n=Count("id"))
    }
    lists = restrict(CreditListing.objects.all(), request.user, "view").filter(until__isnull=True)
    listed_by_street = {
        r["street_id"]: r
        for r in lists.values("street_id").annotate(
            red=Count("id", filter=Q(kind="red")), black=Count("id", filter=Q(kind="black"))
        )
    }
    streets = analysis.by_street(qs)
    codes = dict(Unit.objects.filter(code__in=[s["street"] for s in streets]).values_list("code", "pk"))
    for row in streets:
        pk = codes.get(row["street"])
        row["credit"] = (credit_by_street.get(pk) or {}).get("avg")
        row["red"] = (listed_by_street.get(pk) or {}).get("red", 0)
        row["black"] = (listed_by_street.get(pk) or {}).get("black", 0)
    streets.sort(key=lambda r: (-(r["self_correction_rate"] or 0), -r["cases"]))
    groups = restrict(SelfDisciplineGroup.objects.all(), request.user, "view").select_related(
        "street", "leader"
    )
    context = {
        "since": since,
        "until": until,
        "month": month,
        "totals": analysis.summary(qs),
        "heat": _heat(analysis.hour_of_week(qs)),
        "hours": range(24),
        "streets": streets,
        "parties": analysis.by_party(qs, limit=10),
        "black": lists.filter(kind="black").select_related("party", "street").order_by("-since")[:50],
        "red": lists.filter(kind="red").select_related("party", "street").order_by("-since")[:50],
        "groups": [(g, members(g)) for g in groups.order_by("street_id", "name")[:50]],
    }
    return render(request, "web/frontage/overview.html", context)
