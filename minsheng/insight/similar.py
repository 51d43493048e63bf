"""Similar and duplicate messages: vectors for short Chinese texts and a nearest-
neighbour index over them. Django-free; the product wraps it in ``lookup.py``.

A message is represented by TF-IDF over two kinds of features, L2-normalised:

- jieba words (optional, slower: ``words=True``), and
- character bigrams of the normalised text, which need no dictionary and
  match place names the segmenter does not know (``丽发新城``, ``景蓉华苑``).

The title counts twice: citizens put the problem and the place in it.
Cosine similarity between two such vectors is the ``similarity`` the commands print.

Two messages about one compound share its name, and the name alone can make a lift
breaking down at 金城花园 look like parking fees at 金城花园. So a match must also be the
same problem: the cosine computed without the bigrams of the places both name
(``TextIndex.problem_score``) must reach ``SAME_PROBLEM``, and what they share beyond it must be
more than one ordinary word (two features: one bigram is a word of two characters), found in two
clauses or more of one of them (a stock sentence, 打了12345也没有结果, is one), and a word of one
title must be written in the other message (``TextIndex.titles_met``). The post form's box, the dispatcher's near-duplicates
and ``find-duplicates`` all ask it (``TextIndex.same_problem``); the box and the near-duplicates
read the nearest messages and, further down, those that name the query's place
(``TextIndex.nearest``). Two messages that say one problem in two words of a group of
``text.SYNONYMS`` (暖气不热 / 供暖温度不达标) are checked again with the query in the other's words.
"""

from __future__ import annotations

import math
import re
from collections import ChainMap, Counter
from collections.abc import Container, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import chain

import numpy as np
from scipy import sparse

from .hotspots import ends_in_place_word, extract_places, without_legal_form
from .text import LONG_NUMBER, in_words_of, normalize, simplified, tokenize

_NON_TEXT = re.compile(r"[^\u3400-\u9fffA-Za-z0-9]+")
# frequent letter-writing phrases that make unrelated messages look alike
_STOP_GRAMS = frozenset(
    """尊敬 敬的 领导 您好 你好 谢谢 希望 请问 问题 反映 我们 你们 他们 没有 一个 这个 那个 现在 目前
    因为 所以 但是 而且 就是 还是 已经 可以 不能 什么 怎么 为什么 如何 是否 能否 能不 相关 部门 有关 政府
    市民 网友 情况 进行 工作 要求 请求 感谢 的问 题的 了一 是一 了我 我们的 的人 的时 时候 一下 一些""".split()
)


def char_grams(text: str, sizes: Sequence[int] = (2,)) -> list[str]:
    """Character n-grams of each run of Han/Latin/digit characters; long numbers (phones,
    ID numbers) are left out."""
    grams: list[str] = []
    for run in _NON_TEXT.split(LONG_NUMBER.sub(" ", normalize(text))):
        for n in sizes:
            if len(run) < n:
                if n == sizes[0] and run:
                    grams.append(run)
                continue
            # bigrams (every lookup's) pair each character with the next at C speed: a slice per
            # gram was a fifth of the counting of a first queue page's candidates
            grams.extend(map(str.__add__, run, run[1:]) if n == 2 else (run[i:i + n] for i in range(len(run) - n + 1)))
    return [g for g in grams if g not in _STOP_GRAMS]


def features(title: str, body: str, words: bool = False) -> list[str]:
    """Feature tokens of a message; the title's count twice."""
    title, body = title or "", body or ""
    feats = char_grams(title) * 2 + char_grams(body)
    if words:
        feats += ["w:" + w for w in tokenize(title) * 2 + tokenize(body) if len(w) > 1]
    return feats


def clause_features(title: str, body: str, words: bool = False) -> list[set[str]]:
    """The features (``features``) of each clause of a message: its title's and those of each
    piece of its body between two punctuation marks."""
    runs = _NON_TEXT.split(LONG_NUMBER.sub(" ", normalize(title or ""))) + _NON_TEXT.split(
        LONG_NUMBER.sub(" ", normalize(body or "")))
    if words:
        return [set(features(run, "", words)) for run in runs if run]
    # a run of the normalised text is its own normalised text (Han, Latin letters and digits,
    # its long numbers gone) unless it reads as traditional writing alone: its features are then
    # its bigrams, taken here without normalising each run again (that was most of this
    # function's time, a fifth of find-duplicates' same-problem check)
    out = []
    for run in runs:
        if not run:
            continue
        if simplified(run) != run:
            out.append(set(features(run, "", words)))
        else:
            out.append(set(map(str.__add__, run, run[1:]) if len(run) > 1 else (run,)) - _STOP_GRAMS)
    return out


# find-duplicates asks it of one message in several pairs: read again, its clauses were a fifth of
# the time of the check
_clauses = lru_cache(maxsize=4096)(clause_features)


# the cosine two messages must keep without the bigrams of the places both name. Set on the
# reference data (bench/similar.py --dataset, 220 pairs the post form showed, read by hand): at
# 0.10 none of the 155 same-problem pairs that share a place is lost and 5 of their 20
# different-problem pairs go. The same problem worded apart keeps little beyond the place: the
# lowest same-problem pairs keep 0.100-0.12 (中海国际社区's kindergarten; 伊景园滨河苑 「强买强卖」
# and 「坑害购房者」, both about the bundled parking spaces), a higher threshold loses them
SAME_PROBLEM = 0.10
# the act a title asks for, whatever it is about: 「请加快A市X建设力度」, 「请A市加快Y步伐」, 「…刻不容缓」,
# 「…有何具体行动」 (one citizen titles dozens of letters on different matters so). Not words the problem
# is named by (``TextIndex.titles_met``)
PLEA_WORDS = ("请", "加快", "力度", "步伐", "刻不容缓", "有何具体", "行动")
# and the words that say a letter is written, not which problem (「关于X路的情况反映」, 「反映问题」, 「市民来信」):
# such a title names no problem, and the bodies decide (until 2026-12-04 they were read as the problem's
# words, and two letters about X路's broken lamps so titled were two problems)
LETTER_WORDS = ("关于", "反映", "问题", "投诉", "举报", "情况", "市民", "来信", "求助", "诉求")
_PLEA_GRAMS = frozenset(chain.from_iterable(map(str.__add__, w, w[1:]) for w in PLEA_WORDS + LETTER_WORDS))
# a road is long: two letters about one road, or one crossing, may be about anything along it
# (``TextIndex.titles_met``). Not a line (hotspots._ROADS): letters about 地铁1号线北延线 or a bus line
# are about its building or its service
ROADS = ("路", "街", "大道", "巷")
PLACE_CHARS = 150  # the body's head, where citizens say where
# neighbours read for a query's place (``TextIndex.nearest``): beyond the first few, only those
# that name the query's place count
WIDE = 150
# the cosine from which a row that names the query's place is read (``TextIndex.nearest``), when
# the lookup asks more of the others (triage: 0.35). The same problem at one place worded apart
# keeps 0.30-0.35 (「金静街电梯停运没人修」, 「金静街23号楼电梯又坏了」: 0.336), and the
# same-problem check (``same_problem``) still decides: bench/similar.py, triage recall 0.894 →
# 0.906, nothing more listed of another place or problem
NAMED_MIN_SCORE = 0.30


