"""``cityloop triage``: train, predict and evaluate round trips on real CSV files, model versions and
activation, and the errors a person gets for a wrong file."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cityloop.core.models import AuditEntry
from cityloop.triage import registry
from cityloop.triage.models import TriageModel

from .conftest import LABELS, write_corpus

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out, err = io.StringIO(), io.StringIO()
    call_command("triage", *args, stdout=out, stderr=err)
    return out.getvalue()


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_train_stores_activates_and_reports(train_csv: Path) -> None:
    out = run("train", str(train_csv), "--name", "mine")
    model = TriageModel.objects.get(name="mine")
    assert (model.version, model.active, model.labels_kind) == (1, True, "category")
    # auto: both methods measured on the same held-out rows, the better one kept.
    candidates = model.report["candidates"]
    assert set(candidates) == {"char", "word_char"} and "← kept" in out
    assert model.method == max(candidates, key=lambda m: candidates[m]["macro_f1"])
    assert "accuracy" in out and "macro-F1" in out and "component:0102" in out
    report = model.report
    assert report["rows"] == 25 * len(LABELS)
    assert report["train_rows"] + report["test_rows"] == report["rows"]
    assert set(report["labels"]) == set(LABELS)
    assert set(report["labels"]["event:0505"]) == {"precision", "recall", "f1", "support"}
    assert 0.8 <= model.macro_f1 <= 1.0 and 0.8 <= model.accuracy <= 1.0
    entries = list(
        AuditEntry.objects.filter(object_type="triage.triagemodel").values_list("action", flat=True)
    )
    assert entries == ["triage.model.store", "triage.model.activate"]


def test_predict_keeps_rows_in_order_and_adds_columns(
    train_csv: Path, test_csv: Path, tmp_path: Path
) -> None:
    run("train", str(train_csv), "--name", "mine")
    rows = read(run("predict", str(test_csv)))
    source = read(test_csv.read_text(encoding="utf-8"))
    assert [r["id"] for r in rows] == [r["id"] for r in source]
    assert list(rows[0]) == ["id", "text", "label", "predicted", "score"]
    right = sum(r["predicted"] == r["label"] for r in rows)
    assert right / len(rows) >= 0.8
    assert all(0.0 < float(r["score"]) <= 1.0 for r in rows)
    output = tmp_path / "out.csv"
    assert run("predict", str(test_csv), "--output", str(output)) == ""
    assert read(output.read_text(encoding="utf-8")) == rows


def test_evaluate_prints_accuracy_and_macro_f1(train_csv: Path, test_csv: Path) -> None:
    run("train", str(train_csv), "--name", "mine")
    out = run("evaluate", str(test_csv))
    lines = dict(line.split(" ", 1) for line in out.splitlines()[1:])
    assert float(lines["accuracy"]) >= 0.8 and float(lines["macro-F1"]) >= 0.8


def test_other_column_names_and_other_labels(tmp_path: Path) -> None:
    path = write_corpus(tmp_path / "zh.csv", 15, seed=3, text="描述", label="部门")
    rows = read(path.read_text(encoding="utf-8"))
    units = {label: f"UNIT-{i}" for i, label in enumerate(LABELS)}
    with path.open("w", encoding="utf-8-sig", newline="") as f:  # as Excel saves it
        writer = csv.DictWriter(f, fieldnames=["id", "描述", "部门"])
        writer.writeheader()
        writer.writerows({**r, "部门": units[r["部门"]]} for r in rows)
    run("train", str(path), "--text", "描述", "--label", "部门", "--labels-kind", "unit")
    model = TriageModel.objects.get(name="zh")
    assert model.labels_kind == "unit" and model.active
    predicted = read(run("predict", str(path), "--text", "描述", "--name", "zh"))
    assert {r["predicted"] for r in predicted} <= set(units.values())


def test_a_second_training_is_a_new_active_version(train_csv: Path) -> None:
    run("train", str(train_csv), "--name", "mine")
    run("train", str(train_csv), "--name", "mine", "--seed", "5")
    first, second = TriageModel.objects.filter(name="mine").order_by("version")
    assert (first.version, first.active, second.version, second.active) == (1, False, 2, True)
    assert registry.active("category").version == 2  # type: ignore[union-attr]
    run("activate", "mine", "--version", "1")
    assert registry.active("category").version == 1  # type: ignore[union-attr]
    listed = run("models")
    assert "* mine v1" in listed and "  mine v2" in listed


def test_no_activate_keeps_the_active_model(train_csv: Path) -> None:
    run("train", str(train_csv), "--name", "first", "--method", "word_char")
    assert TriageModel.objects.get(name="first").method == "word_char"
    run("train", str(train_csv), "--name", "second", "--no-activate")
    assert TriageModel.objects.get(active=True).name == "first"


def test_activation_reaches_a_process_that_holds_the_old_model(train_csv: Path) -> None:
    run("train", str(train_csv), "--name", "first")
    held = registry.active("category")
    assert held is not None and held.name == "first"
    run("train", str(train_csv), "--name", "second")
    registry.MODELS._checked_at = 0.0  # as if the recheck interval had passed
    assert registry.active("category").name == "second"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--text", "描述"), "no column '描述' for the text"),
        (("--label", "类别"), "no column '类别' for the label"),
    ],
)
def test_missing_columns_are_named(train_csv: Path, args: tuple[str, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run("train", str(train_csv), *args)


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "the file is empty"), ("text,label\n", "a header but no rows"), ("text,label\n,\n", "no row has")],
)
def test_empty_files_are_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "f.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run("train", str(path))


def test_too_few_rows_and_one_label(tmp_path: Path) -> None:
    path = tmp_path / "few.csv"
    path.write_text("text,label\n井盖丢了,a\n垃圾满了,b\n", encoding="utf-8")
    with pytest.raises(CommandError, match="at least 10"):
        run("train", str(path))
    path.write_text("text,label\n" + "井盖丢了,a\n" * 20, encoding="utf-8")
    with pytest.raises(CommandError, match="at least two"):
        run("train", str(path))


def test_unknown_file_model_and_predict_column(tmp_path: Path, test_csv: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        run("predict", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="no model named 'nope'"):
        run("predict", str(test_csv), "--name", "nope")
    with pytest.raises(CommandError, match="no column 'body'"):
        run("evaluate", str(test_csv), "--text", "body")


def test_from_cases_without_closed_cases(db: Any) -> None:
    with pytest.raises(CommandError, match="no closed cases"):
        run("train", "--from-cases")
    with pytest.raises(CommandError, match="not both"):
        run("train", "x.csv", "--from-cases")


def test_default_model_is_stored_once(db: Any) -> None:
    out = run("default")
    model = TriageModel.objects.get(name="default")
    assert model.active and model.labels_kind == "category" and "macro-F1" in out
    # Held out: a wording of each subclass no training row used (see corpus.wording_split).
    assert model.report["test_rows"] > 0 and model.macro_f1 > 0.5
    assert "nothing to do" in run("default", "--if-missing")
    assert TriageModel.objects.count() == 1


def test_corpus_command_writes_every_subclass(tmp_path: Path) -> None:
    from cityloop.triage import corpus

    rows = read(run("corpus", "--per-label", "2"))
    assert {r["label"] for r in rows} == set(corpus.labels())


def test_a_damaged_artefact_falls_back_to_the_default_model(train_csv: Path, caplog: Any) -> None:
    run("train", str(train_csv), "--name", "mine")
    TriageModel.objects.filter(name="mine").update(artefact_sha256="0" * 64)
    registry.MODELS.reset()
    assert registry.category_model().name == "default"
    assert "cannot be loaded" in caplog.text
    with pytest.raises(CommandError, match="do not match their hash"):
        run("predict", str(train_csv), "--name", "mine")


def test_predict_without_a_name_uses_the_model_trained_last(train_csv: Path, tmp_path: Path) -> None:
    """A model of other labels (a city's own categories) trained after the category model is the
    one ``predict`` uses: train on one part, predict the rest."""
    run("train", str(train_csv), "--name", "categories")
    own = tmp_path / "own.csv"
    rows = read(train_csv.read_text(encoding="utf-8"))
    with own.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["text", "label"], extrasaction="ignore")
        writer.writeheader()
        writer.writerows({**r, "label": "井盖类" if "0102" in r["label"] else "其他"} for r in rows)
    run("train", str(own), "--name", "own")
    assert TriageModel.objects.get(name="own").labels_kind == "other"
    assert {r["predicted"] for r in read(run("predict", str(own)))} == {"井盖类", "其他"}
    run("activate", "categories")
    assert {r["predicted"] for r in read(run("predict", str(own)))} <= set(LABELS)
