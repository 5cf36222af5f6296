"""The party's phone pages for the cases handed to it first (门前三包自行纠正), 375 px wide.

A party signs in with ``Party.account`` and holds no role: every page here is gated on that link, and
shows only the party's own cases and only what a party may see (what, where, until when: never who
reported it). It answers "fixed" with a photo, or "not mine / cannot" with a reason.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case as When_
from django.db.models import IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cityloop.cases.uploads import check_upload
from cityloop.core.files import file_response
from cityloop.frontage.correction_actions import Photo, answer_declined, answer_fixed
from cityloop.frontage.models import CorrectionState, Party, SelfCorrection

from ..access import current_user

MAX_PHOTO_NAME = 200


def own_party(request: HttpRequest) -> Party:
    """The party whose account is signed in; 403 for everyone else (parties have no role)."""
    party = Party.objects.filter(account=current_user(request)).select_related("street").first()
    if party is None:
        raise PermissionDenied("this page is for a frontage party's own account")
    return party


def checked_photo(upload: object | None) -> Photo | None:
    """An uploaded photo checked by its content (an image, not a document), or None when absent."""
    if upload is None:
        return None
    name = str(getattr(upload, "name", "photo"))[:MAX_PHOTO_NAME]
    content = upload.read()  # type: ignore[attr-defined]
    checked = check_upload(name, content)
    if not checked.content_type.startswith("image/"):
        raise ValidationError({"photo": _("send a photo (JPEG, PNG or WebP)")})
    return Photo(name, checked.content, checked.content_type, checked.extension, checked.sha256)


def _corrections(party: Party) -> list[SelfCorrection]:
    waiting_first = When_(
        When(state=CorrectionState.WAITING, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    return list(
        SelfCorrection.objects.filter(party=party)
        .select_related("duty", "zone")
        .annotate(waiting_first=waiting_first)
        .order_by("waiting_first", "deadline_at", "-id")[:50]
    )


@require_GET
@login_required
def my_cases(request: HttpRequest) -> HttpResponse:
    """The party's cases: those waiting for it (soonest deadline first), then its recent answers."""
    party = own_party(request)
    rows = _corrections(party)
    context = {
        "party": party,
        "waiting": [r for r in rows if r.state == CorrectionState.WAITING],
        "answered": [r for r in rows if r.state != CorrectionState.WAITING],
        "now": timezone.now(),
    }
    return render(request, "web/frontage/my_cases.html", context)


def _mine(request: HttpRequest, pk: int) -> tuple[Party, SelfCorrection]:
    party = own_party(request)
    correction = SelfCorrection.objects.filter(party=party, pk=pk).select_related("duty", "zone").first()
    if correction is None:
        raise Http404("no such case of yours")
    return party, correction


@require_GET
@login_required
def my_case(request: HttpRequest, pk: int) -> HttpResponse:
    """One case: what and where, the deadline, and the two answers while it waits."""
    party, correction = _mine(request, pk)
    context = {
        "party": party,
        "c": correction,
        "open": correction.state == CorrectionState.WAITING and correction.deadline_at > timezone.now(),
    }
    return render(request, "web/frontage/my_case.html", context)


def _answer_failed(request: HttpRequest, exc: ValidationError) -> None:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"": exc.messages}
    for problems in detail.values():
        for problem in problems:
            messages.error(request, problem)


@require_POST
@login_required
def my_case_fixed(request: HttpRequest, pk: int) -> HttpResponse:
    """The party put it right: its photo and note go to the case, on to the supervisor's check."""
    _party, correction = _mine(request, pk)
    try:
        photo = checked_photo(request.FILES.get("photo"))
        answer_fixed(
            correction.pk, actor=current_user(request), note=request.POST.get("note", ""), photo=photo
        )
    except ValidationError as exc:
        _answer_failed(request, exc)
        return redirect("web:frontage:my_case", pk=pk)
    messages.success(request, _("Thank you: the supervisor will check the spot."))
    return redirect("web:frontage:my_cases")


@require_POST
@login_required
def my_case_declined(request: HttpRequest, pk: int) -> HttpResponse:
    """Not the party's / it cannot: the street takes the case at once."""
    _party, correction = _mine(request, pk)
    try:
        answer_declined(correction.pk, actor=current_user(request), reason=request.POST.get("reason", ""))
    except ValidationError as exc:
        _answer_failed(request, exc)
        return redirect("web:frontage:my_case", pk=pk)
    messages.success(request, _("The street will deal with it."))
    return redirect("web:frontage:my_cases")


@require_GET
@login_required
def my_case_photo(request: HttpRequest, pk: int) -> HttpResponseBase:
    """The photo the party sent (only to the party itself)."""
    _party, correction = _mine(request, pk)
    if not correction.photo:
        raise Http404("no photo")
    return file_response(correction.photo, correction.photo_type or "image/jpeg")
