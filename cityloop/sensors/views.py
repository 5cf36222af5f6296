"""The sensor networks' HTTP door: ``POST /sensors/v1/networks/<code>/readings`` (signed, one reading)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from .inbound import receive


@csrf_exempt  # a machine's signed request, not a browser's form: the signature is the proof
@require_POST
def readings(request: HttpRequest, code: str) -> HttpResponse:
    """One reading from a sensor network (see docs/sensors.md)."""
    if (request.content_type or "") != "application/json":
        return JsonResponse(
            {
                "detail": "send the reading as application/json",
                "errors": [{"field": "Content-Type", "message": "application/json"}],
            },
            status=415,
        )
    status, answer = receive(code[:32], request.headers, request.body)
    return JsonResponse(answer, status=status, json_dumps_params={"ensure_ascii": False})
