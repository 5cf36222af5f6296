"""The officer's letter template page (责任书模板): the text a street's letters are issued from, edited
with a preview filled in for one of the street's parties, or dropped to use the city's default."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from cityloop.frontage.letter_templates import (
    check_template,
    preview,
    reset_template,
    save_template,
    source_of,
    template_for,
)

from ..access import current_user, roles_required
from .common import ROLES, errors_of, streets_run_by

# What each placeholder is filled in with (the names are those of ``letter_models.PLACEHOLDERS``).
PLACEHOLDER_LABELS = (
    ("party", gettext_lazy("the party's name")),
    ("uscc", gettext_lazy("its unified social credit code")),
    ("address", gettext_lazy("its address")),
    ("street", gettext_lazy("the street's name")),
    ("zones", gettext_lazy("the codes of its zones")),
    ("duties", gettext_lazy("the duties of its zones")),
    ("year", gettext_lazy("the year")),
    ("valid_from", gettext_lazy("the first day of the year")),
    ("valid_to", gettext_lazy("the last day of the year")),
)


@require_http_methods(["GET", "POST"])
@roles_required(*ROLES)
def letter_template(request: HttpRequest) -> HttpResponse:
    """One street's template: shown with its preview; saved, previewed unsaved, or dropped."""
    user = current_user(request)
    streets = streets_run_by(user)
    if not streets:
        raise PermissionDenied("only a street's frontage officer edits its letter template")
    code = (request.POST.get("street") or request.GET.get("street") or "")[:32]
    street = streets.filter(code=code).first()
    if street is None and request.method == "POST":
        raise PermissionDenied("only the street's frontage officer edits its letter template")
    street = street or streets.first()
    assert street is not None
    template, title, body = template_for(street)
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        step = request.POST.get("step", "")
        title, body = request.POST.get("title", "")[:200], request.POST.get("body", "")[:9000]
        here = f"{reverse('web:frontage:letter_template')}?street={street.code}"
        try:
            if step == "save":
                save_template(actor=user, street=street, title=title, body=body)
                saved = _("The letter template of %(street)s is saved.") % {"street": street.name}
                messages.success(request, saved)
                return redirect(here)
            if step == "reset":
                reset_template(actor=user, street=street)
                messages.success(
                    request, _("%(street)s uses the city's default template again.") % {"street": street.name}
                )
                return redirect(here)
            title, body = check_template(title, body)  # a preview of the text as typed, unsaved
        except ValidationError as exc:
            errors, status = errors_of(exc), 400
    year = timezone.localdate().year
    sample, party = preview(body, street, year) if not errors else ("", None)
    context = {
        "streets": streets,
        "street": street,
        "title": title,
        "body": body,
        "source": source_of(template),
        "template": template,
        "placeholders": [(f"{{{name}}}", label) for name, label in PLACEHOLDER_LABELS],
        "sample": sample,
        "party": party,
        "year": year,
        "errors": errors,
        "previewing": request.method == "POST" and not errors,
    }
    return render(request, "web/frontage/letter_template.html", context, status=status)