def message_places(title: str, body: str, title_places: list[str] | None = None) -> list[str]:
    """The places a message names (hotspots.extract_places): its title's (``title_places``,
    when the caller has read them already), then those of the head of its body."""
    places = extract_places(title or "") if title_places is None else title_places
    return places + [p for p in extract_places((body or "")[:PLACE_CHARS]) if p not in places]


# what a name read from a message may run on into and still be the place the other names: the
# road (中庭华苑路面破损 → 中庭华苑路), the subdistrict or community named after it (蓉德街道路坑洼 →
# 蓉德街道, 丽发新城社区), the building site or the station at it (中星街工地, 星沙大道站)
READ_ON = ("路", "道", "街道", "社区", "镇", "乡", "工地", "站")


def same_name(a: str, b: str) -> bool:
    """Whether two place names read from two messages name one place: one qualifies the other
    with its district (城关区幸福家园, 幸福家园), or runs on past it into a place word of
    ``READ_ON``. A name of its own that begins with the other is another place (松雅湖小学 is
    not 松雅湖, 翠湖公园一号 not 翠湖公园, 金凤城邮电 not 金凤城). A name of two characters (八方,
    雅园: an estate read before 小区) is the end of a longer one only after a district (城关区八方):
    雅园 is not 麓谷雅园, nor 嘉园 银杏嘉园. A company is one with or without its legal form (鑫达电器公司,
    鑫达电器有限公司: ``without_legal_form``; since 2026-12-05, before which they were two places)."""
    short, long = sorted((without_legal_form(a), without_legal_form(b)), key=len)
    if long.endswith(short):
        return len(short) > 2 or len(long) == 2 or long[-3] in "区县市"
    return long.startswith(short) and long[len(short):] in READ_ON and ends_in_place_word(long)


def common_places(places_a: Iterable[str], places_b: Iterable[str]) -> set[str]:
    """The places two messages both name (``same_name``), each as the shorter of its two
    spellings (城关区幸福家园 and 幸福家园: 幸福家园). The shorter, because a name read too long
    swallows part of the problem (as 违建搅拌站, 南延至生态动物园 and 塘安名苑路 in 塘安名苑路灯
    were): only what both spell is the place."""
    places_b = list(places_b)
    return {min(a, b, key=len) for a in places_a for b in places_b if same_name(a, b)}


def name_grams(names: Iterable[str]) -> set[str]:
    """The bigrams of place names, also as written before 小区 (金城花园小区: 园小, 小区)."""
    grams: set[str] = set()
    for name in names:
        grams.update(char_grams(name + "小区"))
    return grams


def edge_grams(text: str, names: Iterable[str]) -> set[str]:
    """The bigrams of ``text`` that straddle the edge of a place it names (香丽家园地面: 园地;
    我家住在蓉德街: 在蓉): half name, they say no more about the problem than the name."""
    text = normalize(text)
    grams = set()
    for name in names:
        # str.find, not a pattern per name: find-duplicates asks it of thousands of names, and
        # compiling them was an eighth of its same-problem check
        at = text.find(name)
        while at >= 0:
            grams.update(text[a:a + 2] for a in (at - 1, at + len(name) - 1) if a >= 0)
            at = text.find(name, at + (len(name) or 1))
    return grams


def _trigrams(title: str, body: str) -> set[str]:
    return {run[k:k + 3] for run in _NON_TEXT.split(LONG_NUMBER.sub(" ", normalize(f"{title} {body}")))
            for k in range(len(run) - 2)}


def run_on(shared: set[str], text_a: tuple[str, str], text_b: tuple[str, str], features: Container[str]) -> set[str]:
    """The bigrams, none of ``features`` (an index's features, the bigrams of a place), that
    extend one of ``shared`` into three characters both texts (title, body) write: 物业费 in
    both, 业费 shared, gives 物业, a bigram too frequent to be a feature but part of the word."""
    found = set()
    for gram in _trigrams(*text_a) & _trigrams(*text_b):
        head, tail = gram[:2], gram[1:]
        for seed, other in ((head, tail), (tail, head)):
            if seed in shared and other not in features and other not in _STOP_GRAMS:
                found.add(other)
    return found


@dataclass(frozen=True)
class RowWeights:
    """The features (column numbers) and weights of a row of ``TextIndex.matrix``."""

    indices: np.ndarray
    data: np.ndarray


@dataclass
class Neighbour:
    index: int
    score: float


