"""Console pages of the evaluation: the list of evaluated periods, rankings per subject with grade
colours and trend charts, a scorecard opened down to its cases, the deduction table, downloads.

Every row comes through ``restrict`` (via :mod:`cityloop.evaluation.reading`); computing,
publishing and adjusting are for leaders and administrators of the evaluated area and go through
the evaluation's actions.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cityloop.core.models import Unit, User
from cityloop.core.permissions import jurisdiction_paths, restrict
from cityloop.evaluation import actions, reading
from cityloop.evaluation.compute import subjects_of
from cityloop.evaluation.exports import excel, pdf, tables
from cityloop.evaluation.models import EvaluationRun, Subject
from cityloop.evaluation.periods import last_complete_month, parse_period

from .labels import english, subject_label, texts

GRADE_CLASS = {"A": "grade-a", "B": "grade-b", "C": "grade-c", "D": "grade-d", "E": "grade-e"}


def _user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("sign in first")
    return user


def _may_manage(user: User, scope: Unit) -> bool:
    return user.is_superuser or any(
        scope.path.startswith(p) for p in jurisdiction_paths(user, {"leader", "admin"})
    )


def _run(request: HttpRequest, period: str) -> EvaluationRun:
    try:
        return reading.find_run(period, request.user, request.GET.get("scope"))
    except (ObjectDoesNotExist, ValidationError) as exc:
        raise Http404(str(exc)) from exc


def _subjects(scope: Unit | None) -> list[tuple[str, str]]:
    """The subjects (key, name) an evaluation of ``scope`` ranks: districts only in a city's."""
    keys = subjects_of(scope) if scope is not None else Subject.values
    return [(s, subject_label(s)) for s in keys]


def _context(request: HttpRequest, **extra: Any) -> dict[str, Any]:
    run = extra.get("run")
    return {"t": texts(), "subjects": _subjects(run.scope if run is not None else None), **extra}


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """The evaluated periods the user may see, newest first, and the form to compute one."""
    user = _user(request)
    runs = list(
        restrict(EvaluationRun.objects.select_related("scope"), user).order_by("-start", "scope__path")[:36]
    )
    scopes = [
        u for u in Unit.objects.filter(kind__in=("city", "district")).order_by("path") if _may_manage(user, u)
    ]
    return render(
        request,
        "web/evaluation/index.html",
        _context(
            request,
            runs=[(r, _subjects(r.scope)) for r in runs],
            scopes=scopes,
            suggested=last_complete_month().key,
        ),
    )


@login_required
@require_POST
def compute(request: HttpRequest) -> HttpResponse:
    """Compute a draft (or, for a published period, show the differences without changing it)."""
    user = _user(request)
    scope = Unit.objects.filter(code=request.POST.get("scope", "")).first()
    if scope is None or not _may_manage(user, scope):
        raise PermissionDenied("computing the evaluation needs a leader or administrator of that area")
    try:
        outcome = actions.compute_period(actor=user, period=request.POST.get("period", ""), scope=scope)
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
        return redirect("web:evaluation:index")
    for warning in outcome.warnings:
        messages.warning(request, warning)
    if outcome.differences is not None:
        found = outcome.differences
        messages.warning(request, texts()["published_unchanged"].format(n=len(found)))
        for d in found[:20]:
            messages.info(request, d.line())
    else:
        messages.success(request, texts()["computed"].format(period=outcome.run.period))
    return redirect(f"/evaluation/{outcome.run.period}/department/?scope={scope.code}")


@login_required
@require_POST
def publish(request: HttpRequest, period: str) -> HttpResponse:
    user = _user(request)
    run = _run(request, period)
    if not _may_manage(user, run.scope):
        raise PermissionDenied("publishing needs a leader or administrator of that area")
    try:
        actions.publish_period(actor=user, run=run)
        messages.success(request, texts()["published"].format(period=run.period))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect(f"/evaluation/{run.period}/department/?scope={run.scope.code}")


@login_required
def rankings(request: HttpRequest, period: str, subject: str) -> HttpResponse:
    """One subject's ranking with grade colours, its grade spread and the trend of its mean index."""
    if subject not in Subject.values:
        raise Http404("no such subject")
    run = _run(request, period)
    if subject not in subjects_of(run.scope):
        raise Http404(f"{subject} is ranked in the city's evaluation, not in {run.scope.name}'s")
    if request.GET.get("format") == "xlsx":
        return _xlsx(run, request, [subject], f"evaluation-{run.period}-{subject}.xlsx")
    scores = list(reading.rankings(run, subject, request.user).select_related("unit"))
    current = parse_period(run.period)
    periods = [*current.previous(11), current]
    points = reading.trend(run.scope, subject, request.user, periods)
    grades = dict.fromkeys("ABCDE", 0)
    for s in scores:
        if s.ranked and s.grade:
            grades[s.grade] += 1
    headers = tables.part_headers(scores)
    rows = [
        {
            "score": s,
            "grade_class": GRADE_CLASS.get(s.grade, ""),
            "parts": [_part(s, k) for k, _ in headers],
            "note": _note(s.note),
        }
        for s in scores
    ]
    chart = {
        "periods": [p["period"] for p in points],
        "index": [p["index"] for p in points],
        "grades": [grades[g] for g in "ABCDE"],
        "labels": {"index": texts()["mean_index"], "grades": texts()["grade_spread"]},
    }
    return render(
        request,
        "web/evaluation/rankings.html",
        _context(
            request,
            run=run,
            subject=subject,
            subject_name=subject_label(subject),
            headers=headers,
            rows=rows,
            chart=chart,
            may_manage=_may_manage(_user(request), run.scope),
        ),
    )


