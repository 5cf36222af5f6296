"""Fitting, scoring and measuring a text classifier: features (:mod:`.features`) + a linear SVM whose
margins become calibrated scores by temperature scaling on the held-out part.

A linear SVM on TF-IDF n-grams is the strong, cheap baseline of short-text classification: it trains
on 100,000 texts in minutes on two cores and answers one text in well under a millisecond. Its
margins are not probabilities, so a softmax with one temperature, fitted to the held-out part by
likelihood, turns them into scores that mean what they say (a 0.8 is right about 80% of the time).
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import train_test_split
from sklearn.svm import LinearSVC

from .features import METHODS, vectorizer
from .normalize import normalise_all

AUTO = "auto"
DEFAULT_METHOD = AUTO
TEST_SHARE = 0.2
MIN_ROWS = 10
C = 0.5


class TrainingError(ValueError):
    """The rows cannot make a classifier (too few, one label only); the message says what to fix."""


@dataclass
class TextClassifier:
    """A fitted classifier: normalise, vectorise, score every label."""

    method: str
    vectorizer: Any
    model: LinearSVC
    labels: list[str]
    temperature: float = 1.0
    meta: dict[str, Any] = field(default_factory=dict)

    def margins(self, texts: Sequence[str]) -> np.ndarray:
        found = self.model.decision_function(self.vectorizer.transform(normalise_all(texts)))
        if found.ndim == 1:  # two labels: one margin, for the second
            found = np.column_stack([-found, found]) / 2
        return np.asarray(found, dtype=np.float64)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """Calibrated scores, texts × labels, each row summing to 1."""
        return softmax(self.margins(texts) / self.temperature)

    def predict(self, texts: Sequence[str]) -> list[tuple[str, float]]:
        """The best label of each text with its score."""
        if not texts:
            return []
        scores = self.scores(texts)
        best = scores.argmax(axis=1)
        return [(self.labels[i], float(scores[row, i])) for row, i in enumerate(best)]

    def top(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` likeliest labels of one text, best first."""
        scores = self.scores([text])[0]
        order = np.argsort(-scores)[:k]
        return [(self.labels[i], float(scores[i])) for i in order]


def softmax(margins: np.ndarray) -> np.ndarray:
    shifted = margins - margins.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


def fit_temperature(margins: np.ndarray, truth: np.ndarray) -> float:
    """The temperature whose softmax gives the held-out labels the highest likelihood."""
    from scipy.optimize import minimize_scalar

    rows = np.arange(len(truth))

    def nll(log_t: float) -> float:
        probs = softmax(margins / math.exp(log_t))
        return float(-np.log(np.clip(probs[rows, truth], 1e-12, None)).mean())

    found = minimize_scalar(nll, bounds=(math.log(0.01), math.log(10.0)), method="bounded")
    return float(math.exp(found.x))


def _fit(method: str, texts: Sequence[str], labels: Sequence[str]) -> tuple[Any, LinearSVC]:
    features = vectorizer(method, len(texts))
    matrix = features.fit_transform(normalise_all(texts))
    # The dual solver: fast on sparse text whatever the ratio of rows to features ("auto" picks the
    # primal one when rows outnumber features, three times slower here).
    model = LinearSVC(C=C, class_weight="balanced", dual=True, max_iter=2000)
    model.fit(matrix, list(labels))
    # Single precision halves the matrix kept in each process and in the row; the margins differ
    # from double precision's in the seventh digit.
    model.coef_ = model.coef_.astype(np.float32)
    model.intercept_ = model.intercept_.astype(np.float32)
    return features, model


def measure(truth: Sequence[str], predicted: Sequence[str]) -> dict[str, Any]:
    """Accuracy, macro-F1 and per-label precision, recall, F1 and support."""
    names = sorted(set(truth) | set(predicted))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=names, zero_division=0
    )
    return {
        "accuracy": round(float(accuracy_score(truth, predicted)), 4),
        "macro_f1": round(
            float(f1_score(truth, predicted, labels=names, average="macro", zero_division=0)), 4
        ),
        "rows": len(truth),
        "labels": {
            name: {
                "precision": round(float(p), 4),
                "recall": round(float(r), 4),
                "f1": round(float(f), 4),
                "support": int(s),
            }
            for name, p, r, f, s in zip(names, precision, recall, f1, support, strict=True)
        },
    }


