"""Public participation's routes (cityloop/api/public.py, citizens.py, participation.py and the
pages of cityloop/web/participation), each with who may call it."""

from __future__ import annotations

from cityloop.participation.models import Activity, AlertSubscription, Signup, Suggestion, Survey, Volunteer
from tests.cases.conftest import POINT_A

from .routes import PRIVATE, PUBLIC, UNKNOWN, Route

A = "/api/v1"
P = "{w.participation"
BOX = f"bbox={POINT_A[0] - 0.01},{POINT_A[1] - 0.01},{POINT_A[0] + 0.01},{POINT_A[1] + 0.01}"
NO_TOKEN = "no verified phone: 401"


def _citizen(route: str, url: str, method: str = "POST", body: dict | None = None) -> Route:
    return (
        Route(route, PUBLIC, url, method=method, body=(lambda w: body or {}), ok=(401,), label=NO_TOKEN)
        if method == "POST"
        else Route(route, PUBLIC, url, ok=(401,), label=NO_TOKEN)
    )


PARTICIPATION_API_ROUTES: list[Route] = [
    Route(f"{A}/public/cases", PUBLIC, f"{A}/public/cases?{BOX}", needs=("case_a",)),
    Route(f"{A}/public/points", PUBLIC, f"{A}/public/points?{BOX}", needs=("case_a",)),
    Route(f"{A}/public/cases/{{number}}", PUBLIC, f"{A}/public/cases/{{w.case_a.number}}"),
    Route(f"{A}/public/cases/{{number}}", PUBLIC, f"{A}/public/cases/{UNKNOWN}", ok=(404,), label="unknown"),
    Route(f"{A}/public/leaderboard", PUBLIC, f"{A}/public/leaderboard"),
    Route(
        f"{A}/public/verify",
        PUBLIC,
        f"{A}/public/verify",
        method="POST",
        body=lambda w: {"phone": "13800000099"},
        ok=(202,),
    ),
    Route(
        f"{A}/public/verify/confirm",
        PUBLIC,
        f"{A}/public/verify/confirm",
        method="POST",
        body=lambda w: {"phone": "13800000099", "code": "000000"},
        ok=(400,),
    ),
    Route(
        f"{A}/public/alerts",
        PUBLIC,
        f"{A}/public/alerts",
        method="POST",
        body=lambda w: {
            "channel": "email",
            "address": "b@example.cn",
            "center": list(POINT_A),
            "radius_m": 500,
        },
        ok=(201,),
        state=lambda w: AlertSubscription.objects.count(),
    ),
    Route(
        f"{A}/public/alerts/confirm",
        PUBLIC,
        f"{A}/public/alerts/confirm",
        method="POST",
        body=lambda w: {"token": w.participation.alert.token, "code": "000000"},
        ok=(400,),
    ),
    Route(
        f"{A}/public/alerts/cancel",
        PUBLIC,
        f"{A}/public/alerts/cancel",
        method="POST",
        body=lambda w: {"token": w.participation.alert.token},
    ),
    Route(f"{A}/public/activities", PUBLIC, f"{A}/public/activities"),
    Route(f"{A}/public/surveys", PUBLIC, f"{A}/public/surveys"),
    _citizen(f"{A}/public/me", f"{A}/public/me", method="GET"),
    _citizen(f"{A}/public/me/suggestions", f"{A}/public/me/suggestions", method="GET"),
    _citizen(f"{A}/public/me/nickname", f"{A}/public/me/nickname", body={"nickname": "小王"}),
    _citizen(
        f"{A}/public/volunteers",
        f"{A}/public/volunteers",
        body={"kind": "volunteer", "name": "x", "street": "990100001"},
    ),
    _citizen(
        f"{A}/public/activities/{{activity_id}}/signup", f"{A}/public/activities/{P}.activity.pk}}/signup"
    ),
    _citizen(
        f"{A}/public/activities/{{activity_id}}/cancel", f"{A}/public/activities/{P}.activity.pk}}/cancel"
    ),
    _citizen(
        f"{A}/public/activities/{{activity_id}}/cleanups",
        f"{A}/public/activities/{P}.activity.pk}}/cleanups",
        body={"refuse_kg": "1", "spots_cleaned": 1},
    ),
    _citizen(
        f"{A}/public/visits", f"{A}/public/visits", body={"place": "x", "at": "2026-12-01T10:00:00+08:00"}
    ),
    _citizen(f"{A}/public/suggestions", f"{A}/public/suggestions", body={"title": "x", "text": "y"}),
    _citizen(
        f"{A}/public/surveys/{{survey_id}}/answers",
        f"{A}/public/surveys/{P}.survey.pk}}/answers",
        body={"community": "990100001001", "answers": {}},
    ),
    # staff
    Route(
        f"{A}/participation/volunteers",
        PRIVATE,
        f"{A}/participation/volunteers",
        inside="street_a_manager",
        outside="street_b_manager",
        scope="list",
        marker="待审志愿者",
        needs=("participation",),
    ),
    Route(
        f"{A}/participation/volunteers/{{volunteer_id}}/decision",
        PRIVATE,
        f"{A}/participation/volunteers/{P}.pending.pk}}/decision",
        method="POST",
        body=lambda w: {"approve": True},
        inside="street_a_manager",
        outside="street_b_manager",
        state=lambda w: w.field(Volunteer, w.participation.pending.pk, "status"),
    ),
    Route(
        f"{A}/participation/activities",
        PRIVATE,
        f"{A}/participation/activities",
        inside="street_a_manager",
        outside="street_b_manager",
        scope="list",
        marker="activity-a",
        needs=("participation",),
    ),
    Route(
        f"{A}/participation/activities",
        PRIVATE,
        f"{A}/participation/activities",
        method="POST",
        label="create",
        body=lambda w: {
            "title": "新活动",
            "street": w.org.street_a.code,
            "place": "广场",
            "capacity": 3,
            "starts_at": "2030-01-01T09:00:00+08:00",
            "ends_at": "2030-01-01T11:00:00+08:00",
        },
        inside="street_a_manager",
        outside="street_b_manager",
        ok=(201,),
        state=lambda w: (Activity.objects.count(), Survey.objects.count()),
    ),
    Route(
        f"{A}/participation/activities/{{activity_id}}",
        PRIVATE,
        f"{A}/participation/activities/{P}.activity.pk}}",
        inside="street_a_manager",
        outside="street_b_manager",
        marker="activity-a",
    ),
    Route(
        f"{A}/participation/activities/{{activity_id}}",
        PRIVATE,
        f"{A}/participation/activities/{P}.activity.pk}}",
        method="PUT",
        body=lambda w: {
            "title": "改名活动",
            "street": w.org.street_a.code,
            "place": "广场",
            "capacity": 6,
            "starts_at": "2030-01-01T09:00:00+08:00",
            "ends_at": "2030-01-01T11:00:00+08:00",
        },
        inside="street_a_manager",
        outside="street_b_manager",
        state=lambda w: w.field(Activity, w.participation.activity.pk, "title"),
    ),
    Route(
        f"{A}/participation/signups/{{signup_id}}/attendance",
        PRIVATE,
        f"{A}/participation/signups/{P}.signup.pk}}/attendance",
        method="POST",
        body=lambda w: {"attended": True, "hours": "2"},
        inside="street_a_manager",
        outside="street_b_manager",
        state=lambda w: w.field(Signup, w.participation.signup.pk, "attended"),
    ),
    Route(
        f"{A}/participation/suggestions",
        PRIVATE,
        f"{A}/participation/suggestions",
        inside="street_a_manager",
        outside="street_b_manager",
        scope="list",
        marker="suggestion-a",
        needs=("participation",),
    ),
    Route(
        f"{A}/participation/suggestions/{{suggestion_id}}/answer",
        PRIVATE,
        f"{A}/participation/suggestions/{P}.suggestion.pk}}/answer",
        method="POST",
        body=lambda w: {"answer": "已办"},
        inside="street_a_manager",
        outside="street_b_manager",
        state=lambda w: w.field(Suggestion, w.participation.suggestion.pk, "answer"),
    ),
    Route(
        f"{A}/participation/surveys",
        PRIVATE,
        f"{A}/participation/surveys",
        inside="street_a_manager",
        outside="street_b_manager",
        scope="list",
        marker="survey-a",
        needs=("participation",),
    ),
    Route(
        f"{A}/participation/surveys",
        PRIVATE,
        f"{A}/participation/surveys",
        method="POST",
        label="create",
        body=lambda w: {
            "title": "新调查",
            "month": "2030-01-01",
            "area": w.org.street_a.code,
            "questions": [{"text": "满意吗", "kind": "rating"}],
        },
        inside="street_a_manager",
        outside="street_b_manager",
        ok=(201,),
        state=lambda w: (Activity.objects.count(), Survey.objects.count()),
    ),
    Route(
        f"{A}/participation/surveys/{{survey_id}}",
        PRIVATE,
        f"{A}/participation/surveys/{P}.survey.pk}}",
        method="PUT",
        body=lambda w: {
            "title": "改名调查",
            "month": "2030-01-01",
            "area": w.org.street_a.code,
            "status": "draft",
        },
        inside="street_a_manager",
        outside="street_b_manager",
        state=lambda w: w.field(Survey, w.participation.survey.pk, "title"),
    ),
    Route(
        f"{A}/participation/surveys/{{survey_id}}/results",
        PRIVATE,
        f"{A}/participation/surveys/{P}.survey.pk}}/results",
        inside="street_a_manager",
        outside="street_b_manager",
    ),
    Route(
        f"{A}/participation/settings",
        PRIVATE,
        f"{A}/participation/settings",
        inside="street_a_manager",
        why="one city-wide setting: every signed-in user reads it",
    ),
    Route(
        f"{A}/participation/settings",
        PRIVATE,
        f"{A}/participation/settings",
        method="PUT",
        body=lambda w: {"leaderboard_enabled": True, "staff_photos_public": False},
        inside="leader",
        why="one city-wide switch: leaders anywhere and administrators change it (others get 403)",
    ),
]