def _note(note: str) -> str:
    return note if english() else tables.note_zh(note)


def _part(score: Any, key: str) -> Any:
    return next((p.get("score") for p in score.parts if p.get("key") == key), None)


@login_required
def scorecard(request: HttpRequest, pk: int) -> HttpResponse:
    """A subject's score opened down to its parts and the counts behind them, with its trend."""
    try:
        score = reading.score_for(pk, request.user)
    except ObjectDoesNotExist as exc:
        raise Http404(str(exc)) from exc
    run = score.run
    current = parse_period(run.period)
    points = reading.trend(
        run.scope, score.subject, request.user, [*current.previous(11), current], score.subject_key
    )
    meta: dict[str, Any] = next((p for p in score.parts if p.get("key") == "_meta"), {})
    parts = [
        {**p, "shown_rate": p.get("rate") or p.get("density")} for p in score.parts if p.get("key") != "_meta"
    ]
    counts = [
        {"key": k, "label": reading.measure_label(score.subject, k, english()), "n": n}
        for k, n in score.measures.items()
    ]
    chart = {
        "periods": [p["period"] for p in points],
        "index": [p["index"] for p in points],
        "labels": {"index": texts()["index"]},
    }
    return render(
        request,
        "web/evaluation/scorecard.html",
        _context(
            request,
            score=score,
            run=run,
            parts=parts,
            meta=meta,
            counts=counts,
            chart=chart,
            grade_class=GRADE_CLASS.get(score.grade, ""),
            note=_note(score.note),
            subject_name=subject_label(score.subject),
        ),
    )


@login_required
def cases_behind(request: HttpRequest, pk: int, measure: str) -> HttpResponse:
    """The cases behind one count of a score (those the user may see), paged."""
    try:
        score = reading.score_for(pk, request.user)
        behind = reading.cases_behind(score, measure, request.user)
    except (ObjectDoesNotExist, ValidationError) as exc:
        raise Http404(str(exc)) from exc
    page = Paginator(behind.cases, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "web/evaluation/cases.html",
        _context(
            request,
            score=score,
            behind=behind,
            page=page,
            subject_name=subject_label(score.subject),
            count_note=texts()["count_now"].format(
                current=behind.current_count,
                published="—" if behind.published_count is None else behind.published_count,
            ),
        ),
    )


@login_required
def deductions(request: HttpRequest, period: str) -> HttpResponse:
    """The month's deduction table, with manual adjustments for leaders while it is a draft."""
    run = _run(request, period)
    if request.GET.get("format") == "xlsx":
        content = excel.workbook([tables.deduction_table(run, request.user)])
        return _download(content, f"deductions-{run.period}.xlsx")
    lines = list(reading.deductions(run, request.user).select_related("unit", "scheme"))
    parts = [(p["key"], p["label"]) for p in (lines[0].parts if lines else []) if p.get("kind") != "bonus"]
    rows = [
        {"line": d, "kept": [next((p.get("kept") for p in d.parts if p["key"] == k), None) for k, _ in parts]}
        for d in lines
    ]
    adjustments = restrict(run.adjustments.select_related("unit", "created_by"), request.user)
    bonus = (lines[0].scheme.config.get("bonus") or []) if lines else []
    fund = (lines[0].scheme.config.get("fund") or {}) if lines else {}
    return render(
        request,
        "web/evaluation/deductions.html",
        _context(
            request,
            run=run,
            parts=parts,
            rows=rows,
            adjustments=adjustments,
            bonus=bonus,
            fund=fund,
            yuan_text=texts()["yuan_per_point"].format(yuan=fund.get("yuan_per_point", 0)),
            may_adjust=not run.published and _may_manage(_user(request), run.scope),
        ),
    )


@login_required
@require_POST
def adjust(request: HttpRequest, period: str) -> HttpResponse:
    user = _user(request)
    run = _run(request, period)
    if not _may_manage(user, run.scope):
        raise PermissionDenied("adjustments need a leader or administrator of that area")
    unit = restrict(Unit.objects.all(), user).filter(code=request.POST.get("unit", "")).first()
    try:
        if unit is None:
            raise ValidationError({"unit": "choose a unit of the table"})
        actions.adjust_deduction(
            actor=user,
            run=run,
            unit=unit,
            points=request.POST.get("points", ""),
            reason=request.POST.get("reason", ""),
            part=request.POST.get("part", ""),
        )
        messages.success(request, texts()["adjusted"].format(unit=unit.name))
    except ValidationError as exc:
        messages.error(request, "; ".join(exc.messages))
    return redirect(f"/evaluation/{run.period}/deductions/?scope={run.scope.code}")


@login_required
def export_all(request: HttpRequest, period: str) -> HttpResponse:
    run = _run(request, period)
    return _xlsx(run, request, None, f"evaluation-{run.period}.xlsx")


@login_required
def report_pdf(request: HttpRequest, period: str) -> HttpResponse:
    run = _run(request, period)
    response = HttpResponse(pdf.monthly_report(run, request.user), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="evaluation-{run.period}.pdf"'
    return response


def _xlsx(run: EvaluationRun, request: HttpRequest, subjects: list[str] | None, name: str) -> HttpResponse:
    return _download(excel.workbook(tables.all_tables(run, request.user, subjects)), name)


def _download(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(
        content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