class TextIndex:
    """TF-IDF vectors of a fixed collection of messages, and cosine neighbours.

    ``TextIndex.build(titles, bodies)`` learns the vocabulary and document
    frequencies from the collection itself; ``query`` vectorises a new text with the
    same weights (unknown features are ignored)."""

    def __init__(self, words: bool = False):
        self.words = words
        self.vocab: dict[str, int] = {}
        self.idf = np.zeros(0)
        self.matrix = sparse.csr_matrix((0, 0))
        self.texts: list[tuple[str, str]] = []  # (title, body) of each row, for its places
        self._places: dict[int, list[str]] = {}
        self._title_places: dict[int, list[str]] = {}
        self._feature_names: list[str] = []

    @classmethod
    def build(cls, titles: Sequence[str], bodies: Sequence[str], words: bool = False, progress=None) -> TextIndex:
        """``progress(done, total)``: see ``FeatureCounts.select``."""
        return FeatureCounts(words).select(list(zip(titles, bodies, strict=True)), progress=progress).index()

    def _vectors(self, docs: Iterable[Counter]) -> sparse.csr_matrix:
        indptr, cols, counts = [0], [], []
        vocab = self.vocab
        for doc in docs:
            for f, count in doc.items():
                j = vocab.get(f)
                if j is not None:
                    cols.append(j)
                    counts.append(count)
            indptr.append(len(cols))
        m = sparse.csr_matrix((np.asarray(counts, dtype=np.float32), np.asarray(cols, dtype=np.int64),
                               np.asarray(indptr)), shape=(len(indptr) - 1, len(vocab)))
        return _weighted(m, self.idf)

    def vector(self, title: str, body: str) -> sparse.csr_matrix:
        return self._vectors([Counter(features(title, body, self.words))])

    def vectors(self, texts: Iterable[tuple[str, str]]) -> sparse.csr_matrix:
        """``vector`` of each (title, body), a row each, the same weights in the same order: one
        product with ``matrix`` then scores them all (``nearest``'s ``scores``)."""
        return self._vectors(Counter(features(title, body, self.words)) for title, body in texts)

    def places(self, i: int) -> list[str]:
        """``message_places`` of row ``i``, read when first asked (only neighbours are)."""
        found = self._places.get(i)
        if found is None:
            found = self._places[i] = message_places(*self.texts[i], self.title_places(i))
        return found

    def title_places(self, i: int) -> list[str]:
        """The places row ``i``'s title names (``extract_places``), read when first asked."""
        found = self._title_places.get(i)
        if found is None:
            found = self._title_places[i] = extract_places(self.texts[i][0] or "")
        return found

    def _beyond_place(self, vector: sparse.csr_matrix | RowWeights, i: int, places: Iterable[str]) -> tuple[float, list[str]]:
        """``problem_score``, and the features of row ``i`` and ``vector`` it rests on but those
        at the edge of a common place in row ``i``'s text (``edge_grams``)."""
        common = common_places(places, self.places(i))
        drop = {self.vocab[g] for g in name_grams(common) if g in self.vocab}
        row = self.row(i)
        theirs = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
        dot = norm_q = 0.0
        shared = []
        for j, w in zip(vector.indices.tolist(), vector.data.tolist(), strict=True):
            if j not in drop:
                norm_q += w * w
                if j in theirs:
                    dot += w * theirs[j]
                    shared.append(j)
        if dot <= 0.0:
            return 0.0, []
        norm_r = sum(w * w for j, w in theirs.items() if j not in drop)
        names = self._names()
        edges = edge_grams(" ".join(self.texts[i]), common) if common else set()
        return float(dot / math.sqrt(norm_q * norm_r)), [names[j] for j in shared if names[j] not in edges]

    def row(self, i: int) -> RowWeights:
        """Row ``i``'s features and weights, as ``matrix[i]`` stores them, which ``same_problem``
        reads of a vector: scipy's row indexing costs ten times as much, twice per pair of
        find-duplicates."""
        m = self.matrix
        start, end = m.indptr[i], m.indptr[i + 1]
        return RowWeights(m.indices[start:end], m.data[start:end])

    def _names(self) -> list[str]:
        if len(self._feature_names) != len(self.vocab):
            self._feature_names = list(self.vocab)
        return self._feature_names

    def problem_score(self, vector: sparse.csr_matrix | RowWeights, i: int, places: Iterable[str]) -> float:
        """Cosine of ``vector`` (a query's, or a row of the matrix) and row ``i`` without the
        bigrams of the places both name (``places``: the query's): how alike the two are
        beyond where they are. The plain cosine when they name no place in common."""
        return self._beyond_place(vector, i, places)[0]

    def same_problem(self, vector: sparse.csr_matrix | RowWeights, i: int, places: Iterable[str], text: tuple[str, str]) -> bool:
        """Whether row ``i`` raises the problem of ``vector`` (a query with ``places``, written
        ``text``: its title and body), not only at its place: ``problem_score`` ≥ ``SAME_PROBLEM``,
        and what the two share beyond the place is more than one word, two features or more:
        「电梯故障, 请督促物业维修」 and 「物业地面停车收费」 at one compound share 物业 and nothing
        else; 停车费 is two (停车, 车费), and so is 物业费 though 物业, in more than a tenth of the
        messages, is no feature (``run_on``). And it is found in two clauses or more of one of them
        (``clause_features``): a sentence anybody adds (打了12345也没有结果) or one phrase
        (收费不合理, 一下雨就积水) is one, the problem said in the title and again in the body two. And a
        word of one title is written in the other message (``titles_met``)."""
        if self._shares_problem(vector, i, places, text):
            return True
        # the same problem worded apart (暖气不热 / 供暖温度不达标): the query in row i's words,
        # a word of ``text.SYNONYMS`` by the one of its group row i writes. Only the words of one
        # group are made one: 停水 and 停电 are none, and stay two problems
        title, body = self.texts[i]
        theirs = f"{title} {body}"
        reworded = (in_words_of(text[0] or "", theirs), in_words_of(text[1] or "", theirs))
        return reworded != (text[0] or "", text[1] or "") and self._shares_problem(self.vector(*reworded), i, places, reworded)

    def _shares_problem(self, vector: sparse.csr_matrix | RowWeights, i: int, places: Iterable[str], text: tuple[str, str]) -> bool:
        score, shared = self._beyond_place(vector, i, places)
        shared = set(shared)
        if score < SAME_PROBLEM or not shared:
            return False
        if len(shared) < 2:
            common = common_places(places, self.places(i))
            # the vocabulary and the names' bigrams read as one, not copied into a set per pair
            shared |= run_on(shared, text, self.texts[i], ChainMap(self.vocab, dict.fromkeys(name_grams(common))))
            if len(shared) < 2:
                return False
        return any(sum(not clause.isdisjoint(shared) for clause in _clauses(*texts, self.words)) >= 2
                   for texts in (text, self.texts[i])) and self.titles_met(text, i, places)

    def titles_met(self, text: tuple[str, str], i: int, places: Iterable[str]) -> bool:
        """Whether a word of one title (a bigram, a feature of the index), not of a place both name nor
        of the act asked (``PLEA_WORDS``) nor of a letter (``LETTER_WORDS``), is written in the other message, one way or the other: a
        citizen names the problem in the title, and when neither title's problem is in the other
        message they raise two (「X路口红绿灯是摆设」 and 「X路口扬尘扰民」 share 常年 and 行人 in
        their bodies; 「请加快X建设力度」 and 「请加快Y建设力度」 only the request). A title that says
        nothing beyond these (「金城花园」, 「反映问题」) names no problem, and the bodies decide.
        Asked only of messages that name no place in common, or only roads (``ROADS``): at one
        compound the place ties them, and its owners title one problem many ways (伊景园滨河苑's
        bundled parking spaces: 捆绑销售车位, 诈骗钱财, 欺诈消费者)."""
        common = common_places(places, self.places(i))
        if not all(name.endswith(ROADS) for name in common):
            return True
        drop = name_grams(common) | _PLEA_GRAMS
        pair = ((text[0] or "", text[1] or ""), self.texts[i])
        for (title, _), other in (pair, pair[::-1]):
            said = set(char_grams(title)) - drop - edge_grams(title, (*common, *PLEA_WORDS, *LETTER_WORDS))
            # written in both, it is in the collection: a word in more than a tenth of it (物业) is none
            if not said or not said.isdisjoint(g for g in char_grams(" ".join(other)) if g in self.vocab):
                return True
        return False

    def nearest(self, vector: sparse.csr_matrix | None, places: Iterable[str], k: int, min_score: float = 0.0,
                allowed: Sequence[int] | None = None, scores: np.ndarray | None = None) -> list[Neighbour]:
        """The ``k`` nearest rows (``query``) from ``min_score`` and, among the ``WIDE`` nearest,
        those that name one of ``places`` (the query's) from ``min(min_score, NAMED_MIN_SCORE)``,
        best first: the same problem at other places, worded alike, often fills the ``k`` nearest
        and hides the query's own place. ``scores``: ``vector``'s with every row, when the caller
        has them already (a column of ``matrix.dot(vectors(...).T)``)."""
        if self.matrix.shape[0] == 0:
            return []
        if scores is None:
            scores = self.matrix.dot(vector.T).toarray().ravel()
        found = _top(scores, max(k, WIDE), min(min_score, NAMED_MIN_SCORE), allowed)
        head = [n for n in found[:k] if n.score >= min_score]
        # a row names a place when it has every bigram of the name, but those too common to
        # be features (名苑, 大道 in a tenth of the messages)
        names = [cols for cols in ([self.vocab[g] for g in char_grams(p) if g in self.vocab] for p in places) if cols]
        rest = found[len(head):]
        if not rest or not names:
            return head
        rows = self.matrix[[n.index for n in rest]]
        named = np.zeros(len(rest), dtype=bool)
        for cols in names:
            named |= np.asarray((rows[:, cols] != 0).sum(axis=1)).ravel() == len(cols)
        return head + [n for n, hit in zip(rest, named.tolist(), strict=True) if hit]

    def rows_naming(self, name: str) -> list[int]:
        """The rows whose features hold every bigram of ``name`` (those too common to be features
        aside), as ``nearest`` reads a row as naming a place: the rows that may name it."""
        cols = [self.vocab[g] for g in char_grams(name) if g in self.vocab]
        if not cols or self.matrix.shape[0] == 0:
            return []
        return np.flatnonzero(np.asarray((self.matrix[:, cols] != 0).sum(axis=1)).ravel() == len(cols)).tolist()

    def query(self, title: str, body: str, k: int = 5, min_score: float = 0.0,
              allowed: Sequence[int] | None = None, vector: sparse.csr_matrix | None = None) -> list[Neighbour]:
        """The ``k`` most similar messages of the collection (best first); ``vector``: the
        query's, when the caller has it already."""
        if self.matrix.shape[0] == 0:
            return []
        vector = self.vector(title, body) if vector is None else vector
        scores = self.matrix.dot(vector.T).toarray().ravel()
        return _top(scores, k, min_score, allowed)

    def neighbours_of(self, i: int, k: int = 5, min_score: float = 0.0) -> list[Neighbour]:
        scores = self.matrix.dot(self.matrix[i].T).toarray().ravel()
        scores[i] = -1.0
        return _top(scores, k, min_score)

    def pairs(self, min_score: float, chunk: int = 2000, progress=None, wanted: np.ndarray | None = None,
              also: tuple[np.ndarray, np.ndarray] | None = None) -> list[tuple[int, int, float]]:
        """The pairs (i < j) whose cosine reaches ``min_score`` and the cosine one of the two
        wants (``wanted[i]``, a cosine per row; default ``min_score`` for every row), and those
        of ``also`` (two arrays of rows) whose cosine reaches ``min_score``: most similar first.
        ``progress(done, total)`` is called after each chunk of messages.

        Only pairs that can reach it are compared. A row's most frequent features whose norm
        stays under ``t`` give less than ``t`` with any row (Cauchy-Schwarz), so a pair that
        reaches ``t`` shares one of the row's other, rarer features: only those are multiplied
        with the other rows (the prefix filter of Bayardo, Ma and Srikant's All-Pairs), and a
        pair so found is dropped when its products plus that norm times the other row's norm
        over those frequent features stay under ``t`` (``_Prefix``). The product of every row
        with every other held nearly all pairs at 50,000 messages (a feature may be in a tenth
        of them); the rarer features make far fewer. A row whose rarer features are nearly all of
        them (a low ``wanted``: a title naming no place wants 0.5, and a cut under 0.5² of its norm
        leaves most of its features) is multiplied whole instead, and its pairs are those whose
        product reaches the cosine (``_Prefix.whole``, ``_reaching``). Each pair left gets the
        cosine the full product gives, bit for bit (``_pair_scores``)."""
        m = self.matrix
        n = m.shape[0]
        if n < 2:
            return []
        wanted = np.full(n, min_score) if wanted is None else np.maximum(np.asarray(wanted, dtype=float), min_score)
        listed = np.zeros(0, dtype=np.int64) if also is None else np.unique(_pair_keys(*also, n))
        found = [listed]
        prefix = _Prefix(m, wanted)
        for start in range(0, n, chunk):
            block = prefix.heads[start:start + chunk].dot(prefix.transposed).tocoo()
            rows = block.row.astype(np.int64) + start
            cols = block.col.astype(np.int64)
            keep = (rows != cols) & prefix.may_reach(rows, cols, block.data)
            found.append(np.unique(_pair_keys(rows[keep], cols[keep], n)))
            for rows in prefix.whole_rows(start, start + chunk):
                found.append(_reaching(m, prefix.transposed, rows, wanted))
            if progress:
                progress(min(start + chunk, n), n)
        keys = np.unique(np.concatenate(found))
        first, second = keys // n, keys % n
        scores = _pair_scores(m, first, second)
        keep = (scores >= min_score) & ((scores >= np.minimum(wanted[first], wanted[second])) | np.isin(keys, listed))
        out = list(zip(first[keep].tolist(), second[keep].tolist(), scores[keep].astype(float).tolist(), strict=True))
        out.sort(key=lambda p: (-p[2], p[0], p[1]))
        return out


