"""The detectors' HTTP door: ``POST /video/v1/detectors/<code>/detections`` (signed, one detection)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .inbound import receive


@csrf_exempt  # a machine's signed request, not a browser's form: the signature is the proof
@require_POST
def detections(request: HttpRequest, code: str) -> HttpResponse:
    """One detection from a detector (see docs/video.md)."""
    if (request.content_type or "") != "application/json":
        return JsonResponse(
            {
                "detail": "send the detection as application/json",
                "errors": [{"field": "Content-Type", "message": "application/json"}],
            },
            status=415,
        )
    status, answer = receive(code[:32], request.headers, request.body)
    return JsonResponse(answer, status=status, json_dumps_params={"ensure_ascii": False})
