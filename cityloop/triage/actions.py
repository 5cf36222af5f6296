"""Writes of the triage app: storing a trained model (a new version) and choosing the active one."""

from __future__ import annotations

from typing import Any

from django.db.models import Max
from django.utils import timezone

from cityloop.core.audit import domain_action, record
from cityloop.core.audit_actions import AuditAction
from cityloop.core.models import User

from . import artefacts
from .learn import TextClassifier
from .models import LabelsKind, TriageModel
from .registry import MODELS


def _summary(model: TriageModel) -> dict[str, Any]:
    return {
        "name": model.name,
        "version": model.version,
        "labels_kind": model.labels_kind,
        "method": model.method,
        "rows": model.rows,
        "accuracy": model.accuracy,
        "macro_f1": model.macro_f1,
        "active": model.active,
        "artefact_sha256": model.artefact_sha256,
    }


@domain_action
def store_model(
    *,
    actor: User,
    classifier: TextClassifier,
    report: dict[str, Any],
    name: str,
    labels_kind: str,
    source: str = "",
    activate: bool = True,
) -> TriageModel:
    """Keep a trained classifier as the next version of model ``name``, with its report; make it the
    active model of its labels kind unless ``activate`` is false."""
    if labels_kind not in LabelsKind.values:
        raise ValueError(f"unknown labels kind {labels_kind!r}")
    name = name.strip()[:64]
    if not name:
        raise ValueError("a model needs a name")
    data, digest = artefacts.dumps(classifier)
    last = TriageModel.objects.filter(name=name).aggregate(last=Max("version"))["last"] or 0
    model = TriageModel.objects.create(
        name=name,
        version=last + 1,
        labels_kind=labels_kind,
        method=classifier.method,
        source=source[:200],
        report=report,
        accuracy=float(report.get("accuracy", 0.0)),
        macro_f1=float(report.get("macro_f1", 0.0)),
        rows=int(report.get("rows", 0)),
        artefact=data,
        artefact_sha256=digest,
        library_versions=artefacts.library_versions(),
    )
    record(actor, AuditAction.TRIAGE_MODEL_STORE, model, after={**_summary(model), "bytes": len(data)})
    if activate:
        activate_model(actor=actor, model=model)
    return model


@domain_action
def activate_model(*, actor: User, model: TriageModel) -> TriageModel:
    """Make ``model`` the one the intake uses for its labels kind (the previous one stops being
    active); every process loads it within seconds."""
    previous = (
        TriageModel.objects.filter(labels_kind=model.labels_kind, active=True)
        .exclude(pk=model.pk)
        .only("pk", "name", "version")
        .first()
    )
    if previous is not None:
        TriageModel.objects.filter(pk=previous.pk).update(active=False)
    model.active, model.activated_at = True, timezone.now()
    TriageModel.objects.filter(pk=model.pk).update(active=True, activated_at=model.activated_at)
    record(
        actor,
        AuditAction.TRIAGE_MODEL_ACTIVATE,
        model,
        before={"active": str(previous) if previous else None},
        after={"active": str(model), "labels_kind": model.labels_kind},
    )
    MODELS.bump()
    return model
