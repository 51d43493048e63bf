"""Similar and duplicate messages: the TF-IDF index, find-duplicates, and the lookups
the post form, triage page and reply form call."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from minsheng.board import actions
from minsheng.insight import lookup
from minsheng.insight.similar import TextIndex, duplicate_pairs, similarity

DATASET = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "unlabeled"

MESSAGES = [
    ("1", "幸福家园小区电梯经常故障", "幸福家园小区3号楼电梯这个月坏了三次, 老人上下楼困难, 请尽快维修。"),
    ("2", "幸福家园3号楼电梯又坏了", "幸福家园小区3号楼电梯又故障停运, 物业不修, 请督促维修电梯。"),
    ("3", "阳光花园小区电梯故障", "阳光花园小区5栋电梯故障停运半个月, 物业不修, 请督促维修电梯。"),
    ("4", "建设路公交站没有雨棚", "建设路公交站台没有遮雨棚, 下雨天等车的人都淋湿了, 建议加装。"),
    ("5", "咨询幼儿园报名时间", "请问今年公办幼儿园什么时候开始报名, 需要准备哪些材料?"),
]


def test_index_ranks_the_same_problem_first():
    ids, titles, bodies = zip(*MESSAGES, strict=True)
    index = TextIndex.build(titles, bodies)
    best = index.query("幸福家园电梯坏了", "3号楼电梯停运没人修", k=3)
    assert [ids[n.index] for n in best[:2]] == ["2", "1"] or [ids[n.index] for n in best[:2]] == ["1", "2"]
    assert all(a.score >= b.score for a, b in zip(best, best[1:], strict=False))
    assert index.query("完全无关的内容", "", k=3) == [] or index.query("完全无关的内容", "", k=3)[0].score < 0.2


def test_similarity_is_symmetric_and_bounded():
    a = similarity(MESSAGES[0][1], MESSAGES[0][2], MESSAGES[1][1], MESSAGES[1][2])
    b = similarity(MESSAGES[1][1], MESSAGES[1][2], MESSAGES[0][1], MESSAGES[0][2])
    assert a == pytest.approx(b)
    assert 0 < a <= 1
    assert similarity("", "", "", "") == 0.0


def test_duplicate_pairs_need_the_same_place():
    ids, titles, bodies = zip(*MESSAGES, strict=True)
    pairs = duplicate_pairs(ids, titles, bodies, min_score=0.3)
    found = {(a, b) for a, b, _ in pairs}
    assert ("1", "2") in found
    assert ("1", "3") not in found and ("2", "3") not in found  # another compound's lift


def test_a_place_qualified_by_its_district_is_the_same_place():
    from minsheng.insight.similar import same_place

    assert same_place({"城关区幸福家园"}, {"幸福家园"}, None, None)
    assert not same_place({"城关区幸福家园"}, {"和平家园"}, None, None)
    assert not same_place({"幸福家园"}, {"幸福家园"}, "城关区", "七里河区")


def write(path: Path, rows, header=("留言编号", "留言主题", "留言详情")) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_find_duplicates_cli_writes_pairs(tmp_path):
    data = write(tmp_path / "m.csv", MESSAGES + [("6", MESSAGES[0][1], MESSAGES[0][2])])
    out = tmp_path / "pairs.csv"
    call_command("find_duplicates", data=str(data), out=str(out))
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0].keys())[:3] == ["留言编号_a", "留言编号_b", "similarity"]
    assert (rows[0]["留言编号_a"], rows[0]["留言编号_b"]) == ("1", "6")
    assert float(rows[0]["similarity"]) == pytest.approx(1.0, abs=1e-3)
    assert all(float(r["similarity"]) >= 0.5 for r in rows)
    assert not any({r["留言编号_a"], r["留言编号_b"]} & {"4", "5"} for r in rows)


def test_find_duplicates_uses_row_numbers_without_an_id_column(tmp_path):
    data = write(tmp_path / "m.csv", [(t, b) for _, t, b in MESSAGES] + [(MESSAGES[0][1], MESSAGES[0][2])],
                 header=("title", "body"))
    out = tmp_path / "pairs.csv"
    call_command("find_duplicates", data=str(data), out=str(out))
    assert "1,6," in out.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("content, message", [
    ("a,b\n1,2\n", "需要标题列"),
    ("留言编号,留言主题\n", "没有数据行"),
    ("留言编号,留言主题\n1,\"电梯坏了\n", "CSV"),
    ("留言编号,留言主题\n1,hello world\n2,lift is broken\n", "中文"),
])
def test_find_duplicates_bad_input(tmp_path, content, message):
    data = tmp_path / "bad.csv"
    data.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("find_duplicates", data=str(data), out=str(tmp_path / "p.csv"))
    with pytest.raises(CommandError, match="min-similarity"):
        call_command("find_duplicates", data=str(data), out=str(tmp_path / "p.csv"), min_similarity=2)


@pytest.mark.dataset
def test_reference_data_duplicates(tmp_path):
    path = DATASET / "tipdm_hotspot_messages.csv"
    if not path.exists():
        pytest.skip("../shared/datasets is absent")
    out = tmp_path / "pairs.csv"
    call_command("find_duplicates", data=str(path), out=str(out), min_similarity=0.8)
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert rows, "the reference data has messages posted twice"
    top = rows[0]
    assert float(top["similarity"]) > 0.95 and top["留言主题_a"] == top["留言主题_b"]


# --- lookups for the forms ---------------------------------------------------------

@pytest.fixture
def stored(directory, personas):
    lookup.clear_cache()
    d, p = directory, personas
    made = {}
    for key, title, body in MESSAGES[:4]:
        m = actions.do_submit(p["citizen"], title=title, body=body, kind="complain", region=d["chengguan"])
        actions.do_accept(p["dispatcher"], m)
        made[key] = m
    yield made
    lookup.clear_cache()


def test_near_duplicates_for_triage(stored):
    found = lookup.near_duplicates(stored["1"])
    assert found and found[0][0] == stored["2"]
    assert stored["1"] not in [m for m, _ in found]
    assert stored["3"] not in [m for m, _ in found]  # same problem, other compound
    assert 0 < found[0][1] <= 1


def test_near_duplicates_stay_in_their_county(stored, directory, personas):
    """The same words filed under a neighbouring county are another case (another unit)."""
    key, title, body = MESSAGES[1]
    there = actions.do_submit(personas["other_citizen"], title=title, body=body, kind="complain",
                              region=directory["qilihe"])
    lookup.clear_cache()
    found = [m for m, _ in lookup.near_duplicates(there)]
    assert stored["1"] not in found and stored["2"] not in found
    in_city = actions.do_submit(personas["other_citizen"], title=title, body=body, kind="complain",
                                region=directory["lanzhou"])  # filed under the city: may be either county
    lookup.clear_cache()
    assert stored["2"] in [m for m, _ in lookup.near_duplicates(in_city)]


def test_similar_open_is_limited_to_the_area(stored, directory):
    here = lookup.similar_open("幸福家园电梯坏了", "", directory["qilihe"])  # same prefecture
    assert stored["1"] in [m for m, _ in here]
    assert lookup.similar_open("幸福家园电梯坏了", "", directory["dingxi"]) == []
    assert lookup.similar_open("", "", directory["chengguan"]) == []


def test_similar_answered_brings_the_reply(stored, directory, personas):
    d, p = directory, personas
    old = stored["2"]
    actions.do_dispatch(p["dispatcher"], old, d["housing"])
    actions.do_sign(p["officer"], old, d["housing"])
    actions.do_reply(p["officer"], old, d["housing"], "经查, 幸福家园3号楼电梯主板老化, 已责令物业于本周内更换, 咨询电话 0931-1234567。")
    lookup.clear_cache()
    found = lookup.similar_answered(stored["1"])
    assert found and found[0][0] == old
    assert "主板老化" in found[0][1].body


def test_a_phone_number_does_not_make_messages_alike():
    """Two letters that both give a phone or an ID number are no more alike for it."""
    bodies = ["晚上出行不便, 请尽快维修。联系电话13912345678", "等车半小时, 身份证620102198801010017"]
    with_numbers = TextIndex.build(["小区路灯坏了一个月", "公交车经常不按时发车"], bodies)
    without = TextIndex.build(["小区路灯坏了一个月", "公交车经常不按时发车"], [b.rstrip("0123456789") for b in bodies])
    query = ("餐馆油烟扰民", "楼下餐馆油烟很大。联系电话13912345670, 身份证620102198801010018")
    plain = (query[0], "楼下餐馆油烟很大。联系电话, 身份证")
    assert [(n.index, round(n.score, 6)) for n in with_numbers.query(*query)] == \
        [(n.index, round(n.score, 6)) for n in without.query(*plain)]
