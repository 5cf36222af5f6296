"""Small labelled CSVs from the project's corpus, and a clean slate of loaded models for each test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from cityloop.triage import corpus, registry
from tests.cases.conftest import Loop, loop  # noqa: F401  (the case loop's fixture)
from tests.geo.conftest import grids  # noqa: F401  (eight grids in the org's two communities)

# A few subclasses, enough to train in well under a second.
LABELS = (
    "component:0102",
    "component:0118",
    "component:0305",
    "event:0201",
    "event:0406",
    "event:0501",
    "event:0505",
    "event:0601",
)


@pytest.fixture(autouse=True)
def fresh_models() -> Any:
    registry.MODELS.reset()
    yield
    registry.MODELS.reset()


def write_corpus(path: Path, per_label: int, seed: int, **columns: str) -> Path:
    """The corpus for :data:`LABELS` as CSV; ``columns`` renames text/label (text="描述")."""
    text_col, label_col = columns.get("text", "text"), columns.get("label", "label")
    phrases = corpus.generate(per_label, seed=seed, only=LABELS)
    lines = [f"id,{text_col},{label_col}"]
    lines += [f'{i},"{p.text}",{p.label}' for i, p in enumerate(phrases, 1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def train_csv(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "train.csv", 25, seed=11)


@pytest.fixture
def test_csv(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "test.csv", 6, seed=99)