def _pair_keys(first: np.ndarray, second: np.ndarray, n: int) -> np.ndarray:
    """One number per pair of rows, the smaller row first: ``i * n + j``."""
    first, second = np.asarray(first, dtype=np.int64), np.asarray(second, dtype=np.int64)
    return np.minimum(first, second) * n + np.maximum(first, second)


class _Prefix:
    """Each row split in two, its features ranked from the most frequent: the tail, the most
    frequent ones whose norm stays under the row's ``wanted`` cosine (a little under, for float32
    rounding), and the head, the rest. A pair that reaches it shares a feature of the head."""

    def __init__(self, m: sparse.csr_matrix, wanted: np.ndarray):
        # each array here has an entry per feature of every row (12 million at 54,000 letters):
        # rows numbered in int32, and each array let go once read (find-duplicates' peak). A key
        # holds its row: ``may_reach`` reads it there
        n, width = m.shape
        lens = np.diff(m.indptr)
        row = np.repeat(np.arange(n, dtype=np.int32), lens)
        df = np.bincount(m.indices, minlength=width)
        rank = np.empty(width, dtype=np.int64)
        rank[np.argsort(-df, kind="stable")] = np.arange(width)
        order = np.lexsort((rank[m.indices], row))  # each row's features, the most frequent first
        self.width = width
        squares = m.data[order].astype(np.float64)
        squares **= 2
        self.norms = np.cumsum(squares)
        self.norms -= np.repeat(np.concatenate(([0.0], self.norms))[m.indptr[:-1]], lens)  # squared, up to each
        tail = self.norms < np.repeat(np.clip(wanted - 1e-4, 0.0, None) ** 2, lens)
        self.tail_norm = np.sqrt(np.bincount(row[tail], weights=squares[tail], minlength=n))
        del squares
        head = order[~tail]
        del tail
        self.keys = rank[m.indices[order]]  # ascending: row * width + rank
        del order
        start = row.astype(np.int64)
        start *= width
        self.keys += start
        del start
        # a row whose head's products cost more to filter than its whole row's to multiply is
        # multiplied whole (``whole_rows``): each pair its head finds is looked up for the bound
        # of ``may_reach``, a product of the whole row is only compared with the cosine
        self.cost = np.bincount(row, weights=df[m.indices], minlength=n)  # products of the whole row, at most
        head_cost = np.bincount(row[head], weights=df[m.indices[head]], minlength=n)
        self.whole = self.cost <= _FILTER_COST * head_cost
        head = head[~self.whole[row[head]]]
        # the rank from which each row's head begins (its tail is its features ranked before it)
        self.cut = np.full(n, width, dtype=np.int64)
        np.minimum.at(self.cut, row[head], rank[m.indices[head]])
        self.wanted = wanted
        self.heads = sparse.csr_matrix((m.data[head], (row[head], m.indices[head])), shape=m.shape)
        self.transposed = m.T.tocsr()

    def whole_rows(self, start: int, end: int, products: int = 4_000_000) -> list[np.ndarray]:
        """The rows from ``start`` to ``end`` multiplied whole, in parts of about ``products``
        products at most (a part's product is held in memory)."""
        rows = start + np.flatnonzero(self.whole[start:end])
        parts = np.cumsum(self.cost[rows]) // products
        return [rows[parts == part] for part in np.unique(parts)]

    def may_reach(self, rows: np.ndarray, others: np.ndarray, head_dots: np.ndarray) -> np.ndarray:
        """Whether each pair of ``rows`` (found by its head) and ``others`` may reach the cosine
        the row wants: its head's products (``head_dots``) and, at most, its tail's norm times the
        norm of the other's features ranked before the row's head (Cauchy-Schwarz)."""
        where = np.searchsorted(self.keys, others * self.width + self.cut[rows]) - 1
        valid = where >= 0
        where = np.maximum(where, 0)
        before = np.where(valid & (self.keys[where] >= others * self.width), self.norms[where], 0.0)
        return head_dots + self.tail_norm[rows] * np.sqrt(before) >= self.wanted[rows] - 1e-4


