"""Similar messages (the post form's 「已有相似留言」 box) and near-duplicates (the
dispatcher's 疑似重复): how often what they list is the same problem at the same place.

    .venv/bin/python bench/similar.py [--n 1500] [--queries 600] [--areas] [--dataset] [--lookups]

Synthetic: ``--n`` messages (a prefecture's candidates) about compounds and roads, each raising
one of twelve problems in one of three wordings (two citizens rarely write a problem alike) and
adding up to two of the sentences anybody adds (请尽快解决, 物业也不管), then ``--queries`` new messages looked up among them, as the
box (cosine ≥ 0.2, 5 listed) and triage (cosine ≥ 0.35, 5 listed) do among titles naming no
different place, without and with the check that the problem is the same beyond
the place (``similar.SAME_PROBLEM``). The lookups used to filter the 15 nearest messages (5 × 3):
the same problem at other places, worded alike, often fills them, which hides the other wordings
at the query's place, so the figures are also given for the 150 nearest, and for what the
product reads now (``TextIndex.nearest``: the 15 nearest and, among the 150 nearest, those that
name the query's place: "its place"). Prints precision (the share of listed messages that have
the query's place and problem), recall (the share of queries with such a message among the
candidates that list one) and how many listed messages were another problem at the same place.

With --dataset, also the reference data (../shared/datasets/unlabeled/tipdm_hotspot_messages.csv,
read where it is): the 220 pairs of bench/similar_pairs.csv, drawn at random from what the box
listed for its messages before the check and read by hand (same_problem 1 or 0), with the
check's verdict on each. With --lookups, every message of the reference data looked up among the
others as the box does, and how many pairs pass the check only in the other's words.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from minsheng.insight.hotspots import county_of, extract_places  # noqa: E402
from minsheng.insight.places import without_names  # noqa: E402
from minsheng.insight.similar import SAME_PROBLEM, TextIndex, message_places, same_place  # noqa: E402

DATASET = ROOT.parent / "shared" / "datasets" / "unlabeled" / "tipdm_hotspot_messages.csv"
LABELS = ROOT / "bench" / "similar_pairs.csv"
BODY_CHARS = 300  # as insight.lookup
# compound and road names as they come: two characters that rarely meet elsewhere (丽发新城, 景蓉华苑)
NAME_CHARS = ("丽发景蓉泰和瑞祥锦嘉禾润鑫盛德福泽恒裕隆昌金桂翠湖滨江望月书香紫荆青松长虹东方华庭御碧兴安康明珠"
              "春晓银河文苑朝阳雅居怡海星城龙湾凤栖梧桐枫林柳岸荷塘梅溪竹园松涛云台天骄佳郡中茂宏达博雅静安")
KINDS = ["花园", "家园", "新村", "华苑", "新城", "名苑", "路", "大道", "街"]
# what citizens add to any problem: it makes different problems share words, as in life
FILLERS = ("已经反映多次了。", "希望领导重视。", "请尽快解决。", "周边居民苦不堪言。", "物业也不管。", "打了12345也没有结果。",
           "老人孩子都受影响。", "请相关部门督促处理。", "我们业主非常着急。", "希望给个说法。")
OPENINGS = ("", "", "我是{p}的业主, ", "我家住在{p}{n}栋, ", "{p}的居民向您反映: ")
# each problem in three wordings: (title, body); {p} is the place, {n} a building number
PROBLEMS = [
    [("{p}电梯频繁故障", "{p}{n}号楼电梯这个月已经坏了四次, 多次困人, 物业维修不及时, 请督促整改。"),
     ("{p}{n}号楼电梯又坏了", "电梯老是停运, 上周还困住了两位老人, 物业说没钱修, 希望尽快解决。"),
     ("{p}电梯停运没人修", "我们{p}的电梯停了半个月, 老人上下楼只能爬楼梯, 请相关部门督促维修电梯。")],
    [("{p}地面停车收费不合理", "{p}物业今年起地面停车每月收费300元, 没有公示收费依据, 业主意见很大。"),
     ("{p}停车费太贵", "物业擅自把停车费涨到每月300元, 也不公示收费标准, 请物价部门查一查。"),
     ("{p}乱收停车费", "{p}业主在自家小区停车也要交钱, 收费没有批文, 请相关部门核查停车收费。")],
    [("{p}门口垃圾堆积无人清运", "{p}东门垃圾堆了一个星期没人清运, 臭气熏天, 苍蝇蚊子很多。"),
     ("{p}垃圾没人管", "垃圾桶满了好几天, 垃圾堆到路上, 气味很大, 请环卫部门清运。"),
     ("{p}垃圾站臭气熏天", "{p}的垃圾站常年不清理, 夏天味道太大, 居民不敢开窗, 希望尽快清运垃圾。")],
    [("{p}工地夜间施工扰民", "{p}旁边的工地每天晚上施工到凌晨两点, 噪音很大, 居民根本睡不着。"),
     ("{p}附近工地半夜还在施工", "工地半夜打桩, 噪音吵得老人孩子无法休息, 请城管夜间查处。"),
     ("{p}深夜施工噪音", "{p}对面工地天天深夜施工, 机器轰鸣, 严重影响休息, 请有关部门管一管。")],
    [("{p}路灯不亮", "{p}一带路灯坏了好几个月, 晚上出行很不安全, 请尽快维修。"),
     ("{p}晚上一片漆黑", "路灯全都不亮, 晚上走路看不见, 已经有人摔倒了, 希望修好路灯。"),
     ("{p}路灯损坏无人修", "{p}的路灯坏了很久, 反映多次没人来修, 夜里出门很危险。")],
    [("{p}地下车库漏水", "{p}地下车库漏水严重, 车辆被泡, 物业一直推诿, 请有关部门处理。"),
     ("{p}车库积水", "一下雨车库就积水, 车都泡坏了, 开发商和物业互相推卸责任。"),
     ("{p}地库渗水严重", "{p}地下车库顶板渗水, 地面常年积水, 请督促开发商维修防水。")],
    [("{p}供暖温度不达标", "{p}今年供暖温度只有十几度, 老人孩子受冻, 请督促供热公司整改。"),
     ("{p}暖气不热", "家里暖气一直不热, 室温不到十五度, 打供热公司电话没人管。"),
     ("{p}冬天屋里冷", "{p}供暖以来屋里很冷, 暖气片是凉的, 请相关部门督促供热达标。")],
    [("{p}自来水水压低", "{p}高层住户自来水水压低, 经常停水, 请解决供水问题。"),
     ("{p}经常停水", "最近三天两头停水, 高层水龙头根本出不来水, 生活很不方便。"),
     ("{p}高层用不上水", "{p}十楼以上用水高峰期没水, 希望供水公司加装加压设备。")],
    [("{p}餐馆油烟扰民", "{p}楼下餐馆油烟直排, 居民无法开窗, 请环保部门查处。"),
     ("{p}楼下饭店油烟大", "楼下饭店的油烟直接排到楼上, 衣服都晾不了, 请管一管。"),
     ("{p}烧烤店油烟熏人", "{p}底商烧烤店每天油烟熏人, 没有装净化设备, 请查处油烟。")],
    [("{p}物业乱收费", "{p}物业公司擅自上涨物业费, 业主不认可, 请查处。"),
     ("{p}物业费涨价", "物业没开业主大会就把物业费涨了一倍, 服务还越来越差。"),
     ("{p}物业费不合理", "{p}物业费比周边小区贵很多, 收费标准不公开, 请物价部门核查物业费。")],
    [("{p}不动产证迟迟办不下来", "{p}交房多年不动产证迟迟办不下来, 业主无法落户上学, 请解决。"),
     ("{p}房产证办不了", "买房五年了房产证还没办下来, 开发商说手续不全, 孩子上学受影响。"),
     ("{p}办证难", "{p}业主一直办不了不动产证, 开发商拖欠税费, 请督促开发商办证。")],
    [("{p}道路坑洼积水", "{p}路面坑坑洼洼, 一下雨就积水, 行人车辆通行困难, 请修缮。"),
     ("{p}路面破损", "路面破得到处是坑, 电动车经常摔倒, 希望尽快把路修好。"),
     ("{p}路烂了没人修", "{p}这段路烂了两年, 下雨全是泥水, 请交通部门修缮路面。")],
]


def places(rng: random.Random, n: int) -> list[str]:
    out: set[str] = set()
    while len(out) < n:
        out.add("".join(rng.sample(NAME_CHARS, 2)) + rng.choice(KINDS))
    return sorted(out)


def synthetic(n: int, seed: int) -> list[tuple[str, int, str, str]]:
    """``n`` messages (place, problem, title, body): about n / 10 places, each with two usual
    problems that draw 80 % of its messages (as the places of bench/hotspots.py)."""
    rng = random.Random(seed)
    spots = places(rng, max(20, n // 10))
    usual = {p: rng.sample(range(len(PROBLEMS)), 2) for p in spots}
    out = []
    for _ in range(n):
        place = rng.choice(spots)
        k = rng.choice(usual[place]) if rng.random() < 0.8 else rng.randrange(len(PROBLEMS))
        title, body = rng.choice(PROBLEMS[k])
        number = rng.randrange(1, 30)
        opening = rng.choice(OPENINGS).format(p=place, n=number)
        body = opening + body.format(p=place, n=number) + "".join(rng.sample(FILLERS, rng.randrange(3)))
        out.append((place, k, title.format(p=place, n=number), body))
    return out


def lookup(index: TextIndex, titles: list[str], title: str, body: str, *, min_score: float, check: bool,
           widen: int, k: int = 5, place: bool = False, cut: tuple[str, ...] = ()) -> list[int]:
    """The rows the box (``min_score`` 0.2) or triage (0.35) would list, as insight.lookup's
    similar_open and _near_found filter them, among the ``k × widen`` nearest (the product: 3);
    ``check``: with the same-problem check; ``cut``: the area's names, cut out of the query's text
    compared (``places.without_names``), not out of the text its places are read from."""
    body = body[:BODY_CHARS]
    named = message_places(title, body)
    said = (without_names(title, cut), without_names(body, cut)) if cut else (title, body)
    vector = index.vector(*said)
    mine, county = set(extract_places(title)), county_of(title)
    out = []
    nearest = (index.nearest(vector, named, k * widen, min_score=min_score) if place
               else index.query(title, body, k=k * widen, min_score=min_score, vector=vector))
    for n in nearest:
        theirs = set(extract_places(titles[n.index]))
        if not same_place(mine, theirs, county, county_of(titles[n.index])):
            continue
        if check and not index.same_problem(vector, n.index, named, said):
            continue
        out.append(n.index)
    return out[:k]


def run_synthetic(n: int, queries: int, seed: int) -> None:
    data = synthetic(n + queries, seed)
    candidates, asked = data[:n], data[n:]
    titles = [t for _, _, t, _ in candidates]
    start = time.perf_counter()
    index = TextIndex.build(titles, [b[:BODY_CHARS] for *_, b in candidates])
    print(f"synthetic: {n:,} candidates ({len({p for p, *_ in candidates}):,} places, 12 problems x 3 wordings), "
          f"index built in {(time.perf_counter() - start) * 1000:.0f} ms; {queries} queries")
    for name, min_score, widen, by_place in (("box", 0.2, 3, False), ("triage", 0.35, 3, False),
                                          ("box, 150 nearest", 0.2, 30, False), ("triage, 150 nearest", 0.35, 30, False),
                                          ("box, its place", 0.2, 3, True), ("triage, its place", 0.35, 3, True)):
        for check in (False, True):
            listed = right = other_problem = findable = found = 0
            timings = []
            for place, problem, title, body in asked:
                t = time.perf_counter()
                rows = lookup(index, titles, title, body, min_score=min_score, check=check, widen=widen, place=by_place)
                timings.append(time.perf_counter() - t)
                hits = [candidates[i][:2] == (place, problem) for i in rows]
                listed += len(rows)
                right += sum(hits)
                other_problem += sum(candidates[i][0] == place and candidates[i][1] != problem for i in rows)
                if any(c[:2] == (place, problem) for c in candidates):
                    findable += 1
                    found += any(hits)
            timings.sort()
            print(f"  {name:19} {'with' if check else 'without':7} the check: {listed:5} listed, precision "
                  f"{right / max(1, listed):.3f}, recall {found / max(1, findable):.3f}; another problem at the "
                  f"same place {other_problem:4}; lookup median {timings[len(timings) // 2] * 1000:.1f} ms")


# --areas: places named after the area (a station, a bridge, roads and estates: 兰州西站, 七里河桥) and
# letters that say their county or city, as letters of one county of 兰州市 do
AREA_NAMES = ("七里河区", "兰州市", "七里河", "兰州")
AREA_PLACES = ("兰州西站", "兰州站", "兰州东站", "兰州南站", "七里河桥", "七里河大桥", "七里河东路", "七里河西路",
               "七里河路", "七里河大道", "七里河家园", "七里河花园", "七里河新村", "兰州北路", "兰州南路", "兰州花园")
AREA_SAID = ("", "", "七里河区", "兰州市七里河区", "我们七里河这边", "兰州市")


def run_areas(n: int, queries: int, seed: int) -> None:
    """The synthetic messages with 16 of their places named after the area and the area named in
    a third of their bodies, looked up as the box does (cosine 0.2, its place, with the check):
    without the area's names cut out, with every occurrence cut (the rule before 2026-12-04) and
    with ``places.without_names``."""
    rng = random.Random(seed + 1)
    data = synthetic(n + queries, seed)
    spots = sorted({p for p, *_ in data})
    renamed = dict(zip(rng.sample(spots, len(AREA_PLACES)), AREA_PLACES, strict=True))
    data = [(renamed.get(p, p), k, t.replace(p, renamed.get(p, p)), rng.choice(AREA_SAID) + b.replace(p, renamed.get(p, p)))
            for p, k, t, b in data]
    candidates, asked = data[:n], data[n:]
    titles = [t for _, _, t, _ in candidates]
    index = TextIndex.build(titles, [b[:BODY_CHARS] for *_, b in candidates])
    named_after = set(AREA_PLACES)
    print(f"areas: {n:,} candidates, {queries} queries, {len(AREA_PLACES)} places named after the area "
          f"({sum(p in named_after for p, *_ in asked)} queries about them)")
    for label, cut in (("no names cut", ()), ("every name cut", "replace"), ("without_names", AREA_NAMES)):
        tally = {scope: [0, 0, 0, 0] for scope in ("all", "named after")}  # listed, right, findable, found
        for place, problem, title, body in asked:
            if cut == "replace":
                rows = _replace_lookup(index, titles, title, body)
            else:
                rows = lookup(index, titles, title, body, min_score=0.2, check=True, widen=3, place=True, cut=cut)
            hits = [candidates[i][:2] == (place, problem) for i in rows]
            for scope in ("all", "named after") if place in named_after else ("all",):
                t = tally[scope]
                t[0] += len(rows)
                t[1] += sum(hits)
                if any(c[:2] == (place, problem) for c in candidates):
                    t[2] += 1
                    t[3] += any(hits)
        print(f"  {label:15} " + "; ".join(f"{scope}: {t[0]} listed, precision {t[1] / max(1, t[0]):.3f}, recall "
                                          f"{t[3] / max(1, t[2]):.3f}" for scope, t in tally.items()))


def _replace_lookup(index: TextIndex, titles: list[str], title: str, body: str) -> list[int]:
    """``lookup`` (the box, its place, with the check) with every occurrence of the area's names cut."""
    def cut_all(text):
        for name in sorted(AREA_NAMES, key=len, reverse=True):
            text = text.replace(name, " ")
        return text

    body = body[:BODY_CHARS]
    named, said = message_places(title, body), (cut_all(title), cut_all(body))
    vector = index.vector(*said)
    mine, county = set(extract_places(title)), county_of(title)
    return [n.index for n in index.nearest(vector, named, 15, min_score=0.2)
            if same_place(mine, set(extract_places(titles[n.index])), county, county_of(titles[n.index]))
            and index.same_problem(vector, n.index, named, said)][:5]


