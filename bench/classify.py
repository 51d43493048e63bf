"""Topic and type classification on the reference data: F1 and throughput of the
minsheng model beside a TF-IDF + LinearSVC baseline, trained and measured the same way.

    .venv/bin/python bench/classify.py [--datasets ../shared/datasets]

A fixed 20% of ../shared/datasets/train is held back (hash of the whitespace-free
text, so the same text is on the same side in every file; a training row whose title
or body appears in any held-back row is dropped). Both models train on the other 80%
(topic: the union of titles, bodies and title+body messages). Throughput is measured
on one core. Skips cleanly without the datasets.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # one core

import argparse  # noqa: E402
import hashlib  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from minsheng.insight import classify, csvio  # noqa: E402
from minsheng.insight.text import normalize  # noqa: E402

TOPIC = "一级标签"
KIND = "问题类型"


def _key(text: str) -> str:
    return "".join(normalize(text).split())


def held_back(text: str) -> bool:
    return int(hashlib.sha1(_key(text).encode("utf-8")).hexdigest(), 16) % 5 == 0


def _load(path: Path, column: str):
    titles, bodies, rows, _ = csvio.message_texts(path)
    return [(t, b, r[column].strip()) for t, b, r in zip(titles, bodies, rows, strict=True) if r[column].strip()]


def _cols(rows):
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def reference_split(train_dir: Path) -> dict:
    """{"topic": (train, {"messages", "bodies", "titles"}), "kind": (train, test)};
    each part is (titles, bodies, labels)."""
    m = _load(train_dir / "tipdm_messages.csv", TOPIC)
    b = _load(train_dir / "tipdm_bodies.csv", TOPIC)
    t = _load(train_dir / "tipdm_titles.csv", TOPIC)
    m_test = [r for r in m if held_back(r[1])]
    b_test = [r for r in b if held_back(r[1])]
    t_test = [r for r in t if held_back(r[0])]
    seen = {_key(r[0]) for r in m_test + t_test if r[0]} | {_key(r[1]) for r in m_test + b_test if r[1]}

    def clean(r):
        return (not r[0] or _key(r[0]) not in seen) and (not r[1] or _key(r[1]) not in seen)

    topic_train = [r for r in m if not held_back(r[1]) and clean(r)] + \
                  [r for r in b if not held_back(r[1]) and clean(r)] + \
                  [r for r in t if not held_back(r[0]) and clean(r)]
    k = _load(train_dir / "msgabench_types.csv", KIND)
    return {
        "topic": (_cols(topic_train), {"messages": _cols(m_test), "bodies": _cols(b_test), "titles": _cols(t_test)}),
        "kind": (_cols([r for r in k if not held_back(r[1])]), _cols([r for r in k if held_back(r[1])])),
    }


class Baseline:
    """TF-IDF of jieba words over "title body" + LinearSVC (what a first attempt does)."""

    def __init__(self, titles, bodies, labels):
        import jieba
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        self.vectorizer = TfidfVectorizer(tokenizer=jieba.lcut, token_pattern=None, sublinear_tf=True)
        x = self.vectorizer.fit_transform(self._texts(titles, bodies))
        self.svm = LinearSVC().fit(x, labels)

    @staticmethod
    def _texts(titles, bodies):
        return [f"{normalize(t)} {normalize(b)}".strip() for t, b in zip(titles, bodies, strict=True)]

    def predict(self, titles, bodies):
        return list(self.svm.predict(self.vectorizer.transform(self._texts(titles, bodies))))


def measure(predict, titles, bodies, labels) -> tuple[float, float]:
    from sklearn.metrics import f1_score

    start = time.process_time()
    predicted = predict(titles, bodies)
    elapsed = max(time.process_time() - start, 1e-9)
    return f1_score(labels, predicted, average="macro"), len(labels) / elapsed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=str(ROOT / ".." / "shared" / "datasets"))
    args = parser.parse_args(argv)
    train_dir = Path(args.datasets) / "train"
    if not train_dir.is_dir():
        print(f"skipped: {train_dir} is absent")
        return 0
    split = reference_split(train_dir)
    print(f"segmenter: {classify.segmenter_name()}; throughput = messages per CPU-second on one core")
    print(f"{'task':<22}{'n':>6}  {'minsheng F1':>11} {'msg/s':>8}   {'baseline F1':>11} {'msg/s':>8}")
    targets = {"messages": 0.93, "bodies": 0.93, "titles": 0.92, "types": 0.86}
    for task in ("topic", "kind"):
        train, tests = split[task]
        if task == "kind":
            tests = {"types": tests}
        start = time.process_time()
        ours = classify.train(*train)
        ours_train = time.process_time() - start
        start = time.process_time()
        base = Baseline(*train)
        base_train = time.process_time() - start
        print(f"-- {task}: {len(train[2])} training rows; training {ours_train:.0f} s (baseline {base_train:.0f} s)")
        for name, rows in tests.items():
            f1, speed = measure(lambda t, b, model=ours: [p.label for p in model.predict(t, b)], *rows)
            bf1, bspeed = measure(base.predict, *rows)
            print(f"{task + '/' + name:<22}{len(rows[2]):>6}  {f1:>11.4f} {speed:>8.0f}   {bf1:>11.4f} {bspeed:>8.0f}"
                  f"   (target {targets[name]:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
