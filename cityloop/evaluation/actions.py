"""Writes of the evaluation: computing a draft, publishing it, manual adjustments, scheme versions.

A published run is a snapshot: nothing here changes it again. Computing a published period compares
the fresh numbers with the snapshot and returns the differences (``compute_period(...).differences``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Max
from django.utils import timezone

from cityloop.core.audit import ActorRequired, domain_action, record, snapshot
from cityloop.core.models import Unit, User

from .compute import Deducted, Evaluation, Scored, default_scope, evaluate, subjects_of
from .deductions import deduct
from .models import Adjustment, Deduction, EvaluationRun, RunStatus, Scheme, SchemeKind, Score
from .periods import Period, parse_period
from .schemes import validate


@dataclass
class Difference:
    """One number that would change if a published period were computed again now."""

    subject: str
    key: int
    label: str
    field: str
    published: Any
    now: Any

    def line(self) -> str:
        return f"{self.subject} {self.label}: {self.field} {self.published} → {self.now}"


@dataclass
class ComputeOutcome:
    run: EvaluationRun
    evaluation: Evaluation
    differences: list[Difference] | None = None  # set when the period was already published
    warnings: list[str] = field(default_factory=list)


def _period(period: Period | str) -> Period:
    return period if isinstance(period, Period) else parse_period(period)


def _adjustments(run: EvaluationRun | None) -> dict[int, list[tuple[str, Decimal]]]:
    out: dict[int, list[tuple[str, Decimal]]] = {}
    if run is not None:
        for a in run.adjustments.order_by("id"):
            out.setdefault(a.unit_id, []).append((a.part, a.points))
    return out


def _score_row(run: EvaluationRun, kind: str, s: Scored, scheme: Scheme) -> Score:
    subject, outcome = s.subject, s.outcome
    parts = outcome.parts
    if outcome.extra:
        parts = [*parts, {"key": "_meta", **outcome.extra}]
    return Score(
        run=run,
        subject=kind,
        user_id=subject.user_id,
        unit_id=subject.unit_id,
        grid_id=subject.grid_id,
        label=subject.label[:200],
        code=subject.code[:64],
        group=outcome.group,
        group_label=outcome.group_label,
        index=outcome.index,
        grade=outcome.grade,
        ranked=outcome.ranked,
        rank=outcome.rank,
        note=outcome.note[:200],
        parts=parts,
        measures=subject.counts,
        scheme=scheme,
    )


def _deduction_row(run: EvaluationRun, d: Deducted, scheme: Scheme) -> Deduction:
    line = d.line
    return Deduction(
        run=run,
        unit_id=d.subject.key,
        label=d.subject.label[:200],
        group=d.group,
        parts=line.parts,
        base_points=line.base,
        bonus_points=line.bonus,
        adjustment_points=line.adjustments,
        final_points=line.final,
        deducted_points=line.deducted,
        reward_yuan=line.reward_yuan,
        rank=d.rank,
        scheme=scheme,
    )


def compute_period(
    *,
    actor: User,
    period: Period | str,
    scope: Unit | None = None,
    subjects: tuple[str, ...] | list[str] | None = None,
    now: dt.datetime | None = None,
) -> ComputeOutcome:
    """Compute a period's evaluation as a draft (replacing the draft's rows for ``subjects``). For a
    published period nothing changes: the outcome lists the differences from the snapshot.

    The counting reads outside any transaction (on SQLite a write transaction would hold the
    database's write lock, and intake with it, for the whole computation); only storing the result
    is the audited write (:func:`store_draft`), which checks again that the period is not published.
    """
    if not isinstance(actor, User):
        raise ActorRequired(f"compute_period needs actor=<User>, got {actor!r}")
    period = _period(period)
    scope = scope or default_scope()
    now = now or timezone.now()
    chosen = tuple(subjects or subjects_of(scope))
    run = EvaluationRun.objects.filter(period=period.key, scope=scope).first()
    result = evaluate(period, scope, subjects=chosen, now=now, adjustments=_adjustments(run))
    warnings = []
    if result.window.cutoff < period.end:
        warnings.append(
            f"{period.key} has not ended: counted facts up to {timezone.localtime(now):%Y-%m-%d %H:%M}"
        )
    return store_draft(actor=actor, result=result, now=now, warnings=warnings)


@domain_action
def store_draft(*, actor: User, result: Evaluation, now: dt.datetime, warnings: list[str]) -> ComputeOutcome:
    """Store a computed evaluation as the period's draft; for a published period, record the re-check
    and return the differences instead."""
    period, scope, chosen = result.period, result.scope, tuple(result.scores)
    run = EvaluationRun.objects.select_for_update().filter(period=period.key, scope=scope).first()
    if run is not None and run.published:
        found = differences(run, result)
        record(
            actor,
            "evaluation.recheck",
            run,
            after={"period": period.key, "subjects": list(chosen), "differences": len(found)},
        )
        return ComputeOutcome(run, result, found, warnings)
    schemes_used = {k: s.ref() for k, s in result.schemes.items()}
    if result.deduction_scheme is not None:
        schemes_used["deduction"] = result.deduction_scheme.ref()
    if run is None:
        run = EvaluationRun(period=period.key, scope=scope, computed_by=actor)
    before = snapshot(run) if run.pk else None
    run.period_kind, run.start, run.end = period.kind, period.start, period.end
    run.as_of, run.computed_at, run.computed_by = result.window.cutoff, now, actor
    run.schemes = {**(run.schemes or {}), **schemes_used}
    run.save()
    run.scores.filter(subject__in=chosen).delete()
    Score.objects.bulk_create(
        [_score_row(run, kind, s, result.schemes[kind]) for kind in chosen for s in result.scores[kind]],
        batch_size=2000,
    )
    if "department" in chosen:
        run.deductions.all().delete()
        if result.deduction_scheme is not None:
            Deduction.objects.bulk_create(
                [_deduction_row(run, d, result.deduction_scheme) for d in result.deductions]
            )
    record(
        actor,
        "evaluation.compute",
        run,
        before=before,
        after={
            **snapshot(run),
            "subjects": {k: len(v) for k, v in result.scores.items()},
            "deductions": len(result.deductions),
        },
    )
    return ComputeOutcome(run, result, None, warnings)


@domain_action
def publish_period(*, actor: User, run: EvaluationRun, now: dt.datetime | None = None) -> EvaluationRun:
    """Freeze a draft: from now on its scores, deductions and scheme versions never change."""
    now = now or timezone.now()
    run = EvaluationRun.objects.select_for_update().get(pk=run.pk)
    if run.published:
        raise ValidationError(
            {"period": f"{run.period} was published on {timezone.localtime(run.published_at):%Y-%m-%d}"}
        )
    if run.end > now:
        raise ValidationError(
            {
                "period": f"{run.period} runs until {timezone.localtime(run.end):%Y-%m-%d %H:%M}; "
                "publish it after it ends"
            }
        )
    if run.as_of < run.end:
        raise ValidationError(
            {
                "period": f"the draft of {run.period} was computed before the period ended; "
                "compute it again first"
            }
        )
    before = snapshot(run)
    run.status, run.published_at, run.published_by = RunStatus.PUBLISHED, now, actor
    run.save(update_fields=["status", "published_at", "published_by"])
    record(actor, "evaluation.publish", run, before=before, after=snapshot(run))
    return run


@domain_action
def adjust_deduction(
    *, actor: User, run: EvaluationRun, unit: Unit, points: Decimal | float | str, reason: str, part: str = ""
) -> Adjustment:
    """Add or remove points on a unit's deduction line, with the written reason it needs. ``part``
    names a bonus part (capped at its maximum), or is empty for a direct adjustment."""
    errors: dict[str, str] = {}
    try:
        amount = Decimal(str(points)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        amount = Decimal(0)
        errors["points"] = "give the points as a number, e.g. -2 or 1.5"
    if not errors and amount == 0:
        errors["points"] = "an adjustment must add or remove some points"
    if not (reason or "").strip():
        errors["reason"] = "write why the score is adjusted; the reason is kept with it"
    run = EvaluationRun.objects.select_for_update().get(pk=run.pk)
    if run.published:
        errors["period"] = f"{run.period} is published; adjustments are made on the draft before publishing"
    line = run.deductions.filter(unit=unit).select_related("scheme").first()
    scheme = line.scheme if line else _deduction_scheme(run)
    if scheme is None:
        errors["period"] = f"no deduction scheme was applied to {run.period}"
    elif part and part not in {b["key"] for b in scheme.config.get("bonus") or []}:
        keys = ", ".join(b["key"] for b in scheme.config.get("bonus") or []) or "none"
        errors["part"] = (
            f"{part!r} is not a bonus part of {scheme.name}; use one of {keys}, or leave it empty"
        )
    if errors:
        raise ValidationError(errors)
    assert scheme is not None
    adjustment = Adjustment.objects.create(
        run=run, unit=unit, part=part, points=amount, reason=reason.strip(), created_by=actor
    )
    _refresh_line(run, unit, scheme)
    record(actor, "evaluation.adjust", adjustment, after=snapshot(adjustment))
    return adjustment


def _deduction_scheme(run: EvaluationRun) -> Scheme | None:
    ref = (run.schemes or {}).get("deduction")
    return Scheme.objects.filter(pk=ref["id"]).first() if ref else None


def _refresh_line(run: EvaluationRun, unit: Unit, scheme: Scheme) -> None:
    """Recompute one unit's deduction line from its stored counts and its adjustments."""
    score = run.scores.filter(subject="department", unit=unit).first()
    counts = score.measures if score else {}
    pairs = [(a.part, a.points) for a in run.adjustments.filter(unit=unit).order_by("id")]
    line = deduct(scheme.config, counts, pairs)
    Deduction.objects.update_or_create(
        run=run,
        unit=unit,
        defaults={
            "label": unit.name,
            "parts": line.parts,
            "base_points": line.base,
            "bonus_points": line.bonus,
            "adjustment_points": line.adjustments,
            "final_points": line.final,
            "deducted_points": line.deducted,
            "reward_yuan": line.reward_yuan,
            "scheme": scheme,
        },
    )
    _rerank(run)


def _rerank(run: EvaluationRun) -> None:
    lines = list(run.deductions.order_by("group", "-final_points", "label"))
    previous: Deduction | None = None
    position = 0
    for d in lines:
        position = 1 if previous is None or previous.group != d.group else position + 1
        d.rank = (
            previous.rank
            if previous and previous.group == d.group and previous.final_points == d.final_points
            else position
        )
        previous = d
    Deduction.objects.bulk_update(lines, ["rank"])


@domain_action
def save_scheme(
    *,
    actor: User,
    subject: str,
    config: dict[str, Any],
    valid_from: dt.date,
    kind: str = SchemeKind.INDEX,
    name: str = "",
    note: str = "",
    code: str | None = None,
) -> Scheme:
    """Save a new version of a scheme, in force from ``valid_from``. Earlier versions stay, so
    published periods keep pointing at the version they used."""
    validate(kind, subject, config)
    code = code or (f"standard-{subject}" if kind == SchemeKind.INDEX else f"deduction-{subject}")
    latest = Scheme.objects.filter(code=code).aggregate(v=Max("version"))["v"] or 0
    previous = Scheme.objects.filter(code=code, version=latest).first()
    scheme = Scheme.objects.create(
        code=code,
        kind=kind,
        subject=subject,
        version=latest + 1,
        name=name or (previous.name if previous else code),
        valid_from=valid_from,
        config=config,
        note=note,
        created_by=actor,
    )
    record(actor, "evaluation_scheme.create", scheme, after=snapshot(scheme))
    return scheme


def differences(run: EvaluationRun, fresh: Evaluation) -> list[Difference]:
    """What would change in a stored run if it took the fresh results: index, grade, rank, every
    count, subjects appearing or disappearing, and deduction points."""
    found: list[Difference] = []
    for kind, scored in fresh.scores.items():
        stored = {s.subject_key or 0: s for s in run.scores.filter(subject=kind)}
        seen = set()
        for s in scored:
            key = s.subject.key
            seen.add(key)
            old = stored.get(key)
            if old is None:
                found.append(Difference(kind, key, s.subject.label, "listed", False, True))
                continue
            o = s.outcome
            for name, before, after in (
                ("index", old.index, o.index),
                ("grade", old.grade, o.grade),
                ("rank", old.rank, o.rank),
                ("ranked", old.ranked, o.ranked),
            ):
                if before != after:
                    found.append(Difference(kind, key, old.label, name, before, after))
            for measure in sorted(set(old.measures) | set(s.subject.counts)):
                if old.measures.get(measure, 0) != s.subject.counts.get(measure, 0):
                    found.append(
                        Difference(
                            kind,
                            key,
                            old.label,
                            measure,
                            old.measures.get(measure, 0),
                            s.subject.counts.get(measure, 0),
                        )
                    )
        for key, old in stored.items():
            if key not in seen:
                found.append(Difference(kind, key, old.label, "listed", True, False))
    if "department" in fresh.scores:
        stored_lines = {d.unit_id: d for d in run.deductions.all()}
        for d in fresh.deductions:
            old_line = stored_lines.get(d.subject.key)
            before = old_line.final_points if old_line else None
            if before != d.line.final:
                found.append(
                    Difference(
                        "deduction", d.subject.key, d.subject.label, "final_points", before, d.line.final
                    )
                )
    return found