PARTICIPATION_PAGE_ROUTES: list[Route] = [
    Route("public/map/", PUBLIC, "/public/map/"),
    Route("public/map/points.json", PUBLIC, f"/public/map/points.json?{BOX}", needs=("case_a",)),
    Route("public/map/list/", PUBLIC, f"/public/map/list/?{BOX}", needs=("case_a",)),
    Route("public/map/cases/<str:number>/", PUBLIC, "/public/map/cases/{w.case_a.number}/"),
    Route(
        "public/map/cases/<str:number>/", PUBLIC, f"/public/map/cases/{UNKNOWN}/", ok=(404,), label="unknown"
    ),
    Route(
        "public/map/cases/<str:number>/photos/<int:pk>/",
        PUBLIC,
        "/public/map/cases/{w.photo_a.case.number}/photos/{w.photo_a.pk}/",
        ok=(404,),
        label="no consent: not found",
    ),
    Route(
        "public/alerts/",
        PUBLIC,
        "/public/alerts/",
        method="POST",
        body=lambda w: {
            "channel": "email",
            "address": "c@example.cn",
            "lon": POINT_A[0],
            "lat": POINT_A[1],
            "radius_m": "500",
        },
        ok=(302,),
        state=lambda w: AlertSubscription.objects.count(),
    ),
    Route(
        "public/alerts/<str:token>/confirm/", PUBLIC, "/public/alerts/{w.participation.alert.token}/confirm/"
    ),
    Route(
        "public/alerts/<str:token>/cancel/", PUBLIC, "/public/alerts/{w.participation.alert.token}/cancel/"
    ),
    Route("public/phone/", PUBLIC, "/public/phone/"),
    Route("public/me/", PUBLIC, "/public/me/", ok=(302,), label="to the phone page"),
    Route(
        "public/activities/<int:pk>/signup/",
        PUBLIC,
        "/public/activities/{w.participation.activity.pk}/signup/",
        method="POST",
        body=lambda w: {},
        ok=(302,),
        # Without a verified phone nothing is written: the citizen is sent to prove it first.
        label="to the phone page",
    ),
    Route(
        "public/activities/<int:pk>/cleanup/",
        PUBLIC,
        "/public/activities/{w.participation.activity.pk}/cleanup/",
        ok=(302,),
        label="to the phone page",
    ),
    Route("public/suggestions/", PUBLIC, "/public/suggestions/", ok=(302,), label="to the phone page"),
    Route("public/visits/", PUBLIC, "/public/visits/", ok=(302,), label="to the phone page"),
    Route(
        "public/surveys/<int:pk>/",
        PUBLIC,
        "/public/surveys/{w.participation.survey.pk}/",
        ok=(302,),
        label="to the phone page",
    ),
    Route("public/leaderboard/", PUBLIC, "/public/leaderboard/", ok=(404,), label="switched off"),
    Route(
        "participation/",
        PRIVATE,
        "/participation/",
        inside="street_a_manager",
        outside="street_b_manager",
        scope="list",
        marker="待审志愿者",
        needs=("participation",),
    ),
    Route(
        "participation/activities/<int:pk>/",
        PRIVATE,
        "/participation/activities/{w.participation.activity.pk}/",
        inside="street_a_manager",
        outside="street_b_manager",
    ),
    Route(
        "participation/surveys/<int:pk>/",
        PRIVATE,
        "/participation/surveys/{w.participation.survey.pk}/",
        inside="street_a_manager",
        outside="street_b_manager",
    ),
    Route(
        "participation/cleanup-photos/<int:pk>/",
        PRIVATE,
        "/participation/cleanup-photos/{w.participation.photo.pk}/",
        inside="street_a_manager",
        outside="street_b_manager",
    ),
]
