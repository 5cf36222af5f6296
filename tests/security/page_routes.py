"""Every other URL pattern (the console, the citizens' pages, the health check, the API's schema and
docs, i18n), each with who may call it: see ``routes.py``."""

from __future__ import annotations

from cityloop.evaluation.models import Adjustment, EvaluationRun
from tests.cases.conftest import POINT_A

from .community_routes import COMMUNITY_PAGE_ROUTES
from .frontage_doc_routes import FRONTAGE_DOC_PAGE_ROUTES
from .frontage_routes import FRONTAGE_PAGE_ROUTES
from .hotline_routes import HOTLINE_PAGE_ROUTES
from .open311_routes import OPEN311_ROUTES
from .org_routes import ORG_PAGE_ROUTES
from .participation_routes import PARTICIPATION_PAGE_ROUTES
from .routes import (
    BLANK_FORM,
    CASE_A,
    MEASURE,
    NEW_REPORT,
    PRIVATE,
    PUBLIC,
    UNKNOWN,
    Route,
    cases_count,
    photo_file,
)
from .video_routes import VIDEO_PAGE_ROUTES

PAGE_ROUTES: list[Route] = [
    Route("healthz", PUBLIC, "/healthz"),
    Route("api/v1/openapi.json", PUBLIC, "/api/v1/openapi.json"),
    Route("api/v1/docs", PUBLIC, "/api/v1/docs"),
    Route("api/v1/", PUBLIC, "/api/v1/", ok=(404,), why="ninja's root only names the docs' address"),
    Route(
        "i18n/setlang/",
        PUBLIC,
        "/i18n/setlang/",
        method="POST",
        body=lambda w: {"language": "en", "next": "/public/track/"},
        ok=(302,),
    ),
    # signing in and out
    Route("login/", PUBLIC, "/login/"),
    Route(
        "login/",
        PUBLIC,
        "/login/",
        method="POST",
        body=lambda w: {"username": "operator", "password": "demo-pass-2026"},
        ok=(302,),
    ),
    Route("logout/", PUBLIC, "/logout/", method="POST", ok=(302,)),
    Route(
        "",
        PRIVATE,
        "/",
        inside="sanitation_handler",
        outside="water_handler",
        scope="list",
        # A handler's home is the phone task list: each task links to its case.
        marker="/m/cases/{w.case_a.pk}/",
    ),
    Route(
        "account/",
        PRIVATE,
        "/account/",
        inside="street_a_manager",
        outside="street_b_manager",
        scope="list",
        marker="{w.org.street_a.name}",
    ),
    # the command centre
    Route(
        "cases/",
        PRIVATE,
        "/cases/?view=all",
        inside="dispatcher",
        outside="dispatcher_b",
        scope="list",
        marker="{w.case_a.number}",
        needs=("case_b",),
    ),
    Route(
        "cases/<int:pk>/",
        PRIVATE,
        f"/cases/{CASE_A}/",
        inside="street_a_manager",
        outside="street_b_manager",
        marker="{w.case_a.number}",
    ),
    Route(
        "cases/<int:pk>/",
        PRIVATE,
        f"/cases/{CASE_A}/",
        inside="sanitation_handler",
        outside="water_handler",
        marker="{w.case_a.number}",
        label="another department",
    ),
    Route(
        "cases/<int:pk>/act/<str:name>/",
        PRIVATE,
        f"/cases/{CASE_A}/act/urge/",
        method="POST",
        body=lambda w: {"urge-reason": "请尽快处置"},
        inside="dispatcher",
        outside="dispatcher_b",
        ok=(302,),
        state=lambda w: w.snapshot(w.case_a),
    ),
    Route(
        "attachments/<int:pk>/",
        PRIVATE,
        "/attachments/{w.photo_a.pk}/",
        inside="street_a_manager",
        outside="street_b_manager",
    ),
    Route("report/hotline/", PRIVATE, "/report/hotline/", inside="operator", why=BLANK_FORM),
    Route(
        "report/hotline/",
        PRIVATE,
        "/report/hotline/",
        method="POST",
        body=lambda w: {
            "channel": "hotline_12345",
            "appeal_nature": "1",
            "description": "市民来电：路边有暴露垃圾",
            "lon": POINT_A[0],
            "lat": POINT_A[1],
            "kind": "event",
        },
        inside="operator",
        ok=(302,),
        state=cases_count,
        why=NEW_REPORT,
    ),
    # the map
    Route(
        "map/",
        PRIVATE,
        "/map/",
        inside="dispatcher",
        why="the page is a frame; its data comes from the map/ layers below, each checked there",
    ),
    Route(
        "map/grids.geojson",
        PRIVATE,
        "/map/grids.geojson",
        inside="street_a_manager",
        outside="street_b_manager",
        scope="list",
        marker="{w.org.community_a.code}001",
    ),
    Route(
        "map/grids.geojson",
        PRIVATE,
        f"/map/grids.geojson?case={CASE_A}",
        inside="street_a_manager",
        outside="street_b_manager",
        marker="{w.org.community_a.code}001",
        label="around a case",
    ),
    Route(
        "frontage/",
        PRIVATE,
        "/frontage/",
        inside="street_a_manager",
        outside="street_b_manager",
        scope="list",
        marker="{w.party_a.uscc}",
    ),
    Route(
        "frontage/zones.geojson",
        PRIVATE,
        "/frontage/zones.geojson",
        inside="street_a_manager",
        outside="street_b_manager",
        scope="list",
        marker="{w.party_a.uscc}-1",
    ),
    Route(
        "frontage/parties/<str:uscc>/",
        PRIVATE,
        "/frontage/parties/{w.party_a.uscc}/",
        inside="street_a_manager",
        outside="street_b_manager",
        marker="13800000001",
    ),
    Route(
        "map/boundaries.geojson",
        PRIVATE,
        "/map/boundaries.geojson",
        inside="street_a_manager",
        outside="street_b_manager",
        scope="list",
        marker="{w.org.community_a.name}",
    ),
    Route(
        "map/roads.geojson",
        PRIVATE,
        "/map/roads.geojson",
        inside="dispatcher",
        outside="leader_elsewhere",
        scope="list",
        marker="{w.road.name}",
    ),
    Route(
        "map/cases.json",
        PRIVATE,
        "/map/cases.json?scope=all",
        inside="dispatcher",
        outside="dispatcher_b",
        scope="list",
        marker="{w.case_a.number}",
        needs=("case_b",),
    ),
    # look-ups while reporting (the citizens' page uses the first three)
    Route("lookup/categories/", PUBLIC, "/lookup/categories/?q=垃圾"),
    Route("lookup/places/", PUBLIC, "/lookup/places/?q=东一"),
    Route("lookup/where/", PUBLIC, f"/lookup/where/?lon={POINT_A[0]}&lat={POINT_A[1]}"),
    # category suggestions and the same problem nearby (a citizen sees no number, name or text:
    # tests/web/test_reports.py)
    Route("lookup/suggest/", PUBLIC, f"/lookup/suggest/?text=垃圾堆积&lon={POINT_A[0]}&lat={POINT_A[1]}"),
    Route(
        "lookup/nearest/",
        PRIVATE,
        "/lookup/nearest/?lon={w.component_a.lon}&lat={w.component_a.lat}",
        inside="street_a_manager",
        outside="street_b_manager",
        scope="list",
        marker="{w.component_a.code}",
    ),
    # departments and streets
    Route(
        "tasks/",
        PRIVATE,
        "/tasks/?tab=area",
        inside="street_a_manager",
        outside="street_b_manager",
        scope="list",
        marker="{w.case_a.number}",
        needs=("case_b",),
    ),
    # supervisors on a phone
    Route(
        "m/",
        PRIVATE,
        "/m/",
        inside="supervisor_a",
        outside="supervisor_b",
        scope="list",
        marker="/m/cases/{w.verifying_a.pk}/",
    ),
    Route("m/report/", PRIVATE, "/m/report/", inside="supervisor_a", why=BLANK_FORM),
    Route(
        "m/report/",
        PRIVATE,
        "/m/report/",
        method="POST",
        body=lambda w: {
            "description": "路边有暴露垃圾",
            "category": "0102",
            "kind": "event",
            "lon": POINT_A[0],
            "lat": POINT_A[1],
            "photos": photo_file(),
        },
        inside="supervisor_a",
        ok=(302,),
        state=cases_count,
        why=NEW_REPORT,
    ),
    Route(
        "m/cases/<int:pk>/",
        PRIVATE,
        "/m/cases/{w.verifying_a.pk}/",
        inside="supervisor_a",
        outside="supervisor_b",
        marker="{w.verifying_a.number}",
    ),
    # leaders
    Route(
        "dashboard/",
        PRIVATE,
        "/dashboard/",
        inside="leader",
        outside="leader_b",
        scope="list",
        marker="{w.org.street_a.name}",
        needs=("case_a", "case_b"),
    ),
    Route(
        "analytics/",
        PRIVATE,
        "/analytics/?level=street",
        inside="leader",
        outside="leader_b",
        scope="list",
        marker="{w.org.street_a.name}",
        needs=("rollups",),
    ),
    Route(
        "analytics/backlog/",
        PRIVATE,
        "/analytics/backlog/",
        inside="leader",
        outside="leader_b",
        scope="list",
        marker="{w.case_a.number}",
        needs=("rollups",),
    ),
    Route(
        "analytics/disputes/",
        PRIVATE,
        "/analytics/disputes/",
        inside="leader",
        why="routing's returns under routing's own scope (tests/analytics/test_backlog_disputes.py)",
    ),
    Route(
        "analytics/trends/",
        PRIVATE,
        "/analytics/trends/?by=street",
        inside="leader",
        outside="leader_b",
        scope="list",
        marker="{w.org.street_a.name}",
        needs=("rollups",),
    ),
    # citizens
    Route("public/report/", PUBLIC, "/public/report/"),
    Route(
        "public/report/",
        PUBLIC,
        "/public/report/",
        method="POST",
        body=lambda w: {
            "description": "路边有暴露垃圾",
            "lon": POINT_A[0],
            "lat": POINT_A[1],
            "reporter_phone": "13800138000",
        },
        ok=(302,),
        state=cases_count,
    ),
    Route("public/receipt/<str:code>/", PUBLIC, "/public/receipt/{w.case_a.tracking_code}/"),
    Route(
        "public/receipt/<str:code>/", PUBLIC, f"/public/receipt/{UNKNOWN}/", ok=(404,), label="unknown code"
    ),
    Route("public/track/", PUBLIC, "/public/track/"),
    Route(
        "public/track/",
        PUBLIC,
        "/public/track/?code={w.case_a.tracking_code}",
        ok=(302,),
        label="with a code",
    ),
    Route(
        "public/track/",
        PUBLIC,
        f"/public/track/?code={UNKNOWN}",
        ok=(404,),
        label="unknown code",
    ),
    Route("public/track/<str:code>/", PUBLIC, "/public/track/{w.case_a.tracking_code}/"),
    Route("public/track/<str:code>/", PUBLIC, f"/public/track/{UNKNOWN}/", ok=(404,), label="unknown code"),
    Route(
        "public/track/<str:code>/rate/",
        PUBLIC,
        "/public/track/{w.closed_a.tracking_code}/rate/",
        method="POST",
        # The reporter proves it with the last four digits of the phone given with the report.
        body=lambda w: {"rating": "5", "phone_last4": "5678"},
        ok=(302,),
        state=lambda w: w.snapshot(w.closed_a),
    ),
    Route(
        "public/track/<str:code>/rate/",
        PUBLIC,
        f"/public/track/{UNKNOWN}/rate/",
        method="POST",
        body=lambda w: {"rating": "5"},
        ok=(404,),
        label="unknown code",
    ),
    Route(
        "public/track/<str:code>/photos/<int:pk>/",
        PUBLIC,
        "/public/track/{w.closed_a.tracking_code}/photos/{w.closed_a_photo.pk}/",
    ),
    Route(
        "public/track/<str:code>/photos/<int:pk>/",
        PUBLIC,
        # A photo the staff added (not sent with the report, not the result): not on the public page.
        "/public/track/{w.case_a.tracking_code}/photos/{w.photo_a.pk}/",
        ok=(404,),
        label="a staff photo",
    ),
    Route("public/map/<str:layer>.geojson", PUBLIC, "/public/map/roads.geojson"),
    Route("public/map/<str:layer>.geojson", PUBLIC, "/public/map/boundaries.geojson", label="boundaries"),
    Route("public/map/<str:layer>.geojson", PUBLIC, "/public/map/grids.geojson", ok=(404,), label="grids"),
    # Offline map tiles (docs/maps.md): no layer is configured here; tests/web/test_map_layers.py serves some.
    Route(
        "tiles/<str:layer>/<int:z>/<int:x>/<int:y>.<str:ext>", PUBLIC, "/tiles/offline/1/0/0.png", ok=(404,)
    ),
    # evaluation
    Route(
        "evaluation/",
        PRIVATE,
        "/evaluation/",
        inside="street_a_manager",
        why="lists the runs over areas enclosing the user (by design everyone in a city sees that "
        "its month was evaluated); the scores and deductions are checked on the pages below",
    ),
    Route(
        "evaluation/compute/",
        PRIVATE,
        "/evaluation/compute/",
        method="POST",
        body=lambda w: {"period": w.period, "scope": w.org.district.code},
        inside="leader",
        outside="leader_b",
        ok=(302,),
        state=lambda w: EvaluationRun.objects.count(),
    ),
    Route(
        "evaluation/score/<int:pk>/",
        PRIVATE,
        "/evaluation/score/{w.score_a.pk}/",
        inside="street_a_manager",
        outside="street_b_manager",
        marker="{w.org.street_a.name}",
    ),
    Route(
        "evaluation/score/<int:pk>/cases/<str:measure>/",
        PRIVATE,
        f"/evaluation/score/{{w.score_a.pk}}/cases/{MEASURE}/",
        inside="street_a_manager",
        outside="street_b_manager",
        marker="{w.case_a.number}",
    ),
    Route(
        "evaluation/<str:period>/publish/",
        PRIVATE,
        "/evaluation/{w.past_run.period}/publish/",
        method="POST",
        inside="admin",
        outside="leader_b",
        ok=(302,),
        state=lambda w: w.snapshot(w.past_run),
    ),
    Route(
        "evaluation/<str:period>/deductions/",
        PRIVATE,
        "/evaluation/{w.run.period}/deductions/",
        inside="sanitation_manager",
        outside="water_handler",
        scope="list",
        marker="{w.org.sanitation.name}",
    ),
    Route(
        "evaluation/<str:period>/deductions/adjust/",
        PRIVATE,
        "/evaluation/{w.run.period}/deductions/adjust/",
        method="POST",
        body=lambda w: {"unit": w.org.sanitation.code, "points": "1", "reason": "专项工作加分"},
        inside="admin",
        outside="leader_b",
        ok=(302,),
        state=lambda w: Adjustment.objects.count(),
    ),
    Route(
        "evaluation/<str:period>/export.xlsx",
        PRIVATE,
        "/evaluation/{w.run.period}/export.xlsx",
        inside="street_a_manager",
        outside="street_b_manager",
        scope="list",
        marker="{w.org.street_a.name}",
    ),
    Route(
        "evaluation/<str:period>/report.pdf",
        PRIVATE,
        "/evaluation/{w.run.period}/report.pdf",
        inside="street_a_manager",
        outside="street_b_manager",
        scope="list",
        marker="{w.org.street_a.name}",
    ),
    Route(
        "evaluation/<str:period>/<str:subject>/",
        PRIVATE,
        "/evaluation/{w.run.period}/street/",
        inside="street_a_manager",
        outside="street_b_manager",
        scope="list",
        marker="{w.org.street_a.name}",
    ),
]

# The organisation's administration (tests/security/org_routes.py).
PAGE_ROUTES += ORG_PAGE_ROUTES
PAGE_ROUTES += FRONTAGE_DOC_PAGE_ROUTES
# Hotline work orders (tests/security/hotline_routes.py).
PAGE_ROUTES += HOTLINE_PAGE_ROUTES
PAGE_ROUTES += FRONTAGE_PAGE_ROUTES

# Open311 GeoReport v2 (tests/security/open311_routes.py).
PAGE_ROUTES += OPEN311_ROUTES
PAGE_ROUTES += COMMUNITY_PAGE_ROUTES
PAGE_ROUTES += PARTICIPATION_PAGE_ROUTES
# Video patrol, detectors and sensors (tests/security/video_routes.py).
PAGE_ROUTES += VIDEO_PAGE_ROUTES
