"""Reading results for people: runs, rankings, a scorecard's cases, trends. Every read of rows goes
through ``restrict`` (a street sees its own units, grids and people; a leader the whole area)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import QuerySet

from cityloop.cases.models import Case
from cityloop.core.models import Unit, User
from cityloop.core.permissions import restrict

from . import counting, measures
from .compute import districts_of, subjects_of
from .measure_types import Window
from .models import Deduction, EvaluationRun, Score, Subject
from .periods import Period, parse_period
from .subjects import Subject as Evaluated
from .subjects import group_values, measure_keys, source_for

AnyUser = User | AnonymousUser | None


def find_run(period: Period | str, user: AnyUser, scope: Unit | str | None = None) -> EvaluationRun:
    """The run of ``period`` the user may see (over ``scope`` if given, else the widest visible)."""
    key = period.key if isinstance(period, Period) else parse_period(period).key
    runs = restrict(EvaluationRun.objects.select_related("scope"), user).filter(period=key)
    if scope is not None:
        runs = runs.filter(scope__code=scope) if isinstance(scope, str) else runs.filter(scope=scope)
    run = runs.order_by("scope__depth").first()
    if run is None:
        raise ObjectDoesNotExist(
            f"{key} has not been evaluated yet (or not for your area); run: cityloop evaluate --period {key}"
        )
    return run


def check_subject(subject: str, scope: Unit | None = None) -> str:
    """``subject`` if it is one, and ranked in an evaluation of ``scope`` (districts are ranked in
    a city's evaluation only)."""
    if subject not in Subject.values:
        raise ValidationError(
            {"subject": f"unknown subject {subject!r}; use one of {', '.join(Subject.values)}"}
        )
    if scope is not None and subject not in subjects_of(scope):
        raise ValidationError(
            {
                "subject": f"{subject} is ranked in the city's evaluation, not in {scope.name}'s; "
                f"give the city's code as scope, or choose one of {', '.join(subjects_of(scope))}"
            }
        )
    return subject


def rankings(run: EvaluationRun, subject: str, user: AnyUser, group: str | None = None) -> QuerySet[Score]:
    """A subject's scores in the run, ranked ones first (by group, rank), then the unranked."""
    qs = restrict(Score.objects.filter(run=run, subject=check_subject(subject, run.scope)), user)
    qs = qs.select_related("unit")
    if group:
        qs = qs.filter(group=group)
    return qs.order_by("group", "-ranked", "rank", "-index", "label")


def deductions(run: EvaluationRun, user: AnyUser) -> QuerySet[Deduction]:
    return restrict(Deduction.objects.filter(run=run), user).order_by("group", "rank", "label")


def score_for(pk: int, user: AnyUser) -> Score:
    score = (
        restrict(Score.objects.select_related("run", "run__scope", "scheme", "unit"), user)
        .filter(pk=pk)
        .first()
    )
    if score is None:
        raise ObjectDoesNotExist(f"no score {pk} in your area")
    return score


def window_of(run: EvaluationRun) -> Window:
    """The window a run was computed on (its cut-off is the moment its facts were counted up to)."""
    return Window(run.start, run.end, run.as_of, districts_of(run.scope))


def _evaluated(score: Score) -> Evaluated:
    """Enough of the subject to find its group values (a supervisor's patrol area is re-read)."""
    area: tuple[int, ...] = ()
    if score.subject == "supervisor" and score.user_id:
        from .subjects import persons

        period = parse_period(score.run.period)
        for person in persons("supervisor", score.run.scope, period.first_day, period.last_day):
            if person.key == score.user_id:
                area = person.area_units
    key = score.subject_key or 0
    return Evaluated(
        kind=score.subject,
        key=key,
        label=score.label,
        code=score.code,
        unit_id=score.unit_id,
        area_units=area,
    )


def bare_key(kind: str, measure: str) -> str:
    """The family's name for a subject's measure (a supervisor's 'valid' is the territory's 'cases')."""
    found = source_for(kind, measure)
    return found[1] if found else measure


def rates(score: Score, english: bool = False) -> list[dict[str, Any]]:
    """The named rates (满意率, 不满意率 …) of a score's counts, with the counts they divide."""
    out = []
    for key, value in measures.rates_of(score.measures).items():
        rate = next(r for r in measures.RATES if r.key == key)
        out.append(
            {
                "key": key,
                "label": measures.rate_label(key, english),
                "rate": value,
                "num": score.measures[rate.num],
                "den": score.measures[rate.den],
                "num_measure": rate.num,
                "den_measure": rate.den,
            }
        )
    return out


def measure_label(kind: str, measure: str, english: bool = False) -> str:
    """What a subject's count is called (in Chinese, or English)."""
    bare = bare_key(kind, measure)
    if english:
        return measures.label_en(bare) + (" (patrol area)" if measure.startswith("area_") else "")
    return measures.label(bare) + ("（责任区）" if measure.startswith("area_") else "")


@dataclass
class Behind:
    """The cases behind one count of a score, and whether today's facts still give that count."""

    measure: str
    label: str
    published_count: int | None
    current_count: int
    cases: QuerySet[Case]


def cases_behind(score: Score, measure: str, user: AnyUser) -> Behind:
    """The cases behind ``measure`` in ``score`` (those the user may see), re-derived from the facts
    with the same definition the count came from."""
    kind = score.subject
    known = measure_keys(kind)
    if measure not in known:
        raise ValidationError(
            {"measure": f"{measure!r} is not counted for {kind}; use one of {', '.join(known)}"}
        )
    window = window_of(score.run)
    subject = _evaluated(score)
    if measure in measures.DERIVED:
        # Its parts come from one source (the same group field): the union of their cases.
        found = source_for(kind, measures.DERIVED[measure][0])
        assert found is not None
        values = group_values(subject, found[0])
        ids = counting.case_ids(measure, found[0].group, values, window)
        current = counting.rows_behind(measure, found[0].group, values, window)
    else:
        found = source_for(kind, measure)
        assert found is not None
        source, bare = found
        values = group_values(subject, source)
        ids = counting.case_ids(bare, source.group, values, window)
        current = counting.rows_behind(bare, source.group, values, window)
    cases = restrict(Case.objects.filter(pk__in=ids), user).select_related(
        "street", "community", "responsible_unit"
    )
    return Behind(
        measure,
        measures.label(bare_key(kind, measure)),
        score.measures.get(measure),
        current,
        cases.order_by("reported_at"),
    )


def trend(
    scope: Unit, subject: str, user: AnyUser, periods: list[Period], key: int | None = None
) -> list[dict[str, Any]]:
    """Index per period for one subject (``key``) or the mean and grade counts of all, oldest first."""
    check_subject(subject, scope)
    runs = {
        r.period: r
        for r in restrict(EvaluationRun.objects.filter(scope=scope), user).filter(
            period__in=[p.key for p in periods]
        )
    }
    out = []
    for period in periods:
        run = runs.get(period.key)
        row: dict[str, Any] = {
            "period": period.key,
            "label": period.label,
            "status": run.status if run else None,
            "index": None,
        }
        if run is not None:
            scores = restrict(Score.objects.filter(run=run, subject=subject), user)
            if key is not None:
                one = next((s for s in scores if s.subject_key == key), None)
                row["index"] = float(one.index) if one and one.index is not None else None
                row["grade"] = one.grade if one else ""
            else:
                values = [float(s.index) for s in scores if s.index is not None and s.ranked]
                row["index"] = round(sum(values) / len(values), 2) if values else None
                grades: dict[str, int] = {}
                for s in scores:
                    if s.ranked and s.grade:
                        grades[s.grade] = grades.get(s.grade, 0) + 1
                row["grades"] = grades
        out.append(row)
    return out
