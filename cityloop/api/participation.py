"""``/api/v1/participation``: staff answer suggestions, edit surveys and read their results, and
switch the leaderboard and public photos. Every list is the caller's jurisdiction (``restrict``);
writes need ``manage``. Volunteers and activities are in :mod:`.participation_volunteering`, which
shares the helpers here."""

import datetime as dt
from typing import Annotated, Any, Literal

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate

from cityloop.core.models import Role, Unit, User
from cityloop.core.permissions import has_role, restrict
from cityloop.participation import actions, points, surveys
from cityloop.participation.models import CitySetting, Suggestion, Survey

from .citizen_feedback import QuestionOut
from .errors import ApiError
from .pagination import Paged
from .unit_codes import required_unit

router = Router(tags=["participation"])


def _staff(request: HttpRequest) -> User:
    """The signed-in staff user (the routers' auth guarantees one)."""
    user = request.user
    assert isinstance(user, User)
    return user


def _one(request: HttpRequest, qs: QuerySet[Any], pk: int, action: str = "view") -> Any:
    found = restrict(qs, request.user, action).filter(pk=pk).first()
    if found is None:
        what = qs.model._meta.verbose_name
        if restrict(qs, request.user, "view").filter(pk=pk).exists():
            raise ApiError(403, f"you may not change {what} {pk}")
        raise ApiError(404, f"no {what} {pk} that you may see")
    return found


def _may_manage_unit(request: HttpRequest, model: type[Model], unit: Unit) -> None:
    """A new row of ``unit`` only inside the caller's jurisdiction to manage."""
    from cityloop.core.permissions import jurisdiction_paths, scope_for

    roles = scope_for(model).actions["manage"]
    user = _staff(request)
    if user.is_superuser:
        return
    if not any(unit.path.startswith(p) for p in jurisdiction_paths(user, roles)):
        raise ApiError(403, f"{unit.name} is outside your jurisdiction")


class _Rows:
    def __init__(self, qs: QuerySet[Any], out: Any) -> None:
        self.qs, self.out = qs, out

    def __getitem__(self, key: slice) -> list[dict[str, Any]]:
        return [self.out(x) for x in self.qs[key]]

    def __len__(self) -> int:
        return self.qs.count()


class StaffSuggestionOut(Schema):
    id: int
    title: str
    text: str
    street: str | None
    phone: str = Field(..., description="masked")
    created_at: dt.datetime
    answer: str
    answered_at: dt.datetime | None


def _suggestion_out(s: Suggestion) -> dict[str, Any]:
    return {
        "id": s.pk,
        "title": s.title,
        "text": s.text,
        "street": s.street.code if s.street else None,
        "phone": s.citizen.masked_phone,
        "created_at": s.created_at,
        "answer": s.answer,
        "answered_at": s.answered_at,
    }


@router.get("/suggestions", response=list[StaffSuggestionOut], summary="Suggestions to your streets")
@paginate(Paged)
def suggestions(request: HttpRequest, answered: bool | None = None) -> Any:
    qs = restrict(Suggestion.objects.all(), request.user).select_related("citizen", "street")
    if answered is not None:
        qs = qs.filter(answered_at__isnull=not answered)
    return _Rows(qs, _suggestion_out)


class SuggestionAnswerIn(Schema):
    answer: str = Field(..., min_length=1, max_length=2000)


@router.post(
    "/suggestions/{suggestion_id}/answer", response=StaffSuggestionOut, summary="Answer a suggestion"
)
def answer(request: HttpRequest, suggestion_id: int, body: SuggestionAnswerIn) -> dict[str, Any]:
    found = _one(request, Suggestion.objects.select_related("citizen", "street"), suggestion_id, "manage")
    actions.answer_suggestion(actor=_staff(request), suggestion=found, answer=body.answer)
    return _suggestion_out(found)