def split(
    texts: Sequence[str], labels: Sequence[str], *, seed: int = 0, test_share: float = TEST_SHARE
) -> tuple[list[int], list[int]]:
    """Row indices of the training and held-out parts, stratified by label. A label with fewer than
    two rows stays in training (it cannot be both learnt and tested)."""
    counts = Counter(labels)
    rare = [i for i, label in enumerate(labels) if counts[label] < 2]
    common = [i for i, label in enumerate(labels) if counts[label] >= 2]
    n_labels = len({labels[i] for i in common})
    share = max(test_share, n_labels / max(1, len(common)))
    if len(common) < 4 or share >= 0.5:
        raise TrainingError(
            f"{len(texts)} rows for {len(counts)} labels: give at least two rows of each label, "
            "and several times more rows than labels, so part of them can be held out for the report"
        )
    train, test = train_test_split(
        common, test_size=share, random_state=seed, stratify=[labels[i] for i in common]
    )
    return sorted(train + rare), sorted(test)


def _held_out_run(
    method: str, texts: Sequence[str], labels: Sequence[str], train_idx: list[int], test_idx: list[int]
) -> tuple[dict[str, Any], float, Any, LinearSVC]:
    """Fit ``method`` on the training rows; its report and temperature from the held-out rows."""
    started = time.perf_counter()
    features, model = _fit(method, [texts[i] for i in train_idx], [labels[i] for i in train_idx])
    held = TextClassifier(method, features, model, [str(c) for c in model.classes_])
    test_texts, test_labels = [texts[i] for i in test_idx], [labels[i] for i in test_idx]
    margins = held.margins(test_texts)
    index = {label: i for i, label in enumerate(held.labels)}
    known = np.array([label in index for label in test_labels])
    truth = np.array([index.get(label, 0) for label in test_labels])
    temperature = fit_temperature(margins[known], truth[known]) if known.any() else 1.0
    report = measure(test_labels, [held.labels[i] for i in margins.argmax(axis=1)])
    report["fit_seconds"] = round(time.perf_counter() - started, 2)
    return report, temperature, features, model


def train(
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    method: str = DEFAULT_METHOD,
    seed: int = 0,
    refit: bool = True,
    held_out: tuple[list[int], list[int]] | None = None,
) -> tuple[TextClassifier, dict[str, Any]]:
    """Fit on most rows, measure on the held-out rest (the report), then fit again on every row.

    ``method`` ``auto`` fits every method of :data:`features.METHODS` on the same split and keeps
    the one with the best held-out macro-F1 (the report's ``candidates`` has each one's figures).
    Returns the classifier and its report: method, rows, accuracy, macro-F1, per-label figures,
    the temperature and the seconds taken. ``held_out`` gives the split (for grouped splits)."""
    if method != AUTO and method not in METHODS:
        raise TrainingError(f"unknown method {method!r}; use {AUTO} or one of {', '.join(METHODS)}")
    if len(texts) != len(labels):
        raise TrainingError("texts and labels differ in length")
    if len(texts) < MIN_ROWS:
        raise TrainingError(f"{len(texts)} rows: a classifier needs at least {MIN_ROWS}")
    if len(set(labels)) < 2:
        raise TrainingError("every row has the same label: a classifier needs at least two")
    started = time.perf_counter()
    train_idx, test_idx = held_out or split(texts, labels, seed=seed)
    runs = {
        m: _held_out_run(m, texts, labels, train_idx, test_idx)
        for m in (METHODS if method == AUTO else (method,))
    }
    # The best macro-F1 wins; on a tie the first (the simpler, faster) method.
    chosen = max(runs, key=lambda m: (runs[m][0]["macro_f1"], -METHODS.index(m)))
    report, temperature, features, model = runs[chosen]
    report.update(
        method=chosen,
        rows=len(texts),
        train_rows=len(train_idx),
        test_rows=len(test_idx),
        temperature=round(temperature, 4),
        split="given" if held_out else "random",
    )
    if len(runs) > 1:
        report["candidates"] = {
            m: {k: r[k] for k in ("accuracy", "macro_f1", "fit_seconds")} for m, (r, *_) in runs.items()
        }
    if refit:
        features, model = _fit(chosen, texts, labels)
    classifier = TextClassifier(chosen, features, model, [str(c) for c in model.classes_], temperature)
    report["seconds"] = round(time.perf_counter() - started, 2)
    report["features"] = len(model.coef_[0])
    classifier.meta = {"rows": len(texts), "method": chosen}
    return classifier, report
