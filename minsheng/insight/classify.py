"""Topic and type classification of messages: plain Python over plain text.

A model reads a message's title and body (either may be empty) and returns a label
with a calibrated confidence and the top alternatives. Features (see docs/classification.md):

- character 1–3-grams of "title。body" (body cut to ``MAX_BODY_CHARS``), TF-IDF, sublinear tf;
- word 1–2-grams of the same text (rjieba when installed, else jieba), TF-IDF;
- character 1–3-grams of the title alone, so a title weighs as much as a long body.

A one-vs-rest NBSVM (linear SVMs, class-balanced, on features scaled by naive-Bayes
log-count ratios, folded back into one weight matrix) scores the labels; a softmax with a temperature fitted on
held-back rows turns the scores into confidences. One model serves titles, bodies and
title+body messages alike: train it on the union of all three kinds of rows.

A model is a directory: ``model.json`` (format version, labels, training-data
fingerprint, parameters, evaluation figures) and ``weights.npz`` (feature ids, idf,
coefficients). Features are integer ids computed in numpy (a character n-gram packs its
code points into an int64; a word is a 64-bit polynomial hash), which keeps
classification fast without a compiled extension. No pickles: a model loads in any Python with numpy
and scikit-learn, and a broken or foreign directory raises ``ModelError``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import math
import time
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from functools import lru_cache
from pathlib import Path

import numpy as np

from .csvio import MAX_TEXT_CHARS, replace_keeping_mode  # one limit for every command
from .text import han_ratio, normalize

FORMAT = "minsheng-text-classifier"
FORMAT_VERSION = 1
MAX_BODY_CHARS = 400  # enough to read the topic; keeps classification fast on long letters
MIN_ROWS_FOR_HOLDOUT = 60
DEFAULT_C = 0.3  # chosen by 5-fold grouped cross-validation on the 80% training part (docs)
# tried on the hold-out when no C is given, DEFAULT_C kept unless another reads it better: the three
# types read best at 0.1 (+1 point held back), the seven topics at 0.3 (docs/classification.md)
C_CHOICES = (0.1, DEFAULT_C)
NB_ALPHA = 0.5  # smoothing of the NBSVM log-count ratios (same cross-validation)


class ModelError(Exception):
    """A model directory is missing, broken, or of another format (one-line message)."""


class TrainingError(ValueError):
    """The training data cannot make a model (one-line message)."""


@dataclass
class Prediction:
    label: str
    confidence: float
    top: list[tuple[str, float]]  # the three most likely labels, best first


def confidence_text(confidence: float | None, places: int = 2) -> str:
    """A confidence as people read it, floored to ``places`` decimals (two on the pages, four in the
    ``classify`` command's CSV): 0.9996 is 「0.99」, only a sure 1.0 is 「1.00」 (rounded, a guess below
    certainty read as certain); "" for None. The stored value and the API's number stay exact."""
    if confidence is None or not math.isfinite(confidence := float(confidence)):
        return ""
    # by its decimal digits, not its binary value: 0.29 × 100 is 28.999999999999996
    return str(Decimal(repr(confidence)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_FLOOR))


# --- text and tokens -------------------------------------------------------------

def compose(title: str | None, body: str | None) -> str:
    """The text a model reads: normalised title and (truncated) body."""
    return _join(normalize(title), body)


def _join(title: str, body: str | None) -> str:
    # cut the raw body before normalising it (NFKC is the slow part on long letters); four
    # times the limit leaves room for the whitespace and masking stars that normalising drops
    body = normalize((body or "")[:4 * MAX_BODY_CHARS])[:MAX_BODY_CHARS]
    return f"{title}。{body}" if title and body else (title or body)


@lru_cache(maxsize=1)
def _segmenter() -> tuple[str, Callable[[str], list[str]]]:
    try:
        import rjieba

        return "rjieba", rjieba.cut
    except ImportError:  # pure-Python fallback: same dictionary, about 15x slower
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        return "jieba", jieba.lcut


