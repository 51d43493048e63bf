"""minsheng train-classifier --data F.csv [--data G.csv ...] --label-column COL --out DIR
minsheng train-classifier --from-db [--target topic|kind|unit] [--out DIR]  (default: the model the site serves)"""

import math
import warnings
from collections import Counter
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from minsheng.insight import classify, csvio, training


class Command(BaseCommand):
    help = ("Train a topic or type classifier from labelled CSV files, or a topic, type or unit model from "
            "handled cases in the database (--from-db). Prints its progress (rows read, the 20% hold-out "
            "macro-F1 and accuracy, features, the start and end of each fit) and a summary line on stdout, notes (labels of a single row) on "
            "stderr; the model directory holds "
            "model.json (labels, fingerprint of the training data, hold-out figures) and weights.npz.")

    def add_arguments(self, parser):
        parser.add_argument("--data", action="append", default=[],
                            help="labelled UTF-8 CSV (留言主题/title and/or 留言详情/body, or 留言/text); repeatable, a file "
                                 "named twice is read once; '-' reads standard input")
        parser.add_argument("--label-column", help="the label column, e.g. 一级标签 or 问题类型 (a column whose values each occur once, an id, is refused)")
        parser.add_argument("--from-db", action="store_true",
                            help="train from dispatched messages (topic and type as the dispatcher left them)")
        parser.add_argument("--target", choices=training.TARGETS,
                            help="with --from-db: topic, kind (type) or unit (the office, i.e. short name, of the lead "
                                 "unit that handled the case in the end, its name where it has none or shares it "
                                 "within its region: routing learned from past dispatches); "
                                 "default topic")
        parser.add_argument("--out", help="model directory to write: new (missing folders are created), empty, or a model "
                                          "directory whose model is replaced; with --from-db the default is the one the "
                                          "site serves, MINSHENG_MODEL_DIR/<target> (required with --data)")
        parser.add_argument("--c", type=float,
                            help="SVM regularisation C (default: whichever of "
                                 f"{' / '.join(map(str, classify.C_CHOICES))} reads the 20%% hold-out better)")

    def handle(self, *args, data, label_column, from_db, target, out, c, **options):
        if from_db and data:
            raise CommandError("--from-db 与 --data 不能同时使用")
        if not from_db and not data:
            raise CommandError("请给出 --data 文件 (可多次) 或 --from-db")
        if data and not label_column:
            raise CommandError("使用 --data 时必须给出 --label-column")
        if target and not from_db:  # a CSV's labels are what --label-column names
            raise CommandError("--target 只能与 --from-db 一起使用; 训练 CSV 时用 --label-column 选择标签")
        if from_db and label_column is not None:  # was ignored: the topic model was trained whatever it named
            raise CommandError("--label-column 只能与 --data 一起使用; 从数据库训练时用 --target 选择 topic/kind/unit")
        target = target or "topic"
        if out is None:
            if not from_db:
                raise CommandError("使用 --data 时必须给出 --out (模型目录)")
            from django.conf import settings

            out = str(Path(settings.MINSHENG_MODEL_DIR) / target)  # the folder the site reads (tasks.get_model)
        if c is not None and not 0 < c < math.inf:  # nan fails both comparisons
            raise CommandError("--c 必须是大于 0 的有限数")
        say = training.progress_printer(self.stdout) if options.get("verbosity", 1) else (lambda _text: None)
        try:
            out_path = csvio.check_model_output(out)  # before any work: training takes a minute
            if from_db:
                titles, bodies, labels, corrections = training.handled_cases(target)
                fixed = "经转办或退单" if target == "unit" else f"经派单员更正{'领域' if target == 'topic' else '类型'}"
                if not labels:
                    raise CommandError("数据库中还没有可用于训练的已派单留言 (需要派单员处理过的留言)")
                say(f"数据库: {len(labels)} 条已派单留言, 其中 {corrections} 条{fixed}")
                self._check_labels(labels, None)  # a city's first cases: labels of one message each
                sources = [f"database: dispatched messages ({target})"]
            else:
                data = self._once(data)
                titles, bodies, labels, unlabelled = training.load_labelled(data, label_column)
                say(f"读取 {len(data)} 个文件: {len(labels)} 行有标签" + (f", {unlabelled} 行无标签已跳过" if unlabelled else ""))
                if not labels:
                    raise CommandError(f"列 {label_column} 中没有任何标签 ({', '.join(map(str, data))})")
                self._check_labels(labels, label_column)
                sources = [csvio.STDIN_NAME if p == csvio.STDIN else str(Path(p).resolve().name) for p in data]
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                model = classify.train(titles, bodies, labels, c=c, sources=sources, progress=say)
            converged = True
            for w in caught:  # sklearn's warning is three lines naming its source file; one line says what it means
                if w.category.__name__ == "ConvergenceWarning":
                    converged = False
                else:
                    warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
            if not converged:
                self.stderr.write("注意: 线性 SVM 未完全收敛 (标签过多或过碎?); 模型可用, 但请检查 --label-column 或调小 --c")
            unmeasured = not (model.meta.get("evaluation") or {}).get("holdout_20pct")
            if unmeasured and options.get("verbosity", 1):  # since 2026-12-06: it said nothing
                rows = model.meta["n_train"]
                why = (f"只有 {rows} 行 (不足 {classify.MIN_ROWS_FOR_HOLDOUT} 行)" if rows < classify.MIN_ROWS_FOR_HOLDOUT
                       else "留出的 20% 之外不足两个标签")
                self.stderr.write(f"注意: {why}, 未做留出验证, 模型读得准不准无从得知; "
                                  "积累几百条后再训练, 再启用自动派单")
            model.save(out_path)
        except (csvio.CSVError, classify.TrainingError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"无法写入模型目录 {out}: {exc.strerror}") from None
        figures = (model.meta.get("evaluation") or {}).get("holdout_20pct")
        self.stdout.write(
            f"完成: {model.meta['n_train']} 行, {_labels(model.labels)}; "
            + (f"留出 20% macro-F1 {figures['macro_f1']:.4f}, 准确率 {figures['accuracy']:.4f}; " if figures else "")
            + f"模型 → {out_path} (指纹 {model.meta['fingerprint'][:12]})"
        )

    def _once(self, paths: list[str]) -> list[str]:
        """The --data files, each once: a file named twice (also through another path or a
        link) was read twice, every message counted double."""
        kept: list[str] = []
        for path in paths:
            first = next((k for k in kept if k == path or csvio.same_file(k, path)), None)
            if first is not None:
                self.stdout.write(f"注意: --data {path} 与 {first} 是同一个文件, 只读取一次")
                continue
            kept.append(path)
        return kept

    def _check_labels(self, labels: list[str], label_column: str | None) -> None:
        """A refusal when every one of more than 20 labels names one row (an id or text column given as
        --label-column trains a model of a label per message, that can only be wrong), a note when most
        do; else a note naming the labels that have a single row (msgabench_types.csv's 问题领域 has several)."""
        counts = Counter(labels)
        single = sum(n == 1 for n in counts.values())
        if label_column is not None and len(counts) > 20 and single == len(counts):
            # 留言编号 of tipdm_messages.csv: 921 labels of one row each, three minutes of training, exit 0, and
            # a model of hold-out macro-F1 0.0000 that can only ever be wrong
            raise CommandError(f"列 {label_column} 的 {len(counts)} 个值各只出现一次, 它像编号或正文, 不是标签列; "
                               "请检查 --label-column")
        if label_column is not None and len(counts) > 20 and single * 2 > len(counts):
            self.stderr.write(f"注意: 列 {label_column} 有 {len(counts)} 个不同的值, 其中 {single} 个只出现一次; "
                              "它像编号或正文, 不像标签列")
        elif single:  # learnt from one message, and the 20% hold-out cannot measure it
            names = sorted(label for label, n in counts.items() if n == 1)
            self.stderr.write(f"注意: {single} 个标签只有 1 行 ({training.listed(names)}), 模型只能从一条留言学它, "
                              "留出验证也量不出它; 能补充数据最好")


def _labels(labels, shown: int = 12) -> str:
    if len(labels) <= shown:
        return "标签 " + training.listed(labels, shown)
    return f"{len(labels)} 个标签 ({training.listed(labels, shown)})"
