"""Topic and type classification on the reference data: F1 and throughput of the
minsheng model beside a TF-IDF + LinearSVC baseline, trained and measured the same way.

    .venv/bin/python bench/classify.py [--datasets ../shared/datasets] [--folds 5]

Topic is measured on whole messages never seen in training: the 921 title+body messages of
tipdm_messages.csv are split in five folds (sha1 of the whitespace-free body mod 5); for each
fold, both models train on every other row of the three topic files (titles, bodies, the
other messages) except any title or body of a held-back message, and read each held-back
message three ways: title+body, body alone, title alone. Out-of-fold predictions over all 921
messages give the F1 of each way. (tipdm_bodies.csv and tipdm_titles.csv hold the bodies and
the titles of the same challenge messages and cannot be joined: holding back rows of one file
leaves their message's other half in training, which overstates F1 by two to three points —
docs/classification.md.) Type: a fixed 20% of msgabench_types.csv (same hash) is held back.
Throughput is messages per CPU-second on one core. Skips cleanly without the datasets.
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


def _fold(text: str, folds: int = 5) -> int:
    return int(hashlib.sha1(_key(text).encode("utf-8")).hexdigest(), 16) % folds


def held_back(text: str) -> bool:
    return _fold(text) == 0


def _load(path: Path, column: str):
    titles, bodies, rows, _ = csvio.message_texts(path)
    return [(t, b, r[column].strip()) for t, b, r in zip(titles, bodies, rows, strict=True) if r[column].strip()]


def _cols(rows):
    return [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]


def topic_fold(train_dir: Path, fold: int, folds: int = 5):
    """(train, {"messages", "bodies", "titles"}) for one fold of the whole-message split;
    each part is (titles, bodies, labels). The held-back messages are read three ways."""
    m = _load(train_dir / "tipdm_messages.csv", TOPIC)
    test = [r for r in m if _fold(r[1], folds) == fold]
    seen = {_key(r[0]) for r in test if r[0]} | {_key(r[1]) for r in test if r[1]}

    def unseen(r):
        return (not r[0] or _key(r[0]) not in seen) and (not r[1] or _key(r[1]) not in seen)

    train = [r for r in m if _fold(r[1], folds) != fold and unseen(r)]
    for name in ("tipdm_bodies.csv", "tipdm_titles.csv"):
        train += [r for r in _load(train_dir / name, TOPIC) if unseen(r)]
    titles, bodies, labels = _cols(test)
    return _cols(train), {"messages": (titles, bodies, labels),
                          "bodies": ([""] * len(bodies), bodies, labels),
                          "titles": (titles, [""] * len(titles), labels)}


def in_traditional(titles, bodies):
    """The messages as a citizen writing 繁體 would have sent them (OpenCC s2t)."""
    import opencc

    s2t = opencc.OpenCC("s2t")
    return [s2t.convert(t) for t in titles], [s2t.convert(b) for b in bodies]


def kind_split(train_dir: Path):
    """(train, test) of msgabench_types: a fixed 20% held back."""
    k = _load(train_dir / "msgabench_types.csv", KIND)
    return _cols([r for r in k if not held_back(r[1])]), _cols([r for r in k if held_back(r[1])])


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


def timed(predict, titles, bodies) -> tuple[list[str], float]:
    """Predictions and CPU seconds."""
    start = time.process_time()
    predicted = list(predict(titles, bodies))
    return predicted, max(time.process_time() - start, 1e-9)


def ours(model):
    return lambda titles, bodies: [p.label for p in model.predict(titles, bodies)]


TARGETS = {"messages": 0.93, "bodies": 0.93, "titles": 0.92, "types": 0.86}
NAMES = {"messages": "topic/title+body", "bodies": "topic/body alone", "titles": "topic/title alone",
         "traditional": "topic/traditional", "types": "type"}


def speed(predict, titles, bodies, repeat: int = 3) -> float:
    """Messages per CPU-second, best of a few runs over one batch (as `classify` reads a file)."""
    return len(titles) / min(timed(predict, titles, bodies)[1] for _ in range(repeat))


def report(name, gold, predicted, speeds) -> None:
    """One line: F1 and throughput of ours and the baseline."""
    from sklearn.metrics import f1_score

    cells = [f"{f1_score(gold, predicted[who], average='macro'):>11.4f} {speeds[who]:>8.0f}" for who in ("ours", "base")]
    target = f"(target {TARGETS[name]:.2f})" if name in TARGETS else "(title+body in traditional characters)"
    print(f"{NAMES[name]:<20}{len(gold):>6}  {cells[0]}   {cells[1]}   {target}", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", default=str(ROOT / ".." / "shared" / "datasets"),
                        help="folder holding train/ (default ../shared/datasets)")
    parser.add_argument("--folds", type=int, default=5, help="folds of the whole-message topic split")
    args = parser.parse_args(argv)
    train_dir = Path(args.datasets) / "train"
    if not train_dir.is_dir():
        print(f"skipped: {train_dir} is absent")
        return 0
    print(f"segmenter: {classify.segmenter_name()}; throughput = messages per CPU-second on one core")
    print(f"{'task':<20}{'n':>6}  {'minsheng F1':>11} {'msg/s':>8}   {'baseline F1':>11} {'msg/s':>8}")
    gold: list[str] = []
    predicted = {kind: {"ours": [], "base": []} for kind in ("messages", "bodies", "titles", "traditional")}
    every = {kind: ([], []) for kind in predicted}  # all held-back messages, read each way
    for fold in range(args.folds):
        train, tests = topic_fold(train_dir, fold, args.folds)
        start = time.process_time()
        models = {"ours": ours(classify.train(*train)), "base": Baseline(*train).predict}
        print(f"-- topic fold {fold + 1}/{args.folds}: {len(train[2])} training rows, "
              f"{len(tests['messages'][2])} held-back messages ({time.process_time() - start:.0f} CPU-s)",
              flush=True)
        gold += tests["messages"][2]
        tests["traditional"] = (*in_traditional(*tests["messages"][:2]), tests["messages"][2])
        for kind, (titles, bodies, _) in tests.items():
            every[kind][0].extend(titles)
            every[kind][1].extend(bodies)
            for who, predict in models.items():
                predicted[kind][who] += predict(titles, bodies)
    # throughput: the last fold's models over every message at once
    for kind in predicted:
        report(kind, gold, predicted[kind], {who: speed(predict, *every[kind]) for who, predict in models.items()})
    train, (titles, bodies, labels) = kind_split(train_dir)
    print(f"-- type: {len(train[2])} training rows, {len(labels)} held back", flush=True)
    models = {"ours": ours(classify.train(*train)), "base": Baseline(*train).predict}
    report("types", labels, {who: predict(titles, bodies) for who, predict in models.items()},
           {who: speed(predict, titles, bodies) for who, predict in models.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
