"""The hotline's HTTP door: ``POST /hotline/v1/<platform>/messages`` (every inbound message, signed)
and ``GET /hotline/v1/<platform>/photos/<id>`` (a result's photo, by signed link)."""

from __future__ import annotations

from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from cityloop.cases.models import Attachment

from .inbound import receive
from .models import Platform
from .photos import link_valid


@csrf_exempt  # a machine's signed request, not a browser's form: the signature is the proof
@require_POST
def messages(request: HttpRequest, code: str) -> HttpResponse:
    """One message from a hotline platform (see docs/hotline.md)."""
    content_type = request.content_type or ""
    if content_type != "application/json":
        return JsonResponse(
            {
                "detail": "send the message as application/json",
                "errors": [{"field": "Content-Type", "message": "application/json"}],
            },
            status=415,
        )
    status, answer = receive(code[:32], request.headers, request.body)
    return JsonResponse(answer, status=status, json_dumps_params={"ensure_ascii": False})


@require_GET
def photo(request: HttpRequest, code: str, attachment_id: int) -> HttpResponse | FileResponse:
    """A photo of a result sent to this platform, for as long as its link is valid."""
    platform = Platform.objects.filter(code=code[:32], active=True).first()
    found = (
        # Its own ticket's case, or the case a ticket's case was merged into (合并): the result
        # that ticket heard is that case's.
        Attachment.objects.filter(
            Q(case__hotline_ticket__platform=platform)
            | Q(case__duplicates__hotline_ticket__platform=platform),
            pk=attachment_id,
        ).first()
        if platform
        else None
    )
    if (
        platform is None
        or found is None
        or not link_valid(
            platform, attachment_id, request.GET.get("expires", "")[:20], request.GET.get("sig", "")[:64]
        )
    ):
        return JsonResponse({"detail": "no such photo, or the link expired"}, status=404)
    return FileResponse(found.file.open("rb"), content_type=found.content_type)
