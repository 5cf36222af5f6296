"""``/api/v1/evaluations``: rankings per subject, a score's breakdown, the cases behind a count, the
deduction table, trends, exports, and (for leaders and administrators) compute, publish, adjust."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from cityloop.cases.models import Case
from cityloop.core.models import Unit, User
from cityloop.core.permissions import jurisdiction_paths
from cityloop.evaluation import actions, reading
from cityloop.evaluation.exports import excel, pdf, tables
from cityloop.evaluation.models import EvaluationRun
from cityloop.evaluation.periods import parse_period

from .errors import ApiError
from .pagination import Paged

router = Router(tags=["evaluation"])

PeriodText = Annotated[
    str,
    Field(
        pattern=r"^(19|2[0-9])[0-9]{2}(-(0?[1-9]|1[0-2]|[Qq][1-4]))?$",
        max_length=7,
        description="a month 2026-10, a quarter 2026-Q4 or a year 2026 (years 1900–2999)",
    ),
]


class RunOut(Schema):
    id: int
    period: str
    scope: str
    scope_name: str
    status: str
    as_of: dt.datetime
    computed_at: dt.datetime
    published_at: dt.datetime | None
    schemes: dict[str, Any]


def run_out(run: EvaluationRun) -> dict[str, Any]:
    return {
        "id": run.pk,
        "period": run.period,
        "scope": run.scope.code,
        "scope_name": run.scope.name,
        "status": run.status,
        "as_of": run.as_of,
        "computed_at": run.computed_at,
        "published_at": run.published_at,
        "schemes": run.schemes,
    }


class ScoreOut(Schema):
    id: int
    subject: str
    label: str
    code: str
    group: str
    group_label: str
    index: Decimal | None
    grade: str
    rank: int | None
    ranked: bool
    note: str
    unit: str | None = Field(None, alias="unit.code")
    user_id: int | None
    grid_id: int | None
    parts: list[dict[str, Any]]


class RankingOut(Schema):
    run: RunOut
    subject: str
    scores: list[ScoreOut]


class RankingQuery(Schema):
    period: PeriodText
    subject: str = Field(
        "department",
        description="supervisor, operator, shift_leader, dispatcher, department, district (in a city's "
        "evaluation), street, community or grid",
    )
    scope: str | None = Field(
        None, description="code of the evaluated city or district (default: the widest you see)"
    )
    group: str | None = None


@router.get("/evaluations", response=RankingOut, summary="Rankings of one subject for a period")
def list_scores(request: HttpRequest, q: Query[RankingQuery]) -> dict[str, Any]:
    run = reading.find_run(q.period, request.user, q.scope)
    scores = reading.rankings(run, q.subject, request.user, q.group)
    return {"run": run_out(run), "subject": q.subject, "scores": list(scores)}


class BreakdownOut(Schema):
    score: ScoreOut
    run: RunOut
    scheme: dict[str, Any]
    measures: dict[str, int]
    measure_labels: dict[str, str]


@router.get(
    "/evaluations/scores/{score_id}",
    response=BreakdownOut,
    summary="A score opened down to its parts and counts",
)
def breakdown(request: HttpRequest, score_id: int) -> dict[str, Any]:
    score = reading.score_for(score_id, request.user)
    return {
        "score": score,
        "run": run_out(score.run),
        "scheme": score.scheme.ref(),
        "measures": score.measures,
        "measure_labels": {k: reading.measure_label(score.subject, k) for k in score.measures},
    }


class CaseRow(Schema):
    id: int
    number: str
    state: str
    reported_at: dt.datetime
    closed_at: dt.datetime | None
    street: str | None = Field(None, alias="street.name")
    community: str | None = Field(None, alias="community.name")
    responsible_unit: str | None = Field(None, alias="responsible_unit.name")


@router.get(
    "/evaluations/scores/{score_id}/cases",
    response=list[CaseRow],
    summary="The cases behind one count of a score (those in your jurisdiction)",
)
@paginate(Paged)
def cases_behind(request: HttpRequest, score_id: int, measure: str) -> QuerySet[Case]:
    score = reading.score_for(score_id, request.user)
    return reading.cases_behind(score, measure, request.user).cases


class DeductionOut(Schema):
    unit: str = Field(..., alias="unit.code")
    label: str
    group: str
    rank: int | None
    parts: list[dict[str, Any]]
    base_points: Decimal
    bonus_points: Decimal
    adjustment_points: Decimal
    final_points: Decimal
    deducted_points: Decimal
    reward_yuan: Decimal


class DeductionTableOut(Schema):
    run: RunOut
    lines: list[DeductionOut]


@router.get(
    "/evaluations/deductions", response=DeductionTableOut, summary="The period's deduction table (扣分制)"
)
def deduction_table(request: HttpRequest, period: PeriodText, scope: str | None = None) -> dict[str, Any]:
    run = reading.find_run(period, request.user, scope)
    return {"run": run_out(run), "lines": list(reading.deductions(run, request.user).select_related("unit"))}


@router.get("/evaluations/trend", response=list[dict[str, Any]], summary="Index over the last periods")
def trend(
    request: HttpRequest,
    period: PeriodText,
    subject: str = "department",
    scope: str | None = None,
    key: int | None = None,
    count: int = 12,
) -> list[dict[str, Any]]:
    run = reading.find_run(period, request.user, scope)
    current = parse_period(period)
    if not 1 <= count <= 36:
        raise ApiError(400, "count: ask for 1 to 36 periods")
    return reading.trend(run.scope, subject, request.user, [*current.previous(count - 1), current], key)


@router.get("/evaluations/export.xlsx", summary="Every table of the period as an Excel workbook")
def export_excel(
    request: HttpRequest, period: PeriodText, subject: str | None = None, scope: str | None = None
) -> HttpResponse:
    run = reading.find_run(period, request.user, scope)
    chosen = [reading.check_subject(subject, run.scope)] if subject else None
    content = excel.workbook(tables.all_tables(run, request.user, chosen))
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        f'attachment; filename="evaluation-{run.period}-{subject or "all"}.xlsx"'
    )
    return response


@router.get("/evaluations/report.pdf", summary="The period's report in Chinese (PDF)")
def export_pdf(request: HttpRequest, period: PeriodText, scope: str | None = None) -> HttpResponse:
    run = reading.find_run(period, request.user, scope)
    response = HttpResponse(pdf.monthly_report(run, request.user), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="evaluation-{run.period}.pdf"'
    return response


def _require_manager(user: Any, scope: Unit) -> User:
    """Leaders and administrators whose jurisdiction covers the evaluated area."""
    if not isinstance(user, User):
        raise PermissionDenied("sign in")
    if user.is_superuser:
        return user
    if not any(scope.path.startswith(p) for p in jurisdiction_paths(user, {"leader", "admin"})):
        raise PermissionDenied(
            f"computing and publishing the evaluation of {scope.name} needs a leader or administrator there"
        )
    return user


class ComputeIn(Schema):
    period: PeriodText
    scope: str | None = None
    subjects: list[str] | None = None


class ComputeOut(Schema):
    run: RunOut
    differences: list[dict[str, Any]] | None
    warnings: list[str]


def _scope(code: str | None) -> Unit:
    from cityloop.evaluation.compute import default_scope

    if code is None:
        return default_scope()
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise ApiError(400, f"scope: no unit with code {code}")
    return unit


@router.post(
    "/evaluations/compute", response=ComputeOut, summary="Compute a draft (or compare a published period)"
)
def compute(request: HttpRequest, body: ComputeIn) -> dict[str, Any]:
    scope = _scope(body.scope)
    actor = _require_manager(request.user, scope)
    outcome = actions.compute_period(actor=actor, period=body.period, scope=scope, subjects=body.subjects)
    diffs = None
    if outcome.differences is not None:
        diffs = [
            {**d.__dict__, "published": str(d.published), "now": str(d.now)} for d in outcome.differences
        ]
    return {"run": run_out(outcome.run), "differences": diffs, "warnings": outcome.warnings}


class PublishIn(Schema):
    period: PeriodText
    scope: str | None = None


@router.post(
    "/evaluations/publish", response=RunOut, summary="Publish a computed draft (it never changes again)"
)
def publish(request: HttpRequest, body: PublishIn) -> dict[str, Any]:
    run = reading.find_run(body.period, request.user, body.scope)
    actor = _require_manager(request.user, run.scope)
    return run_out(actions.publish_period(actor=actor, run=run))


class AdjustIn(Schema):
    period: PeriodText
    unit: str = Field(..., description="code of the unit")
    points: float = Field(..., ge=-9999.99, le=9999.99, description="points added (negative: taken off)")
    reason: str = Field(..., max_length=4000)
    part: str = ""
    scope: str | None = None


@router.post(
    "/evaluations/adjustments",
    response={201: dict[str, Any]},
    summary="Adjust a unit's deduction score (reason required)",
)
def adjust(request: HttpRequest, body: AdjustIn) -> Status[dict[str, Any]]:
    run = reading.find_run(body.period, request.user, body.scope)
    actor = _require_manager(request.user, run.scope)
    unit = Unit.objects.filter(code=body.unit).first()
    if unit is None:
        raise ApiError(400, f"unit: no unit with code {body.unit}")
    adjustment = actions.adjust_deduction(
        actor=actor,
        run=run,
        unit=unit,
        points=Decimal(f"{body.points:.2f}"),
        reason=body.reason,
        part=body.part,
    )
    line = run.deductions.get(unit=unit)
    return Status(
        201,
        {"id": adjustment.pk, "final_points": str(line.final_points), "reward_yuan": str(line.reward_yuan)},
    )
