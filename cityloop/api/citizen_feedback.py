"""``/api/v1/public``, the citizen's say (with a verified phone, ``X-Citizen-Token``): suggestions to
the city and their answers, and the surveys open now with answering one (once per phone). The
citizen's points and volunteering are in :mod:`.citizens`."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from cityloop.core.audit import public_actor
from cityloop.participation import actions, surveys
from cityloop.participation.models import Survey
from cityloop.participation.models.surveys import SurveyStatus

from .auth import PUBLIC_OR_AUTH
from .citizens import TOKEN, citizen_of
from .errors import ApiError
from .public import limit_writes
from .unit_codes import required_unit, unit_by_code

router = Router(tags=["public"])


class SuggestionIn(Schema):
    title: str = Field(..., min_length=1, max_length=100)
    text: str = Field(..., min_length=1, max_length=2000)
    street: str | None = Field(None, max_length=32)


class SuggestionOut(Schema):
    id: int
    title: str
    text: str
    created_at: dt.datetime
    answer: str
    answered_at: dt.datetime | None


@router.post("/suggestions", response={201: SuggestionOut}, auth=PUBLIC_OR_AUTH, summary="Send a suggestion")
def suggest(request: HttpRequest, body: SuggestionIn, token: str = TOKEN) -> Status[Any]:
    citizen = citizen_of(token)
    limit_writes(request)
    done = actions.submit_suggestion(
        actor=public_actor(),
        citizen=citizen,
        title=body.title,
        text=body.text,
        street=unit_by_code(body.street, "street"),
    )
    return Status(201, done)


@router.get(
    "/me/suggestions",
    response=list[SuggestionOut],
    auth=PUBLIC_OR_AUTH,
    summary="Your suggestions and their answers",
)
def my_suggestions(request: HttpRequest, token: str = TOKEN) -> Any:
    return list(citizen_of(token).suggestions.all()[:100])


class QuestionOut(Schema):
    id: int
    text: str
    kind: str
    choices: list[str]
    required: bool


class PublicSurveyOut(Schema):
    id: int
    title: str
    month: dt.date
    area: str
    area_name: str
    questions: list[QuestionOut]


def survey_out(s: Survey) -> dict[str, Any]:
    return {
        "id": s.pk,
        "title": s.title,
        "month": s.month,
        "area": s.area.code,
        "area_name": s.area.name,
        "questions": list(s.questions.values("id", "text", "kind", "choices", "required")),
    }


@router.get("/surveys", response=list[PublicSurveyOut], auth=PUBLIC_OR_AUTH, summary="Surveys open now")
def open_surveys(request: HttpRequest) -> list[dict[str, Any]]:
    qs = Survey.objects.filter(status=SurveyStatus.OPEN).select_related("area").order_by("-month")[:50]
    return [survey_out(s) for s in qs]


class AnswersIn(Schema):
    community: str = Field(..., max_length=32, description="the code of the community you live in")
    answers: dict[str, int | str] = Field(..., max_length=30, description="question id → answer")


class AnsweredOut(Schema):
    survey: int
    score: float | None


@router.post(
    "/surveys/{survey_id}/answers",
    response={201: AnsweredOut},
    auth=PUBLIC_OR_AUTH,
    summary="Answer a survey (once per phone)",
)
def answer(
    request: HttpRequest, survey_id: int, body: AnswersIn, token: str = TOKEN
) -> Status[dict[str, Any]]:
    citizen = citizen_of(token)
    limit_writes(request)
    survey = Survey.objects.select_related("area").filter(pk=survey_id).first()
    if survey is None:
        raise ApiError(404, f"no survey {survey_id}")
    community = required_unit(body.community, "community")
    for value in body.answers.values():
        if isinstance(value, str) and len(value) > 500:
            raise ApiError(400, "answers: at most 500 characters an answer", field="answers")
    done = surveys.answer_survey(
        actor=public_actor(), survey=survey, citizen=citizen, community=community, answers=body.answers
    )
    return Status(201, {"survey": survey.pk, "score": done.score})
