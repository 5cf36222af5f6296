"""The v1 API object. Each bounded context adds its router here, one line each."""

from __future__ import annotations

from importlib import import_module

from ninja import NinjaAPI

from .auth import AUTH
from .errors import install_handlers

api = NinjaAPI(
    title="CityLoop API",
    version="1",
    description="Digital city management: organisation, unit grids, catalog, components, cases.",
    auth=AUTH,
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_handlers(api)

# Routers, one per bounded context. Keep this list the only place they are mounted.
ROUTERS = [
    ("/org", "cityloop.api.org"),
    ("/geo", "cityloop.api.geo"),
    ("/inbox", "cityloop.api.inbox"),
    ("/catalog", "cityloop.api.catalog"),
    ("/assets", "cityloop.api.assets"),
    ("/routing", "cityloop.api.routing"),
    ("", "cityloop.api.cases"),
    ("", "cityloop.api.evaluation"),
]

for prefix, module_name in ROUTERS:
    api.add_router(prefix, import_module(module_name).router)
