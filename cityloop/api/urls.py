"""The v1 API object. Each bounded context adds its router here, one line each."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from ninja import NinjaAPI
from ninja.operation import Operation

from .auth import AUTH
from .errors import ErrorOut, install_handlers
from .guard import GuardedParser, bound_inputs

WRITES = ("post", "put", "patch", "delete")


# Operation ids are published names (clients generate their methods from them): routes moved to a
# module of their own keep the ids they were published with, named after the module they came from.
OPERATION_ID_MODULES = {
    "cityloop.api.frontage_notices": "cityloop.api.frontage_checks",
    "cityloop.api.frontage_groups": "cityloop.api.frontage_credit",
    "cityloop.api.citizen_feedback": "cityloop.api.citizens",
    "cityloop.api.participation_volunteering": "cityloop.api.participation",
    "cityloop.api.video_cameras": "cityloop.api.video",
    "cityloop.api.video_detections": "cityloop.api.video",
    "cityloop.api.video_rounds": "cityloop.api.video",
}


class CityLoopAPI(NinjaAPI):
    """The API, whose OpenAPI document lists for every operation the errors it can answer, all in
    the one shape of ``errors.ErrorOut``."""

    def get_openapi_operation_id(self, operation: Operation) -> str:
        """``<module>_<function>`` with dots as underscores, as django-ninja names an operation, the
        module read through :data:`OPERATION_ID_MODULES`."""
        module = operation.view_func.__module__
        module = OPERATION_ID_MODULES.get(module, module)
        return f"{module}_{operation.view_func.__name__}".replace(".", "_")

    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(*args, **kwargs)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        components["Error"] = ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in components["Error"].pop("$defs", {}).items():
            components.setdefault(name, sub)
        for methods in schema["paths"].values():
            for method, operation in methods.items():
                add_error_responses(method, operation)
        return schema


ERROR_TEXT = {
    400: "Bad request: a value the domain refuses (see detail and errors)",
    401: "No or a bad token: send 'Authorization: Bearer <token>'",
    403: "Forbidden: your role or jurisdiction does not allow this",
    404: "Not found, or not in your jurisdiction",
    409: "Conflict: the object is in another state or version than you sent",
    413: "The body is over the size limit",
    415: "The body is not JSON (Content-Type must be application/json)",
    422: "A parameter or field has the wrong type, length or range (errors names it)",
    429: "Too many requests: wait Retry-After seconds",
}


def add_error_responses(method: str, operation: dict[str, Any]) -> None:
    """Document the error answers ``operation`` can give: always 400, 404, 422 and 429; 401 and 403
    where it needs credentials; 409 on writes; 413 and 415 where it takes a body (415 for JSON)."""
    codes = {400, 404, 422, 429}
    if operation.get("security"):
        codes |= {401, 403}
    if method in WRITES:
        codes.add(409)
    body = operation.get("requestBody")
    if body:
        codes.add(413)
        if "application/json" in body.get("content", {}):
            codes.add(415)
    responses = operation.setdefault("responses", {})
    for code in sorted(codes):
        responses.setdefault(
            code,
            {
                "description": ERROR_TEXT[code],
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        )


api = CityLoopAPI(
    title="CityLoop API",
    version="1",
    description="Digital city management: organisation, unit grids, catalog, components, cases.",
    auth=AUTH,
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=GuardedParser(),
)
install_handlers(api)

# Routers, one per bounded context. Keep this list the only place they are mounted.
ROUTERS = [
    ("/org", "cityloop.api.org"),
    ("/geo", "cityloop.api.geo"),
    ("/inbox", "cityloop.api.inbox"),
    ("/catalog", "cityloop.api.catalog"),
    ("/assets", "cityloop.api.assets"),
    ("/frontage", "cityloop.api.frontage"),
    ("/frontage", "cityloop.api.frontage_party"),
    ("/frontage", "cityloop.api.frontage_credit"),
    ("/frontage", "cityloop.api.frontage_groups"),
    ("/frontage", "cityloop.api.frontage_letters"),
    ("/frontage", "cityloop.api.frontage_templates"),
    ("/frontage", "cityloop.api.frontage_checks"),
    ("/frontage", "cityloop.api.frontage_notices"),
    ("/community", "cityloop.api.community"),
    ("/community", "cityloop.api.community_meetings"),
    ("/community", "cityloop.api.community_roster"),
    ("/community", "cityloop.api.community_posts"),
    ("/alleys", "cityloop.api.alleys"),
    ("/routing", "cityloop.api.routing"),
    ("", "cityloop.api.cases"),
    ("", "cityloop.api.evaluation"),
    ("", "cityloop.api.analytics"),
    ("", "cityloop.api.bigscreen"),
    ("", "cityloop.api.briefings"),
    ("", "cityloop.api.analytics_work"),
    ("/hotline", "cityloop.api.hotline"),
    ("/intake", "cityloop.api.triage"),
    ("/public", "cityloop.api.public"),
    ("/public", "cityloop.api.citizens"),
    ("/public", "cityloop.api.citizen_feedback"),
    ("/participation", "cityloop.api.participation_volunteering"),
    ("/participation", "cityloop.api.participation"),
    ("/video", "cityloop.api.video_cameras"),
    ("/video", "cityloop.api.video_detections"),
    ("/video", "cityloop.api.video_rounds"),
    ("/video", "cityloop.api.video_checks"),
    ("/sensors", "cityloop.api.sensors"),
]

for prefix, module_name in ROUTERS:
    api.add_router(prefix, import_module(module_name).router)
bound_inputs(api)
