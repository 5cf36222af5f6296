"""Turn domain exceptions into clear 4xx answers: what went wrong and what to fix."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import (
    ObjectDoesNotExist,
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    ValidationError,
)
from django.http import HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from cityloop.core.ratelimits import RateLimited


class ApiError(Exception):
    """An error with an HTTP status, a message for people and optional details."""

    def __init__(self, status: int, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details


class FieldError(Schema):
    field: str = Field(
        ..., description="where: a body field (dotted path), a query or path parameter, a header"
    )
    message: str


class ErrorOut(Schema):
    """Every 4xx answer of the API: ``detail`` says what to fix; the rest names where."""

    model_config = {"extra": "allow"}

    detail: str = Field(..., description="what went wrong and what to fix, for people")
    field: str | None = Field(None, description="the field, parameter or header at fault, when one is")
    errors: list[FieldError] | dict[str, list[str]] | None = Field(
        None, description="per field: a list of {field, message} (422) or messages by field name (400)"
    )
    retry_after: int | None = Field(None, description="429: seconds to wait (also in Retry-After)")


PARAM_SOURCES = ("body", "query", "path", "form", "header", "cookie", "file")


def too_big_message() -> str:
    from django.conf import settings

    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return f"body: the request body is over the {limit / 1048576:.1f} MB limit; send less"


def validation_messages(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            field: [str(m) for e in errors for m in e.messages] for field, errors in exc.error_dict.items()
        }
    return {"__all__": [str(m) for m in exc.messages]}


BODY_PARAMS = ("body", "filters", "q", "point")
"""Names the API's handlers give their body or query schema parameter (stripped from field paths)."""


def install_handlers(api: NinjaAPI) -> None:
    def respond(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
        return api.create_response(request, body, status=status)

    @api.exception_handler(ApiError)
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        return respond(request, exc.status, {"detail": exc.message, **exc.details})

    @api.exception_handler(ValidationError)
    def django_validation(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = validation_messages(exc)
        summary = "; ".join(
            f"{f}: {' '.join(m)}" if f != "__all__" else " ".join(m) for f, m in errors.items()
        )
        return respond(request, 400, {"detail": summary, "errors": errors})

    @api.exception_handler(NinjaValidationError)
    def schema_validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors = []
        for err in exc.errors:
            parts = list(err.get("loc", ()))
            if parts and parts[0] in PARAM_SOURCES:
                parts = parts[1:]
            # ninja nests a body schema under its parameter name; clients know the fields only.
            if len(parts) > 1 and err.get("loc", ("",))[0] == "body" and parts[0] in BODY_PARAMS:
                parts = parts[1:]
            loc = ".".join(str(p) for p in parts)
            errors.append({"field": loc, "message": err.get("msg", "invalid")})
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return respond(request, 422, {"detail": summary or "invalid request", "errors": errors})

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja turns whatever the body parser raised into a 400 "Cannot parse request body".
        cause = exc.__cause__
        if isinstance(cause, ApiError):
            return api_error(request, cause)
        if isinstance(cause, RequestDataTooBig):
            return respond(request, 413, {"detail": too_big_message(), "field": "body"})
        return respond(request, exc.status_code, {"detail": str(exc)})

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
        return respond(request, 413, {"detail": too_big_message(), "field": "body"})

    @api.exception_handler(TooManyFieldsSent)
    def too_many_fields(request: HttpRequest, exc: TooManyFieldsSent) -> HttpResponse:
        return respond(request, 413, {"detail": "body: too many form fields", "field": "body"})

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return respond(request, 403, {"detail": str(exc) or "you are not allowed to do this"})

    @api.exception_handler(ObjectDoesNotExist)
    def not_found(request: HttpRequest, exc: ObjectDoesNotExist) -> HttpResponse:
        return respond(request, 404, {"detail": str(exc) or "not found"})

    @api.exception_handler(RateLimited)
    def too_many(request: HttpRequest, exc: RateLimited) -> HttpResponse:
        response = respond(request, 429, {"detail": f"{exc}", "retry_after": exc.retry_after})
        response["Retry-After"] = str(exc.retry_after)
        return response

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return respond(
            request,
            401,
            {"detail": "sign in, or send 'Authorization: Bearer <token>' (cityloop token create USER)"},
        )
