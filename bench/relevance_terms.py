"""Whether the words the relevance explanation names are whole words or places of the message.

    .venv/bin/python bench/relevance_terms.py [--data ../shared/datasets/unlabeled/tipdm_replies.csv] [--show N]

``score_reply(..., explain=True)["explained"]["relevance"]`` names the message's key words
(「答复提到了留言中的「…」, 未提到「…」」). A named term is counted as *not whole* when no
occurrence of it in the message (title and body, normalised) is aligned, an occurrence being
aligned when

- it neither crosses nor lies strictly inside a place the message names (``hotspots.extract_places``:
  estates, roads, villages, schools …, a name that is a word of its own with the 小区 after it, 安居小区;
  and a region mark such as A市 or A3区): 「家园」 of 富康家园 or
  「市玉」 across A市 and 玉瓷村 is not whole, 「富康家园」 is;
- it begins and ends where jieba's dictionary cut of the message (no HMM guessing) puts a boundary:
  it cuts no dictionary word in two (a place read as 读滨江小学 out of 就读滨江小学 does);

and also when it is one character, or not a dictionary word and begins or ends with a function
word's character (的, 了, 在, 将 …: 「将人」 of 市将人民路). Prints the replies explained, the terms named,
and how many are not whole (in how many replies), with ``--show`` that many examples.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from minsheng.insight.hotspots import _ADMIN, extract_places  # noqa: E402
from minsheng.insight.places import _NOT_IN_NAME  # noqa: E402
from minsheng.insight.quality import _place_spans, score_reply  # noqa: E402
from minsheng.insight.text import normalize, word_frequency  # noqa: E402

_NAMED = re.compile("「([^」]+)」")


def place_spans(message: str) -> list[tuple[int, int]]:
    """Where the places the message names lie in it (each occurrence, as the explanation reads them: 安居 of
    安居小区 with its 小区), region marks included."""
    spans = [m.span() for m in _ADMIN.finditer(message)]
    for name in extract_places(message):
        spans += _place_spans([name], message)
    return spans


def boundaries(message: str) -> set[int]:
    import jieba  # noqa: PLC0415

    at, cuts = 0, {0}
    for word in jieba.cut(message, HMM=False):
        at += len(word)
        cuts.add(at)
    return cuts


def whole(term: str, message: str, spans, cuts) -> bool:
    if len(term) < 2:
        return False
    if word_frequency(term) == 0 and (term[0] in _NOT_IN_NAME or term[-1] in _NOT_IN_NAME):
        return False
    for m in re.finditer(re.escape(term), message):
        s, e = m.span()
        if s not in cuts or e not in cuts:
            continue  # cuts a word
        if (s, e) in spans or not any(s < pe and ps < e for ps, pe in spans):
            return True  # a place named whole, or no piece of one
    return False


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default=str(ROOT.parent / "shared/datasets/unlabeled/tipdm_replies.csv"))
    parser.add_argument("--show", type=int, default=0)
    args = parser.parse_args()
    with open(args.data, encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    explained = named = bad = bad_replies = 0
    shown = []
    for row in rows:
        said = score_reply(row["留言主题"], row["留言详情"], row["答复意见"], explain=True)["explained"].get("relevance")
        if not said:
            continue
        explained += 1
        message = normalize(f"{row['留言主题']}。{row['留言详情']}")
        spans, cuts = place_spans(message), boundaries(message)
        terms = _NAMED.findall(said)
        named += len(terms)
        wrong = [t for t in terms if not whole(t, message, spans, cuts)]
        bad += len(wrong)
        bad_replies += bool(wrong)
        if wrong and len(shown) < args.show:
            shown.append(f"{row.get('留言编号', '')}: {wrong} in {said}")
    print(f"{explained} relevance explanations, {named} terms named, "
          f"{bad} not whole ({bad / max(named, 1):.1%}) in {bad_replies} explanations")
    for line in shown:
        print(line)


if __name__ == "__main__":
    main()
