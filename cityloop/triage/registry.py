"""The classifiers each process holds in memory: the active model of each labels kind, loaded once and
dropped when another model becomes active (``core.versioned``: the activating transaction moves a
shared counter, every process sees it within two seconds and loads the new one).

A city whose database holds no active category model yet is served the default model: trained from
the project's own corpus once per process, in memory (a few seconds), until ``cityloop triage
default`` or a training of its own stores one.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Any

from cityloop.core.versioned import Versioned

from . import artefacts
from .learn import TextClassifier
from .models import LabelsKind, TriageModel

DEFAULT_NAME = "default"
# The default corpus: descriptions per subclass, and the seed that makes it.
DEFAULT_PER_LABEL = 60
DEFAULT_SEED = 1
DEFAULT_METHOD = "auto"  # both methods measured on held-out wordings, the better kept


@dataclass(frozen=True)
class Loaded:
    """A classifier and the row it came from (version 0: the in-memory default)."""

    classifier: TextClassifier
    name: str
    version: int
    labels_kind: str
    model_id: int | None = None

    def ref(self) -> dict[str, object]:
        return {"name": self.name, "version": self.version, "id": self.model_id}


@dataclass
class _Active:
    version: int
    loaded: dict[str, Loaded | None] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, labels_kind: str) -> Loaded | None:
        with self.lock:
            if labels_kind not in self.loaded:
                self.loaded[labels_kind] = _load_active(labels_kind)
            return self.loaded[labels_kind]


logger = logging.getLogger("cityloop.triage")
MODELS: Versioned[_Active] = Versioned("triage.models", _Active)


def load(model: TriageModel) -> Loaded:
    """The classifier stored in ``model``'s row."""
    data = model.artefact
    if data is None or not model.artefact_sha256:
        row = TriageModel.objects.filter(pk=model.pk).values_list("artefact", "artefact_sha256").get()
        data, model.artefact_sha256 = row
    classifier = artefacts.loads(data, model.artefact_sha256)
    return Loaded(classifier, model.name, model.version, model.labels_kind, model.pk)


def _load_active(labels_kind: str) -> Loaded | None:
    found = TriageModel.objects.filter(labels_kind=labels_kind, active=True).first()
    if found is None:
        return None
    try:
        return load(found)
    except artefacts.ArtefactError:
        # A damaged or incompatible artefact must not take the intake down: say so in the log, and
        # serve as if there were none (the default model) until another is trained or activated.
        logger.exception("triage: the active %s model %s cannot be loaded", labels_kind, found)
        return None


def active(labels_kind: str = LabelsKind.CATEGORY) -> Loaded | None:
    """This process's copy of the active model of ``labels_kind`` (None if there is none)."""
    return MODELS.get().get(labels_kind)


_default: Loaded | None = None
_default_lock = threading.Lock()


def default_classifier() -> tuple[TextClassifier, dict[str, Any]]:
    """Train the default model from the project's corpus (the same seed gives the same model)."""
    from . import corpus
    from .learn import train

    phrases = corpus.generate(DEFAULT_PER_LABEL, seed=DEFAULT_SEED)
    return train(
        [p.text for p in phrases],
        [p.label for p in phrases],
        method=DEFAULT_METHOD,
        held_out=corpus.wording_split(phrases),
    )


def latest_model() -> Loaded:
    """The model activated last, whatever its labels (what ``cityloop triage predict`` uses without
    ``--name``: the one just trained), else the category model."""
    found = (
        TriageModel.objects.filter(active=True, activated_at__isnull=False)
        .order_by("-activated_at", "-pk")
        .values_list("labels_kind", flat=True)
        .first()
    )
    if found is not None:
        loaded = active(found)
        if loaded is not None:
            return loaded
    return category_model()


def category_model() -> Loaded:
    """The model the intake suggests categories with: the active one, else the in-memory default."""
    found = active(LabelsKind.CATEGORY)
    if found is not None:
        return found
    global _default
    with _default_lock:
        if _default is None:
            classifier, _ = default_classifier()
            _default = Loaded(classifier, DEFAULT_NAME, 0, LabelsKind.CATEGORY)
        return _default