def words(text: str) -> list[str]:
    """Word tokens for the word n-gram features (module-level so models can name it)."""
    return list(filter(str.strip, _segmenter()[1](text)))


def segmenter_name() -> str:
    return _segmenter()[0]


# --- features --------------------------------------------------------------------

BLOCKS = (
    # name, source field, analyzer
    ("chars", "text", "char13"),
    ("words", "text", "word12"),
    ("title", "title", "char13"),
)


def _tfidf_rows(n_docs: int, rows: np.ndarray, cols: np.ndarray, n_features: int, idf: np.ndarray):
    """CSR matrix of sublinear-tf x idf, l2-normalised per row, from (row, col) hits
    (scipy sums repeated hits per row: cheaper than sorting every hit globally)."""
    from scipy.sparse import csr_matrix

    x = csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=(n_docs, n_features))
    x.sum_duplicates()
    x.data = (1.0 + np.log(x.data)) * idf[x.indices]
    per_row = np.repeat(np.arange(n_docs), np.diff(x.indptr))
    norms = np.sqrt(np.bincount(per_row, weights=x.data * x.data, minlength=n_docs))
    x.data = (x.data / np.maximum(norms[per_row], 1e-12)).astype(np.float32)
    return x


def _idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    return (np.log((1.0 + n_docs) / (1.0 + df)) + 1.0).astype(np.float32)  # scikit-learn's smooth idf