# a pair the head of a row finds costs about this many products of a whole row to keep or drop
# (``_Prefix.may_reach`` looks the other row up in every row's features): a row whose whole product
# costs less than this times its head's is multiplied whole. A title naming no place (cosine 0.5)
# is multiplied whole, one naming a place (0.9) by its head (bench/duplicates.py --placeless)
_FILTER_COST = 8.0


def _reaching(m: sparse.csr_matrix, transposed: sparse.csr_matrix, rows: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The pairs (``_pair_keys``) of ``rows`` with every other row whose product reaches the
    cosine the row wants (a little under, for the float32 rounding of two orders of sums)."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    product = m[rows].dot(transposed)
    hits = np.flatnonzero(product.data >= wanted[rows].min() - 1e-4)
    at = np.searchsorted(product.indptr, hits, side="right") - 1
    first, second = rows[at], product.indices[hits].astype(np.int64)
    keep = (first != second) & (product.data[hits] >= wanted[first] - 1e-4)
    return np.unique(_pair_keys(first[keep], second[keep], m.shape[0]))


def _pair_scores(m: sparse.csr_matrix, first: np.ndarray, second: np.ndarray, entries: int = 2_000_000) -> np.ndarray:
    """The cosine of rows ``first[k]`` and ``second[k]`` as ``m[first] · m.T`` gives it: the
    products of their common features summed in float32 in the order row ``first[k]`` stores
    them, so that a pair's similarity (and whether it reaches a threshold) is the one the product
    of every row with every other printed. The pairs are taken in parts whose first rows hold
    about ``entries`` features (a part's rows are copied four times: 500,000 pairs of letters at
    a time were 1.6 GB, half the peak of find-duplicates at 54,000 letters)."""
    out = np.zeros(len(first), dtype=np.float32)
    held = np.cumsum(np.diff(m.indptr)[first])  # the features of the first rows, up to each pair
    start = 0
    while start < len(first):
        end = max(start + 1, int(np.searchsorted(held, (held[start - 1] if start else 0) + entries, side="right")))
        rows, cols = first[start:end], second[start:end]
        mine, theirs = m[rows], m[cols]
        # each product's place in its first row, and a one at each feature of its second: the
        # same two patterns multiplied, the products and the places come out in one order
        ranked = sparse.csr_matrix(((np.arange(mine.nnz) - np.repeat(mine.indptr[:-1], np.diff(mine.indptr)) + 1).astype(np.float32),
                                    mine.indices.copy(), mine.indptr.copy()), shape=mine.shape)
        ones = sparse.csr_matrix((np.ones(theirs.nnz, dtype=np.float32), theirs.indices.copy(), theirs.indptr.copy()),
                                 shape=theirs.shape)
        products = mine.multiply(theirs).tocsr()
        places = ranked.multiply(ones).tocsr()
        pair = np.repeat(np.arange(len(rows)), np.diff(products.indptr))
        by_place = np.lexsort((pair, places.data))
        pair, value, place_of = pair[by_place], products.data[by_place], places.data[by_place]
        sums = np.zeros(len(rows), dtype=np.float32)
        cuts = np.flatnonzero(np.diff(place_of)) + 1
        for p, v in zip(np.split(pair, cuts), np.split(value, cuts), strict=True):
            sums[p] += v  # one product per pair at each place: added in turn, as the product does
        out[start:end] = sums
        start = end
    return out


def _weighted(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """``(1 + ln tf) · idf`` of a count matrix whose columns are ``idf``'s, rows L2-normalised."""
    data = ((1.0 + np.log(counts.data.astype(np.float32))) * idf[counts.indices]).astype(np.float32)
    # plain numpy: a query's one row goes through here on every lookup, and scipy's row
    # scaling costs milliseconds where this costs microseconds
    rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=counts.shape[0])).astype(np.float32)
    norms[norms == 0] = 1.0
    return sparse.csr_matrix((data / norms[rows], counts.indices, counts.indptr), shape=counts.shape)


