"""Open311 GeoReport v2 (``/open311/v2/``): public calls, each in JSON and XML; posting a request
needs a client application's api_key (see ``tests/open311`` for refusals)."""

from __future__ import annotations

import importlib
from typing import Any

from cityloop.cases.models import Case
from cityloop.core.audit import system_actor
from tests.cases.conftest import POINT_A

from .routes import PUBLIC, Route, cases_count
from .world import World


def _post_body(w: World) -> dict[str, Any]:
    from django.apps import apps

    from cityloop.open311.actions import create_client

    importlib.import_module("cityloop.open311.migrations.0002_channel").load(apps, None)
    _, key = create_client(actor=system_actor(), name=f"sweep {Case.objects.count()}")
    return {"api_key": key, "service_code": "event-0102", "lat": POINT_A[1], "long": POINT_A[0]}


PREFIX = "open311/v2/"
OPEN311_ROUTES: list[Route] = [
    Route(PREFIX, PUBLIC, "/open311/v2/", ok=(404,), label="root names no call"),
    Route(PREFIX + "<path:rest>", PUBLIC, "/open311/v2/no/such.xml", ok=(404,)),
]
for fmt in ("json", "xml"):
    OPEN311_ROUTES += [
        Route(PREFIX + "discovery.<str:fmt>", PUBLIC, f"/open311/v2/discovery.{fmt}", label=fmt),
        Route(PREFIX + "services.<str:fmt>", PUBLIC, f"/open311/v2/services.{fmt}", label=fmt),
        Route(
            PREFIX + "services/<str:code>.<str:fmt>",
            PUBLIC,
            f"/open311/v2/services/event-0102.{fmt}",
            label=fmt,
        ),
        Route(
            PREFIX + "requests.<str:fmt>",
            PUBLIC,
            f"/open311/v2/requests.{fmt}?status=open",
            label=fmt,
            needs=("case_a",),
        ),
        Route(
            PREFIX + "requests.<str:fmt>",
            PUBLIC,
            f"/open311/v2/requests.{fmt}",
            method="POST",
            body=_post_body,
            state=cases_count,
            label=fmt,
        ),
        Route(
            PREFIX + "requests/<str:request_id>.<str:fmt>",
            PUBLIC,
            "/open311/v2/requests/{w.case_a.number}." + fmt,
            label=fmt,
        ),
        Route(
            PREFIX + "request/<str:request_id>.<str:fmt>",
            PUBLIC,
            "/open311/v2/request/{w.case_a.number}." + fmt,
            label=fmt,
        ),
        Route(
            PREFIX + "tokens/<str:token>.<str:fmt>",
            PUBLIC,
            f"/open311/v2/tokens/NOSUCH.{fmt}",
            ok=(404,),
            label=fmt,
        ),
        Route(
            PREFIX + "servicerequestupdates.<str:fmt>",
            PUBLIC,
            f"/open311/v2/servicerequestupdates.{fmt}",
            label=fmt,
            needs=("case_a",),
        ),
    ]
