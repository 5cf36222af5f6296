"""The officer's letters page: issue (and renew) a year's letters, and who has not signed (a list,
as CSV too)."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cityloop.core.permissions import restrict
from cityloop.frontage.letters import issue_letters, unsigned
from cityloop.frontage.models import Letter, LetterStatus

from ..access import current_user, roles_required
from ..org.common import page_of, query_without_page
from .common import ROLES, csv_response, errors_of, streets_run_by


def _year(request: HttpRequest) -> int:
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
    except ValueError:
        year = timezone.localdate().year
    return min(max(year, 2000), 2100)


@require_http_methods(["GET", "POST"])
@roles_required(*ROLES)
def letters(request: HttpRequest) -> HttpResponse:
    """The year's letters of the jurisdiction, with how many are signed; the issue form."""
    user = current_user(request)
    year = _year(request)
    streets = streets_run_by(user)
    errors: list[str] = []
    if request.method == "POST":
        street = streets.filter(code=request.POST.get("street", "")[:32]).first()
        try:
            if street is None:
                raise PermissionDenied(_("Choose one of your streets."))
            wanted = int(request.POST.get("year") or year)
            made = issue_letters(actor=user, street=street, year=wanted)
            messages.success(
                request, _("%(n)d letters issued for %(year)d.") % {"n": len(made), "year": wanted}
            )
            return redirect(f"{request.path}?year={wanted}&street={street.code}")
        except (ValidationError, ValueError) as exc:
            errors = errors_of(exc) if isinstance(exc, ValidationError) else [_("The year is a number.")]
        except PermissionDenied as exc:
            errors = [str(exc)]
    qs = restrict(Letter.objects.all(), user, "view").filter(year=year).select_related("party", "street")
    street_code = request.GET.get("street", "")[:32]
    if street_code:
        qs = qs.filter(street__code=street_code)
    status = request.GET.get("status", "")
    counts = {
        "all": qs.exclude(status=LetterStatus.VOID).count(),
        "signed": qs.filter(status=LetterStatus.SIGNED).count(),
    }
    counts["unsigned"] = counts["all"] - counts["signed"]
    if status in LetterStatus.values:
        qs = qs.filter(status=status)
    context = {
        "page": page_of(request, qs.order_by("status", "party__name", "pk")),
        "query": query_without_page(request),
        "year": year,
        "years": range(timezone.localdate().year + 1, timezone.localdate().year - 4, -1),
        "streets": streets,
        "street": street_code,
        "status": status,
        "counts": counts,
        "errors": errors,
    }
    return render(request, "web/frontage/letters.html", context)


@roles_required(*ROLES)
def unsigned_csv(request: HttpRequest) -> HttpResponse:
    """Who has not signed this year's letter, as CSV for the officer's calls."""
    user = current_user(request)
    qs = unsigned(restrict(Letter.objects.all(), user, "view"), _year(request)).select_related(
        "party", "street"
    )
    if street := request.GET.get("street", "")[:32]:
        qs = qs.filter(street__code=street)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["年度", "街道", "统一社会信用代码", "责任主体", "地址", "发放时间"])
    for x in qs.order_by("street_id", "party__name")[:50_000]:
        issued = timezone.localtime(x.issued_at).strftime("%Y-%m-%d %H:%M")
        writer.writerow([x.year, x.street.name, x.party.uscc, x.party.name, x.party.address, issued])
    return csv_response(out.getvalue(), f"unsigned-{_year(request)}.csv")


@roles_required(*ROLES)
def letter_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """A signed letter's PDF, for staff who may see it."""
    from cityloop.core.files import file_response

    letter = restrict(Letter.objects.all(), current_user(request), "view").filter(pk=pk).first()
    if letter is None or not letter.pdf:
        raise Http404("no signed letter here")
    return file_response(letter.pdf, "application/pdf")  # type: ignore[return-value]