# the messages whose texts ``FeatureCounts.select`` reads at a time
_COUNT_BATCH = 2000


class FeatureCounts:
    """The feature counts of a collection of messages, from which ``index()`` makes the
    TextIndex of ``TextIndex.build`` over the same texts.

    A collection that changes a little at a time (the dispatcher's candidates for 并单) keeps
    its counts: ``select`` keeps the rows of messages still there and reads the texts of new
    ones only, and the index is made again from the counts in milliseconds, where reading every
    text again takes a few hundred. Every instance is left as it is once made (threads may
    read it while another one is selected from it)."""

    def __init__(self, words: bool = False):
        self.words = words
        self.columns: dict[str, int] = {}  # every feature met, numbered in order of first sight
        self.counts = sparse.csr_matrix((0, 0), dtype=np.float32)
        self.texts: list[tuple[str, str]] = []

    def select(self, rows: Sequence[int | tuple[str, str]], progress=None) -> FeatureCounts:
        """A new collection whose row ``k`` is this one's row ``rows[k]`` (an int) or the
        counts of a new message's ``(title, body)``. ``progress(done, total)`` is called after each
        batch of new messages read (find-duplicates' longest step: 30 s at 24,000 messages)."""
        out = FeatureCounts(self.words)
        out.columns = dict(self.columns)
        kept = [(k, row) for k, row in enumerate(rows) if isinstance(row, int)]
        new = [(k, row) for k, row in enumerate(rows) if not isinstance(row, int)]
        columns = out.columns
        cols, counts, lens = [], [], []
        # read a batch of texts at a time: a Counter of its feature strings per message, held for
        # every message of a year's file (54,000 letters), was 1.4 GB of find-duplicates' peak
        for start in range(0, len(new), _COUNT_BATCH):
            docs = [Counter(features(title, body, self.words)) for _, (title, body) in new[start:start + _COUNT_BATCH]]
            # the features met first here numbered in order of first sight, then each row's columns
            # looked up at once: a loop over every feature of every row was a third of the counting
            # of an area's 1,500 candidates (a process's first queue page)
            for feature in dict.fromkeys(chain.from_iterable(docs)):
                if feature not in columns:
                    columns[feature] = len(columns)
            cols.append(np.fromiter(map(columns.__getitem__, chain.from_iterable(docs)), dtype=np.int64))
            counts.append(np.fromiter(chain.from_iterable(doc.values() for doc in docs), dtype=np.float32))
            lens.extend(map(len, docs))
            if progress:
                progress(min(start + _COUNT_BATCH, len(new)), len(new))
        indptr = np.cumsum([0, *lens])
        width = len(columns)
        read = sparse.csr_matrix((np.concatenate(counts) if counts else np.zeros(0, dtype=np.float32),
                                  np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64),
                                  indptr), shape=(len(new), width))
        old = self.counts[[row for _, row in kept]] if kept else sparse.csr_matrix((0, width), dtype=np.float32)
        old = sparse.csr_matrix((old.data, old.indices, old.indptr), shape=(len(kept), width))
        # the stacked matrix holds the kept rows, then the new ones: put each where it was asked
        where = np.empty(len(rows), dtype=np.int64)
        where[[k for k, _ in kept] + [k for k, _ in new]] = np.arange(len(rows))
        out.counts = sparse.vstack([old, read], format="csr")[where] if rows else read
        out.texts = [self.texts[row] if isinstance(row, int) else tuple(row) for row in rows]
        return out

    def index(self) -> TextIndex:
        """TF-IDF over these counts (``TextIndex.build``'s weights and vocabulary)."""
        index = TextIndex(words=self.words)
        index.texts = list(self.texts)
        n = self.counts.shape[0]
        df = np.bincount(self.counts.indices, minlength=self.counts.shape[1])
        # a feature in more than a tenth of the messages says little about sameness and
        # makes the all-pairs product dense; one met only in messages gone is no feature
        max_df = n if n < 100 else max(50, n // 10)
        kept = np.flatnonzero((df > 0) & (df <= max_df))
        names = list(self.columns)
        index.vocab = {names[j]: i for i, j in enumerate(kept.tolist())}
        index.idf = np.log((1 + n) / (1 + df[kept])) + 1.0
        index.matrix = _weighted(self.counts[:, kept].tocsr(), index.idf)
        return index


def _top(scores: np.ndarray, k: int, min_score: float, allowed=None) -> list[Neighbour]:
    if allowed is not None:
        mask = np.full(scores.shape, -1.0)
        idx = np.asarray(list(allowed), dtype=int)
        if idx.size:
            mask[idx] = scores[idx]
        scores = mask
    k = min(k, scores.size)
    if k <= 0:
        return []
    best = np.argpartition(-scores, k - 1)[:k]
    best = best[np.argsort(-scores[best], kind="stable")]
    return [Neighbour(int(i), float(scores[i])) for i in best if scores[i] >= min_score and scores[i] > 0]


def duplicate_pairs(ids: Sequence[str], titles: Sequence[str], bodies: Sequence[str],
                    min_score: float = 0.5, index: TextIndex | None = None,
                    progress=None) -> list[tuple[str, str, float]]:
    """Near-duplicate messages: similar text AND the same problem beyond the place
    (``TextIndex.same_problem``) AND not two different places — pairs whose titles name
    different places or counties (see hotspots.extract_places) are kept only when the
    texts are almost identical (≥ SAME_TEXT). ``index``: built over these titles and bodies."""
    from .hotspots import county_of

    index = index or TextIndex.build(titles, bodies)
    title_places = [extract_places(t) for t in titles]
    # the check of a pair (``same_problem``) reads the places of the rows' titles again: read once
    index._title_places.update(enumerate(title_places))
    places = [set(p) for p in title_places]
    counties = [county_of(t) or county_of(b[:200]) for t, b in zip(titles, bodies, strict=True)]
    # below SAME_TEXT a pair must be at one place (``same_place``): a title that names none
    # pairs with any row, the others only with rows that name their place — so only those are
    # compared below it (the product of every row with every other, all but a few of them at
    # two places, grew with the square of the file: 300 s at 50,000 messages)
    # and a title naming no place is paired below SAME_TEXT only with the rows that share a rare
    # feature with it (``_placeless_pairs``): its join with every row grew with the square of the file
    wanted = np.full(len(places), max(min_score, SAME_TEXT))
    out = []
    also = tuple(map(np.concatenate, zip(_named_alike(places, index.matrix, min_score),
                                         _placeless_pairs(index.matrix, np.flatnonzero([not p for p in places]), min_score),
                                         strict=True)))
    for i, j, score in index.pairs(min_score, progress=progress, wanted=wanted, also=also):
        if score < SAME_TEXT and not (same_place(places[i], places[j], counties[i], counties[j])
                                      and index.same_problem(index.row(i), j, index.places(i), index.texts[i])):
            continue
        out.append((ids[i], ids[j], round(score, 4)))
    return out


SAME_TEXT = 0.9


def _name_keys(name: str) -> set[str]:
    """The names ``name`` is one place with by ``same_name`` when it is the longer of the two (or
    of the same length): itself, its ends (城关区幸福家园: 幸福家园; of three characters or more,
    or fewer after a district) and itself without a place word it runs on into (中庭华苑路)."""
    keys = {name}
    keys.update(name[k:] for k in range(1, len(name) - 2))
    if len(name) == 2 or (len(name) >= 3 and name[-3] in "区县市"):
        keys.update((name[-2:], name[-1:]))
    keys.update(name[:-len(word)] for word in READ_ON if name.endswith(word) and len(name) > len(word))
    return keys


# a place named in more titles than this (pairs of them) is paired through the product of their rows
_LISTED_PAIRS = 20_000


def _named_alike(places: Sequence[set[str]], matrix: sparse.csr_matrix | None = None,
                 min_score: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of rows whose titles may name one place (``same_name``): a name one names is one
    of ``_name_keys`` of a name the other names. More than ``same_place`` passes (it decides).
    Where many titles name one place (a city's main road, a large estate: 3,000 titles make 9
    million pairs) and ``matrix`` is given, only those whose product reaches ``min_score`` (a
    little under, for rounding): listing every pair of them for its exact cosine took 26 s at
    3,000 such titles, 160 s at 6,000, against 1-2 s for the product of every row with every other."""
    named: dict[str, list[int]] = {}
    keyed: dict[str, list[int]] = {}
    for row, names in enumerate(places):
        names = {without_legal_form(name) for name in names}  # 鑫达电器有限公司 is 鑫达电器公司 (``same_name``)
        for name in names:
            named.setdefault(name, []).append(row)
        for key in set().union(*(_name_keys(name) for name in names)) if names else ():
            keyed.setdefault(key, []).append(row)
    first, second = [], []
    for name, rows in named.items():
        others = keyed.get(name)
        if others and len(others) > 1:
            rows, others = np.asarray(rows), np.asarray(others)
            if matrix is None or len(rows) * len(others) <= _LISTED_PAIRS:
                first.append(np.repeat(rows, len(others)))
                second.append(np.tile(others, len(rows)))
                continue
            theirs = matrix[others].T.tocsr()
            for start in range(0, len(rows), 2000):
                part = rows[start:start + 2000]
                block = matrix[part].dot(theirs).tocoo()
                keep = block.data >= min_score - 1e-4
                first.append(part[block.row[keep]])
                second.append(others[block.col[keep]])
    if not first:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    first, second = np.concatenate(first), np.concatenate(second)
    keep = first != second
    return first[keep], second[keep]


# a feature in at most this many rows is rare (``_placeless_pairs``): a title naming no place is
# paired through them. A constant, not a share of the file, so that a row's candidates do not grow
# with it; above the tenth of the reference data's 4,326 rows (432, ``FeatureCounts.index``), so
# that there every feature is rare and the candidates are those of the whole product
PLACELESS_RARE = 500
# the pairs kept for a title naming no place, the most similar first
PLACELESS_CANDIDATES = 1000


def _placeless_pairs(matrix: sparse.csr_matrix, rows: np.ndarray, min_score: float,
                     chunk: int = 500) -> tuple[np.ndarray, np.ndarray]:
    """The candidate pairs of ``rows`` (titles naming no place) with every row: those sharing a
    feature in at most ``PLACELESS_RARE`` rows (the name of a compound in the body, a word of its
    own) whose product over them plus the norms of the two rows' other features multiplied may
    reach ``min_score`` (Cauchy-Schwarz), at most ``PLACELESS_CANDIDATES`` per row, the most
    similar first (the cosine, its frequent features' products added). Each row meets at most its rare features' rows, so the
    work grows with the file, where the whole product of such a row met nearly every row (it grew
    with the square of the file). What is left out: a pair that shares only frequent features
    (one problem worded alike, nothing of its own), in a file large enough that they are frequent,
    and a row's candidates beyond the cap. ``pairs`` still finds every pair from ``SAME_TEXT``."""
    empty = np.zeros(0, dtype=np.int64)
    if not len(rows) or matrix.shape[0] < 2:
        return empty, empty
    df = np.bincount(matrix.indices, minlength=matrix.shape[1])
    rare = (df <= PLACELESS_RARE)[matrix.indices]
    entry_row = np.repeat(np.arange(matrix.shape[0], dtype=np.int32), np.diff(matrix.indptr))
    frequent_norm = np.sqrt(np.bincount(entry_row[~rare], weights=matrix.data[~rare].astype(np.float64) ** 2,
                                        minlength=matrix.shape[0]))
    # built from copies: a matrix made of the index's own arrays shares them. Each row's entries
    # taken in their order, as a matrix made of the (row, column) pairs has them (without the
    # pairs' arrays, an entry per feature of every row), and put in canonical order as it does
    parts = []
    for keep in (rare, ~rare):
        part = sparse.csr_matrix((matrix.data[keep], matrix.indices[keep],
                                  np.r_[0, np.cumsum(np.bincount(entry_row[keep], minlength=matrix.shape[0]))]),
                                 shape=matrix.shape)
        part.sum_duplicates()
        parts.append(part)
    del entry_row
    rare_part, frequent_part = parts
    transposed = rare_part.T.tocsr()
    first, second = [], []
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        block = rare_part[part].dot(transposed).tocoo()
        mine, theirs, dots = part[block.row], block.col.astype(np.int64), block.data
        keep = (mine != theirs) & (dots + frequent_norm[mine] * frequent_norm[theirs] >= min_score - 1e-4)
        mine, theirs, dots = mine[keep], theirs[keep], dots[keep]
        # the cosine of each candidate (its frequent features' products added; ``pairs`` scores the
        # pairs kept to the bit): those that reach it, the most similar first, cut at the cap
        dots = dots + np.asarray(frequent_part[mine].multiply(frequent_part[theirs]).sum(axis=1)).ravel()
        keep = dots >= min_score - 1e-3
        mine, theirs, dots = mine[keep], theirs[keep], dots[keep]
        order = np.lexsort((theirs, -dots, mine))
        mine, theirs = mine[order], theirs[order]
        starts = np.flatnonzero(np.r_[True, mine[1:] != mine[:-1]])
        rank = np.arange(len(mine)) - np.repeat(starts, np.diff(np.r_[starts, len(mine)]))
        first.append(mine[rank < PLACELESS_CANDIDATES])
        second.append(theirs[rank < PLACELESS_CANDIDATES])
    return np.concatenate(first), np.concatenate(second)


def same_place(places_a: set, places_b: set, county_a: str | None, county_b: str | None) -> bool:
    """False when the two messages are known to be about different places."""
    if county_a and county_b and county_a != county_b:
        return False
    if not (places_a and places_b):
        return True
    # one message may qualify the place with its district (城关区幸福家园 is 幸福家园), or the
    # name read may run on into a place word (中庭华苑路面破损: 中庭华苑路 is 中庭华苑)
    return any(same_name(a, b) for a in places_a for b in places_b)


def similarity(title_a: str, body_a: str, title_b: str, body_b: str) -> float:
    """Cosine similarity of two messages with IDF learnt from just the two (a quick
    check for tests and the reply form; use TextIndex for collections)."""
    index = TextIndex.build([title_a, title_b], [body_a, body_b])
    if index.matrix.shape[1] == 0:
        return 0.0
    return float(index.matrix[0].dot(index.matrix[1].T).toarray()[0, 0])
