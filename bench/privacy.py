"""How many real replies the reply check refuses, and what the public masking hides in real messages.

    .venv/bin/python bench/privacy.py [--data ../shared/datasets] [--dump /tmp/pieces.tsv] [--against /tmp/old.tsv]

Prints counts only, never the datasets' text:
- the replies of unlabeled/tipdm_replies.csv the reply check (``staff_hints.personal_data_in_reply``, each against its
  own message, no replying unit) refuses, and how many of them for the citizen's data or for another's mobile;
- the pieces ``moderation`` hides in the titles and bodies of the messages of the datasets (``FILES``), by kind.
``--dump`` writes each piece hidden (file, row, field, kind, span) to a file outside the repository, and ``--against``
a dump made before a change (by this script on the old code) compares the two: the pieces newly hidden and newly shown,
by kind. Read those pieces by hand in the datasets; quote none of them in the repository.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FILES = {"train/tipdm_messages.csv": ("留言主题", "留言详情"), "train/tipdm_titles.csv": ("留言主题",),
         "train/tipdm_bodies.csv": ("留言详情",), "unlabeled/tipdm_hotspot_messages.csv": ("留言主题", "留言详情"),
         "unlabeled/tipdm_replies.csv": ("留言主题", "留言详情"), "unlabeled/tipdm_testset.csv": ("留言主题", "留言详情"),
         "unlabeled/msgabench_govqa.csv": ("用户问题", "正文内容"), "train/msgabench_types.csv": ("留言",)}


def refusals(data: Path) -> tuple[int, int, Counter]:
    from minsheng.board.models import Message
    from minsheng.board.views.staff_hints import personal_data_in_reply

    total, why = 0, Counter()
    with open(data / "unlabeled/tipdm_replies.csv", encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            total += 1
            message = Message(title=row["留言主题"] or "", body=row["留言详情"] or "", address="", show_name=True)
            warning = personal_data_in_reply(message, row["答复意见"] or "")
            if warning:
                why["refused"] += 1
                why["data"] += "留言人的个人信息" in warning
                why["mobile"] += "他人的手机号" in warning
    return total, why["refused"], why


def pieces(data: Path) -> tuple[int, list[tuple[str, ...]]]:
    from minsheng.board.moderation import _matches

    texts, out = 0, []
    for name, fields in FILES.items():
        path = data / name
        if not path.exists():
            continue
        with open(path, encoding="utf-8-sig", newline="") as f:
            for i, row in enumerate(csv.DictReader(f)):
                for field in fields:
                    text = row.get(field) or ""
                    texts += bool(text)
                    for label, _found, start, end in _matches(text):
                        out.append((name, str(i), field, label, f"{start}-{end}"))
    return texts, out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets")
    parser.add_argument("--dump", type=Path)
    parser.add_argument("--against", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    import django

    django.setup()
    total, refused, why = refusals(args.data)
    print(f"reply check: {refused} of {total:,} replies refused "
          f"({why['data']} for the citizen's data, {why['mobile']} for another's mobile)")
    texts, found = pieces(args.data)
    print(f"masking: {len(found):,} pieces hidden in {texts:,} titles and bodies:",
          ", ".join(f"{label} {n:,}" for label, n in Counter(p[3] for p in found).most_common()))
    if args.dump:
        args.dump.write_text("".join("\t".join(p) + "\n" for p in found), encoding="utf-8")
    if args.against:
        old = {tuple(line.split("\t")) for line in args.against.read_text(encoding="utf-8").splitlines()}
        new = set(found)
        for what, diff in (("newly hidden", new - old), ("newly shown", old - new)):
            print(f"  {what}: {len(diff)}", ", ".join(f"{label} {n}" for label, n in
                                                 Counter(p[3] for p in diff).most_common()))


if __name__ == "__main__":
    main()