class QuestionIn(Schema):
    text: str = Field(..., min_length=1, max_length=200)
    kind: Literal["rating", "choice", "text"]
    choices: list[Annotated[str, Field(min_length=1, max_length=50)]] = Field(
        default_factory=list, max_length=10
    )
    required: bool = True


class SurveyIn(Schema):
    title: str = Field(..., min_length=1, max_length=100)
    month: dt.date
    area: str = Field(..., max_length=32, description="a district or street code")
    status: Literal["draft", "open", "closed"] = "draft"
    questions: list[QuestionIn] | None = Field(None, max_length=30, description="only while a draft")


class SurveyOut(Schema):
    id: int
    title: str
    month: dt.date
    area: str
    status: str
    questions: list[QuestionOut]
    answers: int


def _survey_out(s: Survey) -> dict[str, Any]:
    return {
        "id": s.pk,
        "title": s.title,
        "month": s.month,
        "area": s.area.code,
        "status": s.status,
        "questions": list(s.questions.values("id", "text", "kind", "choices", "required")),
        "answers": s.responses.count(),
    }


def _save_survey(request: HttpRequest, body: SurveyIn, survey: Survey | None) -> Survey:
    area = required_unit(body.area, "area")
    _may_manage_unit(request, Survey, area)
    for i, q in enumerate(body.questions or []):
        if any(len(c) > 50 for c in q.choices):
            raise ApiError(400, f"questions.{i}.choices: at most 50 characters a choice", field="questions")
    return surveys.save_survey(
        actor=_staff(request),
        survey=survey,
        title=body.title,
        month=body.month,
        area=area,
        status=body.status,
        questions=[q.dict() for q in body.questions] if body.questions is not None else None,
    )


@router.get("/surveys", response=list[SurveyOut], summary="Surveys of your area")
@paginate(Paged)
def survey_list(request: HttpRequest) -> Any:
    return _Rows(restrict(Survey.objects.all(), request.user).select_related("area"), _survey_out)


@router.post("/surveys", response={201: SurveyOut}, summary="Create a survey")
def create_survey(request: HttpRequest, body: SurveyIn) -> Status[dict[str, Any]]:
    return Status(201, _survey_out(_save_survey(request, body, None)))


@router.put("/surveys/{survey_id}", response=SurveyOut, summary="Change a survey (questions: drafts only)")
def change_survey(request: HttpRequest, survey_id: int, body: SurveyIn) -> dict[str, Any]:
    found = _one(request, Survey.objects.select_related("area"), survey_id, "manage")
    return _survey_out(_save_survey(request, body, found))


class UnitResultOut(Schema):
    unit: str
    answers: int
    mean_score: float | None
    satisfied: int


class QuestionResultOut(Schema):
    id: int
    text: str
    kind: str
    answers: int
    mean: float | None = None
    counts: dict[str, int] | None = None


class SurveyResultsOut(Schema):
    answers: int
    streets: list[UnitResultOut]
    communities: list[UnitResultOut]
    questions: list[QuestionResultOut]


@router.get(
    "/surveys/{survey_id}/results", response=SurveyResultsOut, summary="Results per street and community"
)
def survey_results(request: HttpRequest, survey_id: int) -> dict[str, Any]:
    return surveys.results(_one(request, Survey.objects.select_related("area"), survey_id))


class SettingsIO(Schema):
    leaderboard_enabled: bool
    staff_photos_public: bool


@router.get("/settings", response=SettingsIO, summary="The city's participation switches")
def get_settings(request: HttpRequest) -> Any:
    return CitySetting.current()


@router.put(
    "/settings",
    response=SettingsIO,
    summary="Switch the leaderboard and staff photos (leaders, administrators)",
)
def put_settings(request: HttpRequest, body: SettingsIO) -> Any:
    if not has_role(request.user, Role.LEADER):
        raise ApiError(403, "only leaders and administrators change these settings")
    return points.save_settings(actor=_staff(request), **body.dict())