def run_dataset() -> None:
    if not DATASET.exists():
        print("dataset: absent, skipped")
        return
    with DATASET.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    row_of = {r["留言编号"]: i for i, r in enumerate(rows)}
    titles = [r["留言主题"] for r in rows]
    index = TextIndex.build(titles, [r["留言详情"].strip()[:BODY_CHARS] for r in rows])
    with LABELS.open(encoding="utf-8") as fh:
        labelled = [(row_of[r["留言编号_a"]], row_of[r["留言编号_b"]], r["same_problem"] == "1") for r in csv.DictReader(fh)]
    kept = [(index.same_problem(index.matrix[i], j, index.places(i), index.texts[i]), same, bool(index.places(i)) and any(
        a.endswith(b) or b.endswith(a) for a in index.places(i) for b in index.places(j))) for i, j, same in labelled]
    print(f"dataset: {len(rows):,} messages; {len(labelled)} pairs the box listed without the check, read by hand")
    for scope, chosen in (("all pairs", kept), ("pairs naming a place in common", [k for k in kept if k[2]])):
        positives = sum(same for _, same, _ in chosen)
        after = [(keep, same) for keep, same, _ in chosen if keep]
        right = sum(same for _, same in after)
        print(f"  {scope}: {len(chosen)} pairs, {positives} the same problem: without the check precision "
              f"{positives / len(chosen):.3f}; with it {len(after)} kept, precision {right / max(1, len(after)):.3f}, "
              f"recall {right / max(1, positives):.3f} ({len(chosen) - positives - (len(after) - right)} of "
              f"{len(chosen) - positives} different problems left out)")


