"""Monthly satisfaction surveys: staff write a questionnaire for an area (questions as data) and open
it; a citizen with a verified phone answers it once, naming the community they live in; results are
kept per street and community and feed the monthly evaluation (measures ``survey_answers`` and
``survey_satisfied``).

A response's score is the mean of its rating answers (1–5) on a 0–100 scale; a response scoring
``SATISFIED_FROM`` or more (a mean of 4 "satisfied" or better) counts as satisfied.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone

from cityloop.core.audit import domain_action, record, snapshot
from cityloop.core.models import Unit, UnitKind, User

from .models import Citizen, Question, Survey, SurveyResponse
from .models.surveys import QuestionKind, SurveyStatus

SATISFIED_FROM = 75.0
MAX_QUESTIONS = 30


def _check_questions(questions: Sequence[dict[str, Any]]) -> None:
    if not 1 <= len(questions) <= MAX_QUESTIONS:
        raise ValidationError({"questions": f"问卷应有1到{MAX_QUESTIONS}个问题"})
    for i, q in enumerate(questions):
        if not str(q.get("text") or "").strip():
            raise ValidationError({f"questions.{i}.text": "请填写问题"})
        if q.get("kind") not in QuestionKind.values:
            raise ValidationError({f"questions.{i}.kind": "rating、choice 或 text"})
        choices = q.get("choices") or []
        if q["kind"] == QuestionKind.CHOICE and not 2 <= len(choices) <= 10:
            raise ValidationError({f"questions.{i}.choices": "选择题应有2到10个选项"})


@domain_action
def save_survey(
    *,
    actor: User,
    survey: Survey | None = None,
    title: str,
    month: dt.date,
    area: Unit,
    status: str = SurveyStatus.DRAFT,
    questions: Sequence[dict[str, Any]] | None = None,
) -> Survey:
    """Create or change a survey. Its questions change only while it is a draft (answers refer to
    them); opening and closing it is a change of status."""
    if area.kind not in (UnitKind.DISTRICT, UnitKind.STREET, UnitKind.CITY):
        raise ValidationError({"area": "调查范围应是区、街道或全市"})
    if status not in SurveyStatus.values:
        raise ValidationError({"status": "draft、open 或 closed"})
    if not title.strip():
        raise ValidationError({"title": "请填写标题"})
    before = snapshot(survey) if survey and survey.pk else None
    if survey is not None and survey.pk and survey.status != SurveyStatus.DRAFT and questions is not None:
        raise ValidationError({"questions": "问卷发布后不能修改问题"})
    survey = survey or Survey(created_by=actor)
    survey.title, survey.month, survey.area, survey.status = (
        title.strip()[:100],
        month.replace(day=1),
        area,
        status,
    )
    survey.save()
    if questions is not None:
        _check_questions(questions)
        survey.questions.all().delete()
        Question.objects.bulk_create(
            [
                Question(
                    survey=survey,
                    order=i,
                    text=str(q["text"]).strip()[:200],
                    kind=q["kind"],
                    choices=[str(c)[:50] for c in (q.get("choices") or [])],
                    required=bool(q.get("required", True)),
                )
                for i, q in enumerate(questions)
            ]
        )
    if status == SurveyStatus.OPEN and not survey.questions.exists():
        raise ValidationError({"questions": "问卷没有问题，不能发布"})
    after = {**snapshot(survey), "questions": survey.questions.count()}
    record(actor, "participation.survey.save", survey, before=before, after=after)
    return survey


def score_answers(
    questions: Sequence[Question], answers: dict[str, Any]
) -> tuple[dict[str, Any], float | None]:
    """The answers kept (by question id) and the score; a field error for a missing or wrong one."""
    kept: dict[str, Any] = {}
    ratings: list[int] = []
    for q in questions:
        value = answers.get(str(q.pk))
        if value in (None, ""):
            if q.required:
                raise ValidationError({f"answers.{q.pk}": "请回答此题"})
            continue
        if q.kind == QuestionKind.RATING:
            if not isinstance(value, int | str) or str(value) not in {"1", "2", "3", "4", "5"}:
                raise ValidationError({f"answers.{q.pk}": "请选择1到5分"})
            ratings.append(int(value))
            kept[str(q.pk)] = int(value)
        elif q.kind == QuestionKind.CHOICE:
            if value not in q.choices:
                raise ValidationError({f"answers.{q.pk}": "请从选项中选择"})
            kept[str(q.pk)] = value
        else:
            kept[str(q.pk)] = str(value).strip()[:500]
    score = round((sum(ratings) / len(ratings) - 1) * 25, 2) if ratings else None
    return kept, score


@domain_action
def answer_survey(
    *,
    actor: User,
    survey: Survey,
    citizen: Citizen,
    community: Unit,
    answers: dict[str, Any],
    now: dt.datetime | None = None,
) -> SurveyResponse:
    """A verified phone answers an open survey once, for the community it lives in (in the area)."""
    if survey.status != SurveyStatus.OPEN:
        raise ValidationError({"survey": "该调查未开放"})
    if community.kind != UnitKind.COMMUNITY or not community.path.startswith(survey.area.path):
        raise ValidationError({"community": "请选择调查范围内的社区"})
    kept, score = score_answers(list(survey.questions.all()), answers)
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                survey=survey,
                phone=citizen.phone,
                street_id=int(community.parent_id or 0),
                community=community,
                answers=kept,
                score=score,
                at=now or timezone.now(),
            )
    except IntegrityError:
        raise ValidationError({"phone": "该手机号已参与本次调查"}) from None
    record(actor, "participation.survey.answer", response, after={"survey": survey.pk, "score": score})
    return response


def results(survey: Survey) -> dict[str, Any]:
    """Answers, mean score and satisfied share per street and per community, and per rating question."""
    rows = survey.responses.all()
    satisfied = Count("pk", filter=Q(score__gte=SATISFIED_FROM))

    def grouped(field: str) -> list[dict[str, Any]]:
        out = []
        for r in (
            rows.order_by()
            .values(field, f"{field}__name")
            .annotate(answers=Count("pk"), mean=Avg("score"), satisfied=satisfied)
            .order_by(f"{field}__name")
        ):
            out.append(
                {
                    "unit": r[f"{field}__name"],
                    "answers": r["answers"],
                    "mean_score": round(r["mean"], 2) if r["mean"] is not None else None,
                    "satisfied": r["satisfied"],
                }
            )
        return out

    questions = []
    for q in survey.questions.all():
        values = [r[str(q.pk)] for r in rows.values_list("answers", flat=True) if str(q.pk) in r]
        entry: dict[str, Any] = {"id": q.pk, "text": q.text, "kind": q.kind, "answers": len(values)}
        if q.kind == QuestionKind.RATING and values:
            entry["mean"] = round(sum(values) / len(values), 2)
        if q.kind == QuestionKind.CHOICE:
            entry["counts"] = {c: values.count(c) for c in q.choices}
        questions.append(entry)
    return {
        "answers": rows.count(),
        "streets": grouped("street"),
        "communities": grouped("community"),
        "questions": questions,
    }
