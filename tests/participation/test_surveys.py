"""Satisfaction surveys: questions as data, one answer per verified phone, results per street and
community, and the monthly evaluation's survey measures recomputed independently."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cityloop.core.audit import public_actor
from cityloop.evaluation.compute import evaluate
from cityloop.evaluation.periods import parse_period
from cityloop.participation import surveys, verification
from cityloop.participation.models import Survey, SurveyResponse
from tests.evaluation.conftest import AFTER, PERIOD, no_minimums  # noqa: F401 (fixture)
from tests.evaluation.test_worked_examples import one

from .conftest import PHONE, Loop, token_for

pytestmark = pytest.mark.django_db

QUESTIONS = [
    {"text": "您对街面环境卫生是否满意", "kind": "rating"},
    {"text": "最需要改进的是", "kind": "choice", "choices": ["垃圾清运", "占道经营", "噪音"]},
    {"text": "其他意见", "kind": "text", "required": False},
]


def open_survey(loop: Loop, month: dt.date = dt.date(2026, 10, 1)) -> Survey:
    manager = loop.users["leader"]
    made = surveys.save_survey(
        actor=manager, title="十月满意度调查", month=month, area=loop.org.district, questions=QUESTIONS
    )
    with pytest.raises(ValidationError):  # no question changes once open
        made2 = surveys.save_survey(
            actor=manager, survey=made, title=made.title, month=month, area=made.area, status="open"
        )
        surveys.save_survey(
            actor=manager,
            survey=made2,
            title=made.title,
            month=month,
            area=made.area,
            status="open",
            questions=QUESTIONS,
        )
    made.refresh_from_db()
    return made


def answer(
    survey: Survey, phone: str, community: Any, rating: int, at: dt.datetime | None = None
) -> SurveyResponse:
    q = {x.kind: x for x in survey.questions.all()}
    return surveys.answer_survey(
        actor=public_actor(),
        survey=survey,
        citizen=verification.verified_citizen(phone),
        community=community,
        answers={str(q["rating"].pk): rating, str(q["choice"].pk): "噪音"},
        now=at,
    )


def test_one_answer_per_phone_and_results_per_area(loop: Loop, api_as: Any) -> None:
    survey = open_survey(loop)
    api = api_as(None)
    api.headers["X-Citizen-Token"] = token_for(PHONE)
    q = {x.kind: x for x in survey.questions.all()}
    body = {
        "community": loop.org.community_a.code,
        "answers": {str(q["rating"].pk): 5, str(q["choice"].pk): "噪音"},
    }
    assert api.get("/api/v1/public/surveys").json()[0]["id"] == survey.pk
    done = api.post(f"/api/v1/public/surveys/{survey.pk}/answers", body)
    assert done.status_code == 201 and done.json()["score"] == 100.0
    again = api.post(f"/api/v1/public/surveys/{survey.pk}/answers", body)
    assert again.status_code == 400 and "phone" in again.content.decode()
    bad = api.post(
        f"/api/v1/public/surveys/{survey.pk}/answers", {**body, "answers": {str(q["rating"].pk): 9}}
    )
    assert bad.status_code == 400
    answer(survey, "13900000001", loop.org.community_b, 2)
    results = api_as(loop.users["leader"]).get(f"/api/v1/participation/surveys/{survey.pk}/results").json()
    assert {r["unit"]: r["mean_score"] for r in results["streets"]} == {"东街道": 100.0, "西街道": 25.0}
    assert results["questions"][1]["counts"]["噪音"] == 2
    assert (
        api_as(loop.users["street_b_manager"])
        .get(f"/api/v1/participation/surveys/{survey.pk}/results")
        .status_code
        == 404
    )


def test_evaluation_counts_survey_answers_recomputed_independently(loop: Loop, no_minimums: None) -> None:  # noqa: F811
    survey = open_survey(loop)
    when = timezone.make_aware(dt.datetime(2026, 10, 20, 10))
    ratings = {
        "13900000001": (loop.org.community_a, 5),
        "13900000002": (loop.org.community_a, 3),
        "13900000003": (loop.org.community_a, 4),
        "13900000004": (loop.org.community_b, 1),
    }
    for phone, (community, rating) in ratings.items():
        answer(survey, phone, community, rating, at=when)
    # Another month's survey does not count in October.
    november = surveys.save_survey(
        actor=loop.users["leader"],
        title="十一月",
        month=dt.date(2026, 11, 1),
        area=loop.org.district,
        questions=QUESTIONS,
    )
    surveys.save_survey(
        actor=loop.users["leader"],
        survey=november,
        title="十一月",
        month=november.month,
        area=november.area,
        status="open",
    )
    answer(november, "13900000005", loop.org.community_a, 5, at=AFTER)
    result = evaluate(parse_period(PERIOD), loop.org.city, now=AFTER)
    # By hand: score = (rating - 1) * 25; satisfied from 75, i.e. ratings 5 and 4.
    expected = {"东街道": (3, 2), "东一社区": (3, 2), "西街道": (1, 0), "西一社区": (1, 0)}
    for label, (answers, satisfied) in expected.items():
        kind = "street" if label.endswith("街道") else "community"
        counts = one(result, kind, label).subject.counts
        assert (counts["survey_answers"], counts["survey_satisfied"]) == (answers, satisfied), label
    district = one(result, "district", "示范区").subject.counts
    assert (district["survey_answers"], district["survey_satisfied"]) == (4, 2)
