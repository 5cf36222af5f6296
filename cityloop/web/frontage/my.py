"""The party's phone pages (375 px), signed in with ``Party.account`` (a party's user holds no role:
every page here is gated on the account being the party's): home, signing the year's letter on a
canvas, the party's inspections and notices, answering a notice as rectified with a photo."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from cityloop.core.files import file_response
from cityloop.frontage.access import party_of
from cityloop.frontage.letters import sign_letter
from cityloop.frontage.models import LetterStatus, Notice, NoticeStatus, Party
from cityloop.frontage.notices import answer_notice

from ..access import current_user
from .common import errors_of, photo, upload_photos

View = Callable[..., HttpResponseBase]


def party_required(view: View) -> View:
    """Signed in with a party's account (403 for anyone else, staff included)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        party = party_of(request.user)
        if party is None:
            raise PermissionDenied("this page is for a frontage party's account")
        return view(request, party, *args, **kwargs)

    return login_required(wrapper)


@party_required
def home(request: HttpRequest, party: Party) -> HttpResponse:
    """The party's home: the letter to sign, open notices, recent inspections."""
    letters = party.letters.exclude(status=LetterStatus.VOID).order_by("-year")[:5]
    notices = party.notices.select_related("duty").order_by("-issued_at")[:20]
    inspections = party.inspections.order_by("-inspected_at")[:10]
    context = {
        "party": party,
        "letters": letters,
        "to_sign": [x for x in letters if x.status == LetterStatus.ISSUED],
        "notices": notices,
        "open_notices": [n for n in notices if n.status == NoticeStatus.OPEN],
        "inspections": inspections,
    }
    return render(request, "web/frontage/my/home.html", context)


@require_http_methods(["GET", "POST"])
@party_required
def letter(request: HttpRequest, party: Party, pk: int) -> HttpResponse:
    """The letter's text and the canvas to sign it on (the drawing is sent as a PNG data URL)."""
    found = party.letters.select_related("street").filter(pk=pk).exclude(status=LetterStatus.VOID).first()
    if found is None:
        raise Http404("no such letter")
    errors: list[str] = []
    if request.method == "POST":
        from cityloop.api.errors import ApiError
        from cityloop.api.frontage_letters import decode_png

        try:
            png = decode_png(request.POST.get("signature", "")[:700_000])
            sign_letter(
                actor=current_user(request),
                letter=found,
                signature_png=png,
                signer_name=request.POST.get("signer_name", "")[:50],
                content_sha256=request.POST.get("content_sha256", "")[:64],
            )
            messages.success(request, _("Letter signed. Thank you."))
            return redirect("web:frontage:my_letter", pk=found.pk)
        except ValidationError as exc:
            errors = errors_of(exc)
        except ApiError:
            errors = [_("Draw your signature in the box first.")]
    return render(request, "web/frontage/my/letter.html", {"party": party, "letter": found, "errors": errors})


@party_required
def letter_pdf(request: HttpRequest, party: Party, pk: int) -> HttpResponseBase:
    found = party.letters.filter(pk=pk).first()
    if found is None or not found.pdf:
        raise Http404("no signed letter")
    return file_response(found.pdf, "application/pdf")


def _notice(party: Party, number: str) -> Notice:
    found = party.notices.select_related("duty", "street", "inspection").filter(number=number[:40]).first()
    if found is None:
        raise Http404("no such notice")
    return found


@require_http_methods(["GET", "POST"])
@party_required
def notice(request: HttpRequest, party: Party, number: str) -> HttpResponse:
    """A notice: what to put right and by when; the answer with a photo of the result."""
    found = _notice(party, number)
    errors: list[str] = []
    if request.method == "POST":
        user = current_user(request)
        try:
            with transaction.atomic():
                photos = upload_photos(user, request.FILES.getlist("photos"), purpose="after")
                answer_notice(
                    actor=user, notice=found, note=request.POST.get("note", "")[:500], photos=photos
                )
            messages.success(request, _("Answer sent: the street will re-inspect."))
            return redirect("web:frontage:my_notice", number=found.number)
        except ValidationError as exc:
            errors = errors_of(exc)
    return render(request, "web/frontage/my/notice.html", {"party": party, "notice": found, "errors": errors})


@party_required
def notice_pdf(request: HttpRequest, party: Party, number: str) -> HttpResponseBase:
    found = _notice(party, number)
    if not found.pdf:
        raise Http404("no PDF")
    return file_response(found.pdf, "application/pdf")


@party_required
def notice_photo(request: HttpRequest, party: Party, number: str, attachment_id: int) -> HttpResponseBase:
    return photo(_notice(party, number).answer_photos, attachment_id)
