"""minsheng evaluate-classifier --model DIR --data F.csv --label-column COL

The last line printed is one JSON object:
{"n", "macro_f1", "accuracy", "per_class", "messages_per_second"}."""

import json
import unicodedata

from django.core.management.base import BaseCommand, CommandError

from minsheng.insight import classify, csvio, training
from minsheng.progress import Progress


class Command(BaseCommand):
    help = ("Measure a classifier on a labelled CSV; the last line printed is one JSON object: n, macro_f1, "
            "accuracy, per_class, messages_per_second. Rows without a label are counted and left out; a label "
            "column sharing no label with the model is refused. A file over 1,000 rows counts its progress on stderr.")

    def add_arguments(self, parser):
        parser.add_argument("--model", required=True, help="model directory (from train-classifier)")
        parser.add_argument("--data", required=True,
                            help="labelled UTF-8 CSV (留言主题/title and/or 留言详情/body, or 留言/text; '-': standard input)")
        parser.add_argument("--label-column", required=True, help="the label column, e.g. 一级标签")

    def handle(self, *args, model, data, label_column, **options):
        try:
            clf = classify.TextClassifier.load(model)
            titles, bodies, labels, unlabelled = training.load_labelled([data], label_column)
            labels = _as_model_labels(labels, clf.labels)
            if not labels:
                raise CommandError(f"{data}: 列 {label_column} 中没有任何标签")
            if not set(labels) & set(clf.labels):  # a column of names or ids: macro_f1 0.0 told nothing
                raise CommandError(f"{data}: 列 {label_column} 的 {len(set(labels))} 个值没有一个是模型的标签 "
                                   f"(模型: {training.listed(clf.labels)}); 请检查 --label-column")
            with Progress(self.stderr, quiet=options.get("verbosity", 1) == 0) as progress:
                figures = classify.evaluate(
                    clf, titles, bodies, labels, chunk=csvio.PROGRESS_EVERY,
                    progress=csvio.row_counter(progress, len(labels), "条留言已评估"))
        except (classify.ModelError, csvio.CSVError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        unknown = sorted(set(labels) - set(clf.labels))
        if options.get("verbosity", 1):  # -v 0: the JSON (and the notes) only
            self.stdout.write(f"模型 {model}: 标签 {', '.join(clf.labels)}")
        if unlabelled:
            self.stdout.write(f"{unlabelled} 行无标签, 未计入")
        if unknown:
            self.stdout.write(f"注意: 数据中有 {len(unknown)} 个模型不认识的标签 {training.listed(unknown, 10)}")
        self.stdout.write(json.dumps(figures, ensure_ascii=False))


def _squashed(label: str) -> str:
    return "".join(unicodedata.normalize("NFKC", label).split())


def _as_model_labels(labels: list[str], known: list[str]) -> list[str]:
    """The data's labels, each written as the model's label it differs from only by spaces
    or full-width forms: 「投诉 / 求助」 and 「投诉／求助」 are the model's 投诉/求助. They were
    counted as labels the model never predicts, every such row wrong (a type model's
    macro-F1 read 0.41 for the 0.80 it has on the same rows as written)."""
    exact = set(known)
    spelled = {_squashed(k): k for k in known}
    return [label if label in exact else spelled.get(_squashed(label), label) for label in labels]