def char_ngram_ids(docs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(doc index, n-gram id) of every character 1-, 2- and 3-gram, computed in numpy.

    A code point needs 21 bits, so an n-gram of up to three characters is one int64:
    the ids of 1-, 2- and 3-grams fall in disjoint ranges. Much faster than strings."""
    joined = "\x00".join(d.replace("\x00", "").lower() for d in docs)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    if not len(codes):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    doc = np.cumsum(codes == 0)
    ok = codes != 0
    ids = [codes[ok]]
    rows = [doc[ok]]
    ok2 = ok[:-1] & ok[1:]
    ids.append(((codes[:-1] << 21) | codes[1:])[ok2])
    rows.append(doc[:-1][ok2])
    ok3 = ok2[:-1] & ok[2:]
    ids.append(((codes[:-2] << 42) | (codes[1:-1] << 21) | codes[2:])[ok3])
    rows.append(doc[:-2][ok3])
    return np.concatenate(rows), np.concatenate(ids)


def ngram_text(ngram_id: int) -> str:
    """The characters of a char n-gram id (for reading a model's features)."""
    chars = []
    while ngram_id:
        chars.append(chr(ngram_id & 0x1FFFFF))
        ngram_id >>= 21
    return "".join(reversed(chars))


_P = np.uint64(1_000_003)
_BIGRAM = np.uint64(0x9E3779B97F4A7C15)


def word_ngram_ids(docs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(doc index, 64-bit id) of every word and word bigram, hashed in numpy.

    A word's id is a polynomial hash of its code points (wrapping uint64 arithmetic,
    the same on every machine); a bigram's id mixes its two word ids."""
    tokens: list[str] = []
    counts = []
    for doc in docs:
        toks = words(doc.replace("\x00", "").lower()) if doc else []
        tokens.extend(toks)
        counts.append(len(toks))
    doc_of = np.repeat(np.arange(len(docs), dtype=np.int64), counts)
    if not tokens:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    codes = np.frombuffer("".join(tokens).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    lengths = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    pos = np.arange(len(codes), dtype=np.int64) - np.repeat(starts, lengths)
    powers = np.cumprod(np.full(int(lengths.max()), _P, dtype=np.uint64), dtype=np.uint64)
    with np.errstate(over="ignore"):
        unigrams = np.add.reduceat(codes * powers[pos], starts) + lengths.astype(np.uint64)
        same_doc = doc_of[:-1] == doc_of[1:]
        bigrams = (unigrams[:-1] * _BIGRAM + unigrams[1:]) ^ _BIGRAM
    return (np.concatenate([doc_of, doc_of[:-1][same_doc]]),
            np.concatenate([unigrams, bigrams[same_doc]]))


class IdIndex:
    """A hash table (open addressing, linear probing, vectorised in numpy) from n-gram ids to
    their column: one random memory access per lookup where a binary search over the sorted
    vocabulary makes about twenty (classification about 1.35× faster; docs/classification.md).
    At most a quarter of the slots are used, so most lookups end at the first slot."""

    def __init__(self, keys: np.ndarray):
        n = len(keys)
        self.bits = max(4, int(np.ceil(np.log2(max(n, 1) * 4))))
        self.mask = (1 << self.bits) - 1
        self.keys = np.zeros(1 << self.bits, dtype=keys.dtype)
        self.cols = np.full(1 << self.bits, -1, dtype=np.int32)
        pending, slots = np.arange(n), self._slots(keys)
        while pending.size:  # each round, the first key aimed at each free slot takes it
            aimed = slots[pending]
            free = self.cols[aimed] < 0
            taken, first = np.unique(aimed[free], return_index=True)
            placed = pending[free][first]
            self.keys[taken], self.cols[taken] = keys[placed], placed
            pending = np.setdiff1d(pending, placed, assume_unique=True)
            slots[pending] = (slots[pending] + 1) & self.mask

    def _slots(self, ids: np.ndarray) -> np.ndarray:  # Fibonacci hashing: the top bits
        product = ids.view(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        return (product >> np.uint64(64 - self.bits)).astype(np.int64)

    def get(self, ids: np.ndarray) -> np.ndarray:
        """The column of each id, -1 where it is not in the vocabulary."""
        out = np.full(len(ids), -1, dtype=np.int64)
        pending, slots = np.arange(len(ids)), self._slots(ids)
        while pending.size:
            cols = self.cols[slots]
            used = cols >= 0
            found = used & (self.keys[slots] == ids[pending])
            out[pending[found]] = cols[found]
            probe = used & ~found  # another id sits there: try the next slot
            pending, slots = pending[probe], (slots[probe] + 1) & self.mask
        return out


class HashedBlock:
    """TF-IDF (sublinear tf, l2-normalised rows) over integer n-gram ids: character
    1–3-grams ("char13") or words and word bigrams ("word12")."""

    id_functions = {"char13": char_ngram_ids, "word12": word_ngram_ids}

    def __init__(self, name: str, field: str, analyzer: str, ids: np.ndarray, idf: np.ndarray):
        if analyzer not in self.id_functions or field not in ("text", "title"):
            raise ValueError(f"unknown analyzer or field {analyzer}/{field}")
        self.name, self.field, self.analyzer = name, field, analyzer
        self.dtype = np.int64 if analyzer == "char13" else np.uint64
        self.ids = np.asarray(ids, dtype=self.dtype)  # sorted ids = the vocabulary
        self.idf = np.asarray(idf, dtype=np.float32)
        if len(self.ids) != len(self.idf):
            raise ValueError("vocabulary and idf differ in length")

    @classmethod
    def fit(cls, name: str, field: str, analyzer: str, docs: Sequence[str], min_df: int) -> HashedBlock:
        rows, ids = cls.id_functions[analyzer](docs)
        order = np.lexsort((rows, ids))
        ids, rows = ids[order], rows[order]
        first = np.ones(len(ids), dtype=bool)  # first hit of an n-gram in a document
        first[1:] = (ids[1:] != ids[:-1]) | (rows[1:] != rows[:-1])
        vocab, df = np.unique(ids[first], return_counts=True)
        keep = df >= min_df
        if not keep.any():
            raise ValueError("empty vocabulary")
        return cls(name, field, analyzer, vocab[keep], _idf(df[keep], len(docs)))

    def transform(self, docs: Sequence[str]):
        rows, ids = self.id_functions[self.analyzer](docs)
        cols = self.index.get(ids)
        hit = cols >= 0
        return _tfidf_rows(len(docs), rows[hit], cols[hit], len(self.ids), self.idf)

    @functools.cached_property
    def index(self) -> IdIndex:
        return IdIndex(self.ids)

    def arrays(self) -> dict:
        return {f"ids_{self.name}": self.ids, f"idf_{self.name}": self.idf}

    def __len__(self) -> int:
        return len(self.idf)




def _fields(titles: Sequence[str], bodies: Sequence[str]) -> dict[str, list[str]]:
    titles = [normalize(t) for t in titles]
    return {"text": [_join(t, b) for t, b in zip(titles, bodies, strict=False)], "title": titles}


# --- the model -------------------------------------------------------------------

class TextClassifier:
    """A trained model. Build one with ``train`` or ``load``."""

    def __init__(self, labels, blocks: list, coef, intercept, temperature, meta):
        self.labels = list(labels)
        self.blocks = blocks
        # kept as (features × labels) in C order: sparse rows @ this never copy it (a copy of
        # the transposed view cost 5 ms per message for 7 labels and 40 ms for 360 units)
        self.coef_t = np.ascontiguousarray(np.asarray(coef, dtype=np.float32).T)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.temperature = float(temperature)
        self.meta = meta

    # features and scores
    def features(self, titles: Sequence[str], bodies: Sequence[str]):
        from scipy.sparse import hstack

        fields = _fields(titles, bodies)
        return hstack([b.transform(fields[b.field]) for b in self.blocks], format="csr")

    def scores(self, titles: Sequence[str], bodies: Sequence[str]) -> np.ndarray:
        x = self.features(titles, bodies)
        s = np.asarray(x @ self.coef_t) + self.intercept
        if len(self.labels) == 2 and s.shape[1] == 1:  # binary SVMs keep one column
            s = np.hstack([-s, s])
        return s

    def probabilities(self, titles, bodies) -> np.ndarray:
        return softmax(self.scores(titles, bodies) * self.temperature)

    def predict(self, titles: Sequence[str], bodies: Sequence[str], batch_size: int = 2000) -> list[Prediction]:
        out: list[Prediction] = []
        for start in range(0, len(titles), batch_size):
            p = self.probabilities(titles[start:start + batch_size], bodies[start:start + batch_size])
            order = np.argsort(-p, axis=1)[:, :3]
            for row, idx in zip(p, order, strict=False):
                top = [(self.labels[i], float(row[i])) for i in idx]
                out.append(Prediction(top[0][0], top[0][1], top))
        return out

    def predict_one(self, title: str | None, body: str | None) -> Prediction:
        return self.predict([title or ""], [body or ""])[0]

    @property
    def coef(self) -> np.ndarray:
        """(labels × features) weights, a view."""
        return self.coef_t.T

    # persistence
    def save(self, directory: str | Path) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {k: v for b in self.blocks for k, v in b.arrays().items()}
        # each file is written beside its final name and renamed over it, so a reader (the
        # product reloads a model whose files changed) never sees a half-written file; both are
        # written before either is renamed: a model.json that could not be written (a full disk)
        # left the new weights beside the old model.json, and the model retrained was lost
        weights_tmp, meta_tmp = directory / ".weights.npz.tmp", directory / ".model.json.tmp"
        meta = {**self.meta, "format": FORMAT, "format_version": FORMAT_VERSION, "labels": self.labels,
                "temperature": self.temperature,
                "blocks": [{"name": b.name, "field": b.field, "analyzer": b.analyzer} for b in self.blocks]}
        try:
            with weights_tmp.open("wb") as fh:
                np.savez_compressed(fh, coef=self.coef, intercept=self.intercept, **arrays)
            meta_tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
            # a model.json or weights.npz made private (600) stays so when the model is retrained
            replace_keeping_mode(weights_tmp, directory / "weights.npz")
            replace_keeping_mode(meta_tmp, directory / "model.json")
        finally:
            for tmp in (weights_tmp, meta_tmp):
                with contextlib.suppress(OSError):
                    tmp.unlink(missing_ok=True)
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> TextClassifier:
        if not str(directory).strip():  # Path("") is the working directory: 「.: 不是模型目录」
            raise ModelError("--model 为空; 请给出模型目录")
        directory = Path(directory)
        if not directory.is_dir():
            raise ModelError(f"{directory} 是文件, 不是模型目录" if directory.exists() else f"模型目录不存在: {directory}")
        try:
            meta = json.loads((directory / "model.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelError(f"{directory}: 不是模型目录 (缺少 model.json)") from None
        except OSError as exc:  # model.json is a folder, or unreadable
            raise ModelError(f"无法读取 {directory / 'model.json'}: {exc.strerror or exc}") from None
        except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: arrays nested 100,000 deep
            raise ModelError(f"{directory}/model.json 已损坏") from None
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ModelError(f"{directory}: 不是 minsheng 分类模型")
        if meta.get("format_version") != FORMAT_VERSION:
            raise ModelError(f"{directory}: 模型格式版本 {meta.get('format_version')} 不受支持 "
                             f"(需要 {FORMAT_VERSION}), 请重新训练")
        if not (directory / "weights.npz").exists():  # was 「已损坏或不完整 (FileNotFoundError)」
            raise ModelError(f"{directory}: 缺少 weights.npz, 模型不完整; 请重新训练或把它复制过来")
        try:
            with np.load(directory / "weights.npz") as weights:
                arrays = {k: weights[k] for k in weights.files}
            blocks = [HashedBlock(b["name"], b["field"], b["analyzer"], arrays[f"ids_{b['name']}"],
                                  arrays[f"idf_{b['name']}"]) for b in meta["blocks"]]
            model = cls(meta["labels"], blocks, arrays["coef"], arrays["intercept"], meta["temperature"], meta)
        except (OSError, KeyError, ValueError, TypeError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
            # a truncated or foreign weights.npz raises any of these from numpy or zipfile
            raise ModelError(f"{directory}: 模型文件已损坏或不完整 ({type(exc).__name__})") from None
        n_features = sum(len(b.idf) for b in blocks)
        coef, intercept = np.asarray(model.coef), np.asarray(model.intercept)
        if (coef.ndim != 2 or coef.shape[1] != n_features or coef.shape[0] not in (len(model.labels), 1)
                or intercept.shape != (coef.shape[0],)):
            raise ModelError(f"{directory}: 模型文件不一致 (特征数或标签数不符)")
        labels, temperature = meta["labels"], meta["temperature"]
        if (not all(isinstance(label, str) and label for label in labels) or len(set(labels)) != len(labels)
                or isinstance(temperature, bool) or not isinstance(temperature, (int, float))
                or not 0 < temperature < math.inf
                or not all(np.issubdtype(a.dtype, np.floating) and np.isfinite(a).all() for a in (coef, intercept))):
            raise ModelError(f"{directory}: 模型文件已损坏 (标签、温度或权重无效)")
        return model


def softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


# --- training --------------------------------------------------------------------

def fingerprint(titles: Sequence[str], bodies: Sequence[str], labels: Sequence[str]) -> str:
    """sha256 of the training rows (order-independent), to tell which data made a model."""
    rows = sorted(f"{label}\t{normalize(t)}\t{normalize(b)}" for t, b, label in zip(titles, bodies, labels, strict=False))
    h = hashlib.sha256()
    for row in rows:
        h.update(row.encode("utf-8"))
        h.update(b"\n")
    return h.hexdigest()


def _fit(titles, bodies, labels, cs: Sequence[float], progress, phase: str = "训练", say_features: bool = True
         ) -> list[TextClassifier]:
    """One model per C of ``cs``, on the same features. ``phase`` names the fit in the lines that say when the
    fitting (the long part: 45 s for the type model on a busy machine, silent until 2026-12-07) starts and ends."""
    from scipy.sparse import hstack

    fields = _fields(titles, bodies)
    blocks, matrices = [], []
    for name, field, analyzer in BLOCKS:
        docs = fields[field]
        if not any(docs):
            continue  # e.g. no titles at all: the title block would be empty
        min_df = 2 if len(docs) >= 200 else 1
        try:
            block = HashedBlock.fit(name, field, analyzer, docs, min_df)
        except ValueError:  # empty vocabulary (every text empty after tokenising)
            continue
        blocks.append(block)
        matrices.append(block.transform(docs))
        if say_features:
            progress(f"  特征 {name}: {len(block.idf)} 项")
    if not blocks:
        raise TrainingError("训练文本为空, 无法提取特征")
    x = hstack(matrices, format="csr")
    progress(f"{phase}: 拟合 {len(set(labels))} 个标签的模型 ({len(cs)} 个 C 值) ...")
    started = time.monotonic()
    classes, fitted = _nbsvm(x, np.asarray(labels), cs)
    progress(f"{phase}: 拟合完成, 用时 {time.monotonic() - started:.1f} 秒")
    return [TextClassifier([str(k) for k in classes], blocks, coef, intercept, 1.0, {}) for coef, intercept in fitted]


def _nbsvm(x, y: np.ndarray, cs: Sequence[float], alpha: float = NB_ALPHA):
    """One-vs-rest NBSVM (Wang & Manning 2012): for each label, scale the features by
    their naive-Bayes log-count ratio r (label vs the rest, on binarised counts, smoothing
    alpha), fit a class-balanced linear SVM on the scaled rows, and fold r back into the
    weights (w·(r∘x) = (w∘r)·x), so the model is an ordinary (labels × features) matrix.
    (classes, [(coef, intercept) for each C of ``cs``])."""
    from scipy.sparse import diags
    from sklearn.svm import LinearSVC

    classes = np.unique(y)
    present = x.copy()
    present.data[:] = 1.0
    coefs, intercepts = [[] for _ in cs], [[] for _ in cs]
    for label in classes:
        pos = y == label
        p = np.asarray(present[pos].sum(axis=0)).ravel() + alpha
        q = np.asarray(present[~pos].sum(axis=0)).ravel() + alpha
        r = np.log((p / p.sum()) / (q / q.sum())).astype(np.float32)
        scaled = x @ diags(r)
        for k, c in enumerate(cs):
            svm = LinearSVC(C=c, class_weight="balanced").fit(scaled, pos.astype(np.int8))
            coefs[k].append(svm.coef_[0] * r)
            intercepts[k].append(svm.intercept_[0])
    return classes, [(np.vstack(coef).astype(np.float32), np.asarray(intercept, dtype=np.float32))
                     for coef, intercept in zip(coefs, intercepts, strict=True)]


def fit_temperature(scores: np.ndarray, gold: np.ndarray) -> float:
    """The softmax temperature that minimises the log-loss of held-back rows."""
    best_t, best_loss = 1.0, math.inf
    for t in np.exp(np.linspace(math.log(0.2), math.log(50), 60)):
        p = softmax(scores * t)
        loss = -np.log(np.clip(p[np.arange(len(gold)), gold], 1e-9, 1)).mean()
        if loss < best_loss:
            best_t, best_loss = float(t), loss
    return best_t


def evaluate(model: TextClassifier, titles, bodies, labels, *, chunk: int = 0,
             progress: Callable[[int, int], None] | None = None) -> dict:
    """{"n", "macro_f1", "accuracy", "per_class", "messages_per_second"} on labelled rows.
    messages_per_second is the steady speed, measured as bench/classify.py does: rows per
    CPU-second (process_time) of the whole prediction pass, after a warm-up pass over the
    first 50 rows (the segmenter's start-up and the model's first call take most of a
    second, paid once per process). F1 and accuracy come from the timed pass. With ``chunk``,
    the pass reads that many rows at a time and calls ``progress(done, total)`` after each
    (evaluate-classifier counts a large file on stderr)."""
    from sklearn.metrics import precision_recall_fscore_support

    model.predict(titles[:50], bodies[:50])
    step = chunk or max(len(titles), 1)
    predicted = []
    start = time.process_time()
    for at in range(0, len(titles), step):
        predicted += [p.label for p in model.predict(titles[at:at + step], bodies[at:at + step])]
        if progress:
            progress(len(predicted), len(titles))
    elapsed = max(time.process_time() - start, 1e-9)
    classes = sorted(set(labels) | set(predicted))
    p, r, f, support = precision_recall_fscore_support(labels, predicted, labels=classes, zero_division=0)
    gold_classes = [i for i, c in enumerate(classes) if c in set(labels)]
    per_class = {classes[i]: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                              "f1": round(float(f[i]), 4), "support": int(support[i])} for i in range(len(classes))}
    return {
        "n": len(labels),
        # macro over the classes present in the gold labels (a label the data never uses
        # but the model predicts still lowers precision of the real classes)
        "macro_f1": round(float(np.mean([f[i] for i in gold_classes])), 4) if gold_classes else 0.0,
        "accuracy": round(sum(a == b for a, b in zip(labels, predicted, strict=False)) / max(len(labels), 1), 4),
        "per_class": per_class,
        "messages_per_second": round(len(labels) / elapsed, 1),
    }


def train(titles: Sequence[str], bodies: Sequence[str], labels: Sequence[str], *, c: float | None = None,
          sources: Sequence[str] = (), progress: Callable[[str], None] | None = None) -> TextClassifier:
    """Train a model; 20% of the messages (a fixed hash split, ``heldback_rows``) first
    measure it and fit the confidence temperature, then the model is refitted on every row.
    Without ``c``, each of ``C_CHOICES`` is measured there and the best kept (``DEFAULT_C`` on a
    tie, or with too few rows to hold any back)."""
    progress = progress or (lambda _msg: None)
    titles, bodies, labels = list(titles), list(bodies), [str(x).strip() for x in labels]
    if not (len(titles) == len(bodies) == len(labels)):
        raise TrainingError("标题、正文和标签的行数不一致")
    keep = [i for i, lab in enumerate(labels) if lab and (normalize(titles[i]) or normalize(bodies[i]))]
    titles, bodies, labels = [titles[i] for i in keep], [bodies[i] for i in keep], [labels[i] for i in keep]
    counts = Counter(labels)
    if len(counts) < 2:
        raise TrainingError(f"至少需要两个不同的标签才能训练 (现有 {len(counts)} 个"
                            + "".join(f": {label}" for label in counts) + ")")
    progress(f"训练数据: {len(labels)} 行, {len(counts)} 个标签 ({segmenter_name()} 分词)")
    temperature, holdout, by_c = 1.0, None, {}
    chosen = DEFAULT_C if c is None else c
    held = heldback_rows(titles, bodies)
    if len(labels) >= MIN_ROWS_FOR_HOLDOUT and held and len(held) < len(labels):
        held_set = set(held)
        rest = [i for i in range(len(labels)) if i not in held_set]
        if len({labels[i] for i in rest}) >= 2:
            progress(f"留出验证: 用 {len(rest)} 行训练, {len(held)} 行验证")
            cs = C_CHOICES if c is None else (c,)
            probes = _fit([titles[i] for i in rest], [bodies[i] for i in rest], [labels[i] for i in rest], cs,
                          progress, phase="留出验证", say_features=False)
            ht, hb, hl = [titles[i] for i in held], [bodies[i] for i in held], [labels[i] for i in held]
            known = [k for k, lab in enumerate(hl) if lab in probes[0].labels]
            for probe_c, probe in zip(cs, probes, strict=True):
                if known:
                    s = probe.scores([ht[k] for k in known], [hb[k] for k in known])
                    gold = np.array([probe.labels.index(hl[k]) for k in known])
                    probe.temperature = fit_temperature(s, gold)
                figures = evaluate(probe, ht, hb, hl)
                by_c[probe_c] = figures["macro_f1"]
                progress(f"留出验证 (C={probe_c}): macro-F1 {figures['macro_f1']:.4f}, 准确率 {figures['accuracy']:.4f}")
                if holdout is None or (figures["macro_f1"], probe_c == DEFAULT_C) > (holdout["macro_f1"], chosen == DEFAULT_C):
                    chosen, temperature, holdout = probe_c, probe.temperature, figures
            if len(cs) > 1:
                progress(f"取 C={chosen} (留出验证 macro-F1 较高)")
    progress("用全部数据训练 ...")
    model = _fit(titles, bodies, labels, (chosen,), progress, phase="用全部数据训练")[0]
    model.temperature = temperature
    model.meta = {
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "fingerprint": fingerprint(titles, bodies, labels),
        "n_train": len(labels),
        "label_counts": dict(sorted(counts.items())),
        "sources": list(sources),
        "params": {"C": chosen, "C_by_holdout": by_c if c is None else None, "max_body_chars": MAX_BODY_CHARS,
                   "segmenter": segmenter_name(), "nb_alpha": NB_ALPHA,
                   "classifier": "NBSVM one-vs-rest (LinearSVC, class_weight=balanced) + softmax temperature"},
        "evaluation": {"holdout_20pct": holdout},
    }
    return model


def heldback(title: str | None, body: str | None) -> bool:
    """The fixed 20% split: a row is held back when the hash of its whitespace-free
    text falls in the last fifth (the same text always lands on the same side)."""
    return _in_last_fifth("".join((normalize(body) or normalize(title)).split()))


def _in_last_fifth(key: str) -> bool:
    return int(hashlib.sha1(("holdout:" + key).encode("utf-8")).hexdigest(), 16) % 5 == 0


MIN_SHARED_CHARS = 6


def heldback_rows(titles: Sequence[str], bodies: Sequence[str]) -> list[int]:
    """The rows of the fixed 20% split, whole messages at a time: rows that share a body or
    a title of at least MIN_SHARED_CHARS characters are one message (a training set may hold
    a message's title, its body and both, in separate rows and files) and fall on the same
    side; shorter texts (如题, 同上) join nothing. Without this, a held-back body whose title
    was trained on measures recall of that title, not reading (docs/classification.md)."""
    n = len(titles)
    parent = list(range(n))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    keys: list[list[str]] = []
    for i in range(n):
        own = []
        body = "".join(normalize(bodies[i]).split())
        title = "".join(normalize(titles[i]).split())
        if len(body) >= MIN_SHARED_CHARS:
            own.append("b:" + body)
        if len(title) >= MIN_SHARED_CHARS:
            own.append("t:" + title)
        keys.append(own or [f"r:{title}|{body}"])  # too short to be shared: a message of its own
        for key in own:  # only shareable keys join rows
            j = first.setdefault(key, i)
            if j != i:
                parent[root(i)] = root(j)
    group_key: dict[int, str] = {}
    for i in range(n):
        r = root(i)
        for key in keys[i]:
            if r not in group_key or key < group_key[r]:
                group_key[r] = key
    return [i for i in range(n) if _in_last_fifth(group_key[root(i)])]


# --- input checks shared by the commands ------------------------------------------

def check_texts(titles: Sequence[str], bodies: Sequence[str], where: str = "") -> None:
    """Raise ValueError (one line) for input that is not a set of Chinese messages."""
    if not titles:
        raise ValueError(f"{where}没有数据行")
    with_han = 0
    for i, (t, b) in enumerate(zip(titles, bodies, strict=False), start=1):
        size = len(t or "") + len(b or "")
        if size > MAX_TEXT_CHARS:
            raise ValueError(f"{where}第 {i} 行文本过长 ({size} 字, 上限 {MAX_TEXT_CHARS} 字)")
        text = normalize(t) + normalize(b)
        if not text:
            raise ValueError(f"{where}第 {i} 行标题和正文都为空")
        with_han += han_ratio(text) > 0
    if with_han * 2 < len(titles):
        raise ValueError(f"{where}多数行不含中文 ({len(titles) - with_han}/{len(titles)} 行), 分类模型只读中文留言")
