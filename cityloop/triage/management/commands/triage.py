"""``cityloop triage``: train, use and measure the text classifiers of the intake (docs/triage.md).

cityloop triage train FILE.csv [--text text] [--label label] [--name NAME] [--method char|word_char]
cityloop triage train --from-cases [--units] [--name NAME]   # closed cases: category, or disposing unit
cityloop triage predict FILE.csv [--text text] [--name NAME] [--output FILE]
cityloop triage evaluate FILE.csv [--text text] [--label label] [--name NAME]
cityloop triage default [--if-missing]                       # store and activate the corpus model
cityloop triage models                                       # every version, the active ones marked
cityloop triage activate NAME [--version N]
cityloop triage corpus [--output FILE] [--per-label N]       # the default corpus as CSV
cityloop triage duplicates --since DATE [--until DATE] [--district CODE] [--output FILE]
                                                             # likely duplicate pairs, for review
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cityloop.cases import duplicates
from cityloop.cases.models import Case
from cityloop.core.audit import command_actor, request_context
from cityloop.core.models import Unit, UnitKind
from cityloop.triage import corpus, registry
from cityloop.triage.actions import activate_model, store_model
from cityloop.triage.artefacts import ArtefactError
from cityloop.triage.features import METHODS
from cityloop.triage.learn import AUTO, TrainingError, measure, train
from cityloop.triage.models import LabelsKind, TriageModel
from cityloop.triage.suggest import parse_label
from cityloop.triage.tables import TableError, read_table, write_table


class Command(BaseCommand):
    help = "Text classifiers for the intake: train, predict, evaluate, list and activate models."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="op", required=True)
        tr = sub.add_parser("train", help="train a model, store it as a new version and make it active")
        tr.add_argument("file", nargs="?", help="a CSV with a text and a label column")
        tr.add_argument("--text", default="text", help="the column of texts (default: text)")
        tr.add_argument("--label", default="label", help="the column of labels (default: label)")
        tr.add_argument("--name", default="", help="the model's name (default: the file's, or cases)")
        tr.add_argument(
            "--method",
            choices=(AUTO, *METHODS),
            default=AUTO,
            help="auto (default): fit each method, keep the best held-out macro-F1",
        )
        tr.add_argument(
            "--labels-kind",
            choices=LabelsKind.values,
            default="",
            help="what the labels are (default: category if every label reads kind:code, else other)",
        )
        tr.add_argument("--from-cases", action="store_true", help="train on the city's closed cases")
        tr.add_argument("--units", action="store_true", help="with --from-cases: label by the disposing unit")
        tr.add_argument("--no-activate", action="store_true", help="store without making it active")
        tr.add_argument("--seed", type=int, default=0, help="the held-out split's seed")
        tr.add_argument("--as", dest="as_user", default="", help="the user the audit log names")
        pr = sub.add_parser("predict", help="add predicted and score columns to a CSV")
        pr.add_argument("file")
        pr.add_argument("--text", default="text")
        pr.add_argument("--name", default="", help="the model (default: the one activated last)")
        pr.add_argument("--output", default="", help="write here instead of standard output")
        ev = sub.add_parser("evaluate", help="accuracy and macro-F1 of a model on a labelled CSV")
        ev.add_argument("file")
        ev.add_argument("--text", default="text")
        ev.add_argument("--label", default="label")
        ev.add_argument("--name", default="")
        ev.add_argument("--json", action="store_true", help="print the per-label figures too, as JSON")
        de = sub.add_parser("default", help="store and activate the default model (the project's corpus)")
        de.add_argument("--if-missing", action="store_true", help="only if no category model is stored")
        de.add_argument("--as", dest="as_user", default="")
        sub.add_parser("models", help="list the stored models")
        ac = sub.add_parser("activate", help="make a stored model the active one of its labels kind")
        ac.add_argument("name")
        ac.add_argument("--version", type=int, default=0, help="default: the latest")
        ac.add_argument("--as", dest="as_user", default="")
        co = sub.add_parser("corpus", help="write the default corpus as CSV (text,label)")
        co.add_argument("--output", default="")
        co.add_argument("--per-label", type=int, default=registry.DEFAULT_PER_LABEL)
        co.add_argument("--seed", type=int, default=registry.DEFAULT_SEED)
        du = sub.add_parser("duplicates", help="open cases that likely repeat an earlier one, for review")
        du.add_argument("--since", required=True, help="reported on or after this day (YYYY-MM-DD)")
        du.add_argument("--until", default="", help="reported before this day (default: tomorrow)")
        du.add_argument("--district", default="", help="only this district (its unit code)")
        du.add_argument("--output", default="", help="a CSV file (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        with request_context(None):
            try:
                getattr(self, f"_{options['op']}")(options)
            except (TableError, TrainingError, ArtefactError) as exc:
                raise CommandError(str(exc)) from None

    # --- training -----------------------------------------------------------------------------
    def _train(self, options: dict[str, Any]) -> None:
        actor = command_actor(options["as_user"])
        if options["from_cases"]:
            if options["file"]:
                raise CommandError("give a FILE or --from-cases, not both")
            texts, labels, source = self._cases(units=options["units"])
            name = options["name"] or ("case-units" if options["units"] else "cases")
            kind = LabelsKind.UNIT if options["units"] else LabelsKind.CATEGORY
        else:
            if not options["file"]:
                raise CommandError("give a CSV FILE to train on (or --from-cases)")
            table = read_table(options["file"])
            texts_all = table.column(options["text"], "text")
            labels_all = table.column(options["label"], "label")
            pairs = [(t, label) for t, label in zip(texts_all, labels_all, strict=True) if t and label]
            if not pairs:
                raise CommandError(f"{options['file']}: no row has both a text and a label")
            skipped = len(texts_all) - len(pairs)
            if skipped:
                self.stderr.write(f"{skipped} rows without a text or a label left out")
            texts, labels = [p[0] for p in pairs], [p[1] for p in pairs]
            source = Path(options["file"]).name
            name = options["name"] or Path(options["file"]).stem
            kind = options["labels_kind"] or (
                LabelsKind.CATEGORY if all(parse_label(x) for x in set(labels)) else LabelsKind.OTHER
            )
        classifier, report = train(texts, labels, method=options["method"], seed=options["seed"])
        model = store_model(
            actor=actor,
            classifier=classifier,
            report=report,
            name=name,
            labels_kind=kind,
            source=source,
            activate=not options["no_activate"],
        )
        self._print_report(model)

    def _cases(self, *, units: bool) -> tuple[list[str], list[str], str]:
        from cityloop.cases.models import Case

        closed = Case.objects.filter(state="closed", category__isnull=False).order_by("pk")
        if units:
            rows = closed.filter(responsible_unit__isnull=False).values_list(
                "description", "responsible_unit__code"
            )
            pairs = [(d, u) for d, u in rows if d.strip()]
        else:
            found = closed.values_list("description", "category__kind", "category__code")
            pairs = [(d, corpus.category_label(k, c)) for d, k, c in found if d.strip()]
        if not pairs:
            raise CommandError("no closed cases with a description to learn from yet")
        what = "disposing units" if units else "final categories"
        return [p[0] for p in pairs], [p[1] for p in pairs], f"{len(pairs)} closed cases ({what})"

    def _default(self, options: dict[str, Any]) -> None:
        if options["if_missing"] and TriageModel.objects.filter(labels_kind=LabelsKind.CATEGORY).exists():
            self.stdout.write("a category model is stored already: nothing to do")
            return
        classifier, report = registry.default_classifier()
        model = store_model(
            actor=command_actor(options["as_user"]),
            classifier=classifier,
            report=report,
            name=registry.DEFAULT_NAME,
            labels_kind=LabelsKind.CATEGORY,
            source=f"corpus: {registry.DEFAULT_PER_LABEL} per subclass, seed {registry.DEFAULT_SEED}",
        )
        self._print_report(model)

    def _print_report(self, model: TriageModel) -> None:
        r = model.report
        state = "active" if model.active else "stored, not active"
        self.stdout.write(
            f"model {model.name} v{model.version} ({model.labels_kind}, {model.method}), {state}: "
            f"{r.get('rows', 0)} rows, {r.get('train_rows', 0)} trained on, "
            f"{r.get('test_rows', 0)} held out, {r.get('seconds', 0)} s"
        )
        self.stdout.write(f"accuracy {model.accuracy:.4f}  macro-F1 {model.macro_f1:.4f}  (held-out part)")
        for method, figures in r.get("candidates", {}).items():
            chosen = "  ← kept" if method == model.method else ""
            self.stdout.write(
                f"  {method:<10} accuracy {figures['accuracy']:.4f}  macro-F1 {figures['macro_f1']:.4f}  "
                f"{figures['fit_seconds']} s{chosen}"
            )
        labels = r.get("labels", {})
        self.stdout.write(f"{'label':<24} {'precision':>9} {'recall':>7} {'F1':>7} {'support':>8}")
        for label, f in sorted(labels.items(), key=lambda item: item[1]["f1"]):
            self.stdout.write(
                f"{label:<24} {f['precision']:>9.3f} {f['recall']:>7.3f} {f['f1']:>7.3f} {f['support']:>8}"
            )

    # --- using --------------------------------------------------------------------------------
    def _model(self, name: str) -> registry.Loaded:
        if name:
            found = TriageModel.objects.filter(name=name).order_by("-active", "-version").first()
            if found is None:
                known = ", ".join(sorted(set(TriageModel.objects.values_list("name", flat=True)))) or "none"
                raise CommandError(f"no model named {name!r} (stored: {known})")
            return registry.load(found)
        return registry.latest_model()

    def _predict(self, options: dict[str, Any]) -> None:
        table = read_table(options["file"])
        texts = table.column(options["text"], "text")
        loaded = self._model(options["name"])
        present = [i for i, t in enumerate(texts) if t]
        found = dict(zip(present, loaded.classifier.predict([texts[i] for i in present]), strict=True))
        rows = []
        for i, row in enumerate(table.rows):
            label, score = found.get(i, ("", 0.0))
            rows.append({**row, "predicted": label, "score": f"{score:.4f}" if label else ""})
        columns = [c for c in table.columns if c not in ("predicted", "score")] + ["predicted", "score"]
        text = write_table(columns, rows)
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"{len(rows)} rows with predictions written to {options['output']}")
        else:
            self.stdout.write(text, ending="")

    def _evaluate(self, options: dict[str, Any]) -> None:
        table = read_table(options["file"])
        texts = table.column(options["text"], "text")
        labels = table.column(options["label"], "label")
        pairs = [(t, label) for t, label in zip(texts, labels, strict=True) if t and label]
        if not pairs:
            raise CommandError(f"{options['file']}: no row has both a text and a label")
        loaded = self._model(options["name"])
        predicted = [p for p, _ in loaded.classifier.predict([t for t, _ in pairs])]
        result = measure([label for _, label in pairs], predicted)
        self.stdout.write(f"model {loaded.name} v{loaded.version}: {len(pairs)} rows")
        self.stdout.write(f"accuracy {result['accuracy']:.4f}")
        self.stdout.write(f"macro-F1 {result['macro_f1']:.4f}")
        if options["json"]:
            self.stdout.write(json.dumps(result, ensure_ascii=False))

    # --- managing -----------------------------------------------------------------------------
    def _models(self, options: dict[str, Any]) -> None:
        for m in TriageModel.objects.defer("artefact").order_by("name", "-version"):
            mark = "*" if m.active else " "
            made = timezone.localtime(m.created_at)
            self.stdout.write(
                f"{mark} {m.name} v{m.version}\t{m.labels_kind}\t{m.method}\t{m.rows} rows\t"
                f"acc {m.accuracy:.4f}\tmacro-F1 {m.macro_f1:.4f}\t{made:%Y-%m-%d %H:%M}\t{m.source}"
            )

    def _activate(self, options: dict[str, Any]) -> None:
        found = TriageModel.objects.defer("artefact").filter(name=options["name"])
        if options["version"]:
            found = found.filter(version=options["version"])
        model = found.order_by("-version").first()
        if model is None:
            raise CommandError(
                f"no model {options['name']!r}" + (f" v{options['version']}" if options["version"] else "")
            )
        activate_model(actor=command_actor(options["as_user"]), model=model)
        self.stdout.write(f"{model} is the active {model.labels_kind} model")

    def _corpus(self, options: dict[str, Any]) -> None:
        text = corpus.as_csv(corpus.generate(options["per_label"], seed=options["seed"]))
        if options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
        else:
            self.stdout.write(text, ending="")

    # --- likely duplicates ----------------------------------------------------------------------
    def _duplicates(self, options: dict[str, Any]) -> None:
        def day(value: str, name: str) -> dt.datetime:
            try:
                parsed = dt.date.fromisoformat(value)
            except ValueError:
                raise CommandError(f"--{name}: {value!r} is not a day (YYYY-MM-DD)") from None
            return timezone.make_aware(dt.datetime.combine(parsed, dt.time()))

        since = day(options["since"], "since")
        until = day(options["until"], "until") if options["until"] else since.max.replace(tzinfo=since.tzinfo)
        within = Case.objects.all()
        if options["district"]:
            district = Unit.objects.filter(code=options["district"], kind=UnitKind.DISTRICT).first()
            if district is None:
                raise CommandError(f"--district: no district {options['district']!r}")
            within = within.filter(district=district)
        found = duplicates.pairs(since, until, within)
        target = options["output"]
        with (
            open(target, "w", newline="", encoding="utf-8")
            if target
            else contextlib.nullcontext(sys.stdout) as out
        ):
            writer = csv.writer(out)
            writer.writerow(["case", "reported_at", "likely_duplicate_of", "score", "distance_m", "category"])
            for pair in found:
                case = pair.later
                writer.writerow(
                    [
                        case.number,
                        timezone.localtime(case.reported_at).isoformat(timespec="minutes"),
                        pair.earlier.number,
                        f"{pair.earlier.score:.3f}",
                        f"{pair.earlier.distance_m:.1f}",
                        f"{case.category.kind}:{case.category.code}" if case.category else "",
                    ]
                )
        self.stderr.write(f"{len(found)} likely duplicate pairs")