def run_lookups() -> None:
    """Each message of the reference data looked up among the others as the box does (cosine 0.2,
    the 15 nearest and the rows naming its place, no different place): the pairs the check passes,
    and how many of them pass only with the query read in the other's words (text.SYNONYMS)."""
    if not DATASET.exists():
        print("lookups: dataset absent, skipped")
        return
    with DATASET.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    titles = [r["留言主题"] for r in rows]
    index = TextIndex.build(titles, [r["留言详情"].strip()[:BODY_CHARS] for r in rows])
    places = [set(extract_places(t)) for t in titles]
    counties = [county_of(t) for t in titles]
    as_written = reworded = 0
    for i in range(len(rows)):
        vector, named = index.matrix[i], index.places(i)
        for n in index.nearest(vector, named, 15, min_score=0.2):
            j = n.index
            if j == i or not same_place(places[i], places[j], counties[i], counties[j]):
                continue
            if index._shares_problem(vector, j, named, index.texts[i]):
                as_written += 1
            elif index.same_problem(vector, j, named, index.texts[i]):
                reworded += 1
    print(f"lookups: {len(rows):,} messages looked up as the box does: {as_written + reworded} pairs pass the check, "
          f"{reworded} of them only in the other's words (text.SYNONYMS)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1500, help="synthetic candidates (default 1500, as insight.lookup)")
    parser.add_argument("--queries", type=int, default=600)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--dataset", action="store_true", help="also the labelled pairs of the reference data")
    parser.add_argument("--areas", action="store_true", help="also places named after the area, its names cut out")
    parser.add_argument("--lookups", action="store_true", help="also every message of the reference data looked up")
    args = parser.parse_args()
    print(f"SAME_PROBLEM = {SAME_PROBLEM}")
    run_synthetic(args.n, args.queries, args.seed)
    if args.areas:
        run_areas(args.n, args.queries, args.seed)
    if args.dataset:
        run_dataset()
    if args.lookups:
        run_lookups()


if __name__ == "__main__":
    main()
