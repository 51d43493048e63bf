"""minsheng classify --model DIR --data F.csv --out predictions.csv

One output row per input row: 留言编号 (or the row number), label, confidence and the
top three labels with their confidences."""

from django.core.management.base import BaseCommand, CommandError

from minsheng.insight import classify, csvio
from minsheng.progress import Progress


class Command(BaseCommand):
    help = ("Classify the messages of a CSV file with a trained model: one output row per input row. A file over "
            "1,000 rows counts its progress on stderr; stdout gets one summary line.")

    def add_arguments(self, parser):
        parser.add_argument("--model", required=True, help="model directory (from train-classifier)")
        parser.add_argument("--data", required=True,
                            help="UTF-8 CSV with 留言主题/title and/or 留言详情/body (or 留言/text) ('-': standard input)")
        parser.add_argument("--out", required=True,
                            help="output CSV (missing folders are created): 留言编号 (or row, the row number, without that column), label, confidence, "
                                 "top3 (label:confidence; ...); confidences floored to 4 decimals (0.99996 is 0.9999)")

    def handle(self, *args, model, data, out, **options):
        try:
            csvio.check_output(out, others=(data,))
            csvio.check_not_model_file(out, model)
            clf = classify.TextClassifier.load(model)
            table, titles, bodies = csvio.read_messages(data)
            classify.check_texts(titles, bodies, where=f"{table.path}: ")  # most rows must hold Chinese
            ids = csvio.unique_ids(table)
            # 留言编号 whichever of its names the input gave it (an ``id`` column was written back as ``id`` until
            # 2026-12-07, where --help and docs/classification.md say 留言编号)
            id_column = csvio.ID_COLUMNS[0] if csvio.pick_column(table.header, csvio.ID_COLUMNS) else "row"
            predictions = []
            with Progress(self.stderr, quiet=options.get("verbosity", 1) == 0) as progress:
                for start in range(0, len(titles), csvio.PROGRESS_EVERY):
                    predictions += clf.predict(titles[start:start + csvio.PROGRESS_EVERY],
                                               bodies[start:start + csvio.PROGRESS_EVERY])
                    if len(titles) > csvio.PROGRESS_EVERY:
                        progress(f"  {len(predictions)}/{len(titles)} 条留言已分类", len(predictions), len(titles))
            n = csvio.write_rows(
                out, [id_column, "label", "confidence", "top3"],
                ([i, p.label, classify.confidence_text(p.confidence, 4),
                  "; ".join(f"{label}:{classify.confidence_text(conf, 4)}" for label, conf in p.top)]
                 for i, p in zip(ids, predictions, strict=True)))
        except (classify.ModelError, csvio.CSVError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{n} 条留言已分类 → {out}")
