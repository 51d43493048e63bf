"""Routing accuracy: does predicted topic + region → responsibility table name the unit
that really handled the message?

    .venv/bin/python bench/routing.py [--demo] [--reference] [--datasets ../shared/datasets]

--demo (the configured database, e.g. after `minsheng demo`): dispatched messages, the
unit known from their assignments (the lead that handled the case in the end, after any
transfer). A topic model is trained on 80% of them (a
fixed hash split) and the other 20% are routed from their text alone: predicted topic,
region (the citizen's, refined by places named in the text), responsibility table.
Printed beside: routing with the dispatcher's own topic (the table and region part
alone), and the classifier's topic accuracy.

--reference (../shared/datasets/unlabeled/msgabench_nlu.csv and msgabench_govqa.csv,
Beijing questions with the answering department 处理单位): there is no Beijing
responsibility table, so departments are mapped to the seven reference topics where
their remit is clear (交管局 → 交通运输, 人力资源社会保障局 → 劳动和社会保障, ...;
others such as 应急局, 科委 or 首都之窗 are left out and counted). Measured: how often
the topic model trained on ../shared/datasets/train picks the department's topic (the
remit a topic-based table would route to), and unit accuracy under a table that sends
each topic to its most frequent department; and how many reference messages (none names a
place in 甘肃) the demo directory's place names give a region, every one a false one.
Both: the unit model (routing learned from past dispatches, `train-classifier --from-db
--target unit`) on held-back messages; on the demo it learns offices (住建局) and finds the
office's unit for the message's region, as the dispatcher's history line does.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter, defaultdict
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEPARTMENT_TOPICS = {
    "交管局": "交通运输", "北京市公安局公安交通管理局": "交通运输", "北京公安局公安交通管理局": "交通运输",
    "交通委": "交通运输",
    "城管执法局": "城乡建设", "城市管理委": "城乡建设", "规划自然资源委": "城乡建设",
    "住房公积金管理中心": "城乡建设", "北京住房公积金管理中心": "城乡建设",
    "人力资源社会保障局": "劳动和社会保障", "北京市人力资源和社会保障局": "劳动和社会保障", "医保局": "劳动和社会保障",
    "体育局": "教育文体", "文物局": "教育文体",
    "药监局": "卫生计生", "北京市卫生和健康委员会": "卫生计生", "北京市计划生育服务指导中心": "卫生计生",
}


def reference(datasets: Path) -> None:
    from minsheng.insight import classify, csvio

    train_dir, unlabeled = datasets / "train", datasets / "unlabeled"
    if not (train_dir.is_dir() and unlabeled.is_dir()):
        print(f"reference: skipped, {datasets} is absent")
        return
    titles, bodies, labels = [], [], []
    for name in ("tipdm_messages.csv", "tipdm_bodies.csv", "tipdm_titles.csv"):
        t, b, rows, _ = csvio.message_texts(train_dir / name)
        for ti, bi, r in zip(t, b, rows, strict=True):
            if r["一级标签"].strip():
                titles.append(ti)
                bodies.append(bi)
                labels.append(r["一级标签"].strip())
    model = classify.train(titles, bodies, labels)
    for name in ("msgabench_nlu.csv", "msgabench_govqa.csv"):
        _header, rows = csvio.read_rows(unlabeled / name, required=("用户问题", "处理单位"))
        departments = [r["处理单位"].strip() for r in rows]
        mapped = [i for i, d in enumerate(departments) if d in DEPARTMENT_TOPICS]
        questions = [rows[i]["用户问题"] for i in mapped]
        # govqa's 正文内容 is the official answer, not the question: route from the question only
        predicted = [p.label for p in model.predict(questions, [""] * len(questions))]
        gold_topics = [DEPARTMENT_TOPICS[departments[i]] for i in mapped]
        right_remit = sum(p == g for p, g in zip(predicted, gold_topics, strict=True))
        by_topic: dict[str, Counter] = defaultdict(Counter)
        for i in mapped:
            by_topic[DEPARTMENT_TOPICS[departments[i]]][departments[i]] += 1
        table = {topic: c.most_common(1)[0][0] for topic, c in by_topic.items()}
        right_unit = sum(table.get(p) == departments[i] for p, i in zip(predicted, mapped, strict=True))
        oracle_unit = sum(table[g] == departments[i] for g, i in zip(gold_topics, mapped, strict=True))
        n = len(mapped)
        kept = set(mapped)
        left_out = Counter(d or "(空)" for i, d in enumerate(departments) if i not in kept)
        print(f"reference {name}: {len(rows)} questions, {n} with a department mapped to a topic; left out: "
              + ", ".join(f"{d} {c}" for d, c in left_out.most_common(6)))
        if n:
            print(f"  right remit (predicted topic = department's topic): {right_remit / n:.3f}")
            print(f"  right unit, one department per topic:                {right_unit / n:.3f} "
                  f"(with the true topic: {oracle_unit / n:.3f})")
            misses = Counter((departments[i], p) for p, g, i in zip(predicted, gold_topics, mapped, strict=True)
                             if p != g)
            print("  most frequent misses (department → predicted topic): "
                  + ", ".join(f"{d}→{p} {c}" for (d, p), c in misses.most_common(5)))
        learned_units(name, [r["用户问题"] for r in rows], departments)
    false_places(datasets)


def false_places(datasets: Path) -> None:
    """Regions read from texts that name none: the demo directory's gazetteer (甘肃省) over every
    reference message (Hunan's board with its places masked as A市/A2区, and Beijing questions), where
    each region found is a false one (安宁 of 保一方安宁, 合作 of 合作社, 和政 of 党和政府)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    django.setup()
    from minsheng.directory import demo_data
    from minsheng.insight import csvio
    from minsheng.insight.places import Gazetteer

    regions = [SimpleNamespace(pk=i, code=r["code"], level=int(r["level"]), name=r["name"])
               for i, r in enumerate(demo_data.bundle()["regions.csv"])]
    names = Gazetteer(regions)
    texts = []
    for folder, name in (("train", "tipdm_messages.csv"), ("unlabeled", "tipdm_testset.csv"),
                         ("unlabeled", "tipdm_hotspot_messages.csv")):
        titles, bodies, _rows, _ = csvio.message_texts(datasets / folder / name)
        texts += [f"{t} {b}" for t, b in zip(titles, bodies, strict=True)]
    for name in ("msgabench_nlu.csv", "msgabench_govqa.csv"):
        _header, rows = csvio.read_rows(datasets / "unlabeled" / name, required=("用户问题",))
        texts += [r["用户问题"] for r in rows]
    found = Counter(names.by_alias[alias][0].name for text in texts for alias, _ in names.places_in(text)[:1])
    regions_found = sum(names.find(text) is not None for text in texts)
    print(f"reference texts naming no 甘肃 place: {len(texts)}; a region read from {regions_found} "
          "(first place names read: "
          + ", ".join(f"{n} {c}" for n, c in found.most_common(5)) + ")")


def learned_units(name, questions, departments) -> None:
    """Routing learned from past dispatches: a unit model trained on 80% of the file's
    questions (fixed hash split) names the department of the other 20%, every department
    included (no topic mapping, no table)."""
    from minsheng.insight import classify

    rows = [(q, d) for q, d in zip(questions, departments, strict=True) if d]
    held = [r for r in rows if classify.heldback(r[0], "")]
    train = [r for r in rows if not classify.heldback(r[0], "")]
    if len({d for _, d in train}) < 2 or not held:
        return
    model = classify.train([q for q, _ in train], [""] * len(train), [d for _, d in train])
    predicted = model.predict([q for q, _ in held], [""] * len(held))
    right = sum(p.label == d for p, (_, d) in zip(predicted, held, strict=True))
    sure = [(p, d) for p, (_, d) in zip(predicted, held, strict=True) if p.confidence >= 0.6]
    majority = Counter(d for _, d in train).most_common(1)[0][0]
    print(f"  unit model (history), all {len(model.labels)} departments, {len(held)} held back: "
          f"{right / len(held):.3f} (most frequent department alone: "
          f"{sum(d == majority for _, d in held) / len(held):.3f}; confidence ≥ 0.6: "
          f"{sum(p.label == d for p, d in sure) / max(len(sure), 1):.3f} on {len(sure)})")


def demo() -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    django.setup()
    from minsheng.board.models import Message
    from minsheng.directory.models import Unit
    from minsheng.directory.routing import route
    from minsheng.insight import classify
    from minsheng.insight.suggest import pick_unit, resolve_region, unit_for_label
    from minsheng.insight.tasks import topic_for_label
    from minsheng.insight.training import final_lead_units, region_names, unit_labels, unit_title

    # the unit that handled the case in the end (the demo also plays wrong dispatches and transfers)
    handled = final_lead_units()
    messages = Message.objects.filter(pk__in=list(handled), topic__isnull=False).select_related("region", "topic")
    cases = [SimpleNamespace(message=m, unit_id=handled[m.pk]) for m in messages]
    train = [e.message for e in cases if not classify.heldback(e.message.title, e.message.body)]
    test = [e for e in cases if classify.heldback(e.message.title, e.message.body)]
    model = classify.train([m.title for m in train], [m.body for m in train], [m.topic.name for m in train])
    predicted = model.predict([e.message.title for e in test], [e.message.body for e in test])
    topic_ok = unit_ok = oracle_ok = plain_ok = region_from_text = no_route = 0
    for e, p in zip(test, predicted, strict=True):
        e.lead = None
        m = e.message
        topic_ok += p.label == m.topic.name
        region, from_text = resolve_region(m)
        region_from_text += from_text
        r = route(region, topic_for_label(p.label))
        e.lead = r.lead
        no_route += r.lead is None
        unit_ok += r.lead is not None and r.lead.pk == e.unit_id
        oracle_lead = route(region, m.topic).lead
        oracle_ok += oracle_lead is not None and oracle_lead.pk == e.unit_id
        plain_lead = route(m.region, m.topic).lead  # the citizen's region as filed, no text
        plain_ok += plain_lead is not None and plain_lead.pk == e.unit_id
    all_units = list(Unit.objects.filter(is_active=True).select_related("region").order_by("pk"))
    labels = unit_labels(Unit.objects.all())
    regions = region_names()
    units = classify.train([unit_title(m.title, regions[m.region_id]) for m in train], [m.body for m in train],
                           [labels[handled[m.pk]] for m in train])
    learned = units.predict([unit_title(e.message.title, regions[e.message.region_id]) for e in test],
                            [e.message.body for e in test])
    named = [unit_for_label(p.label, resolve_region(e.message)[0], all_units) for p, e in zip(learned, test, strict=True)]
    learned_ok = sum(u is not None and u.pk == e.unit_id for u, e in zip(named, test, strict=True))
    macro_f1 = _macro_f1([e.unit_id for e in test], [u.pk if u is not None else None for u in named])
    shown = [(pick_unit(p, resolve_region(e.message)[0])[0], e) for p, e in zip(learned, test, strict=True)]
    shown = [(u, e) for u, e in shown if u is not None]
    n = len(test)
    print(f"demo: {len(cases)} dispatched messages with a topic; trained on {len(train)}, routed {n} held back")
    print(f"  topic accuracy:                          {topic_ok / n:.3f}")
    print(f"  right lead unit (predicted topic):       {unit_ok / n:.3f}   (no lead found: {no_route})")
    print(f"  right lead unit (dispatcher's topic):    {oracle_ok / n:.3f}")
    print(f"  same, citizen's region as filed:         {plain_ok / n:.3f}")
    print(f"  region refined from the text:            {region_from_text} of {n}")
    print(f"  right lead unit, unit model (history):   {learned_ok / n:.3f}   (macro-F1 {macro_f1:.3f}; "
          f"{len(units.labels)} offices learned, each found in the message's region or the nearest above)")
    print(f"  history shown to the dispatcher:         {len(shown)} of {n}, right "
          f"{sum(u.pk == e.unit_id for u, e in shown) / max(len(shown), 1):.3f}")
    differs = [(u, e) for u, e in shown if u != e.lead]
    print(f"  history unlike the table's lead:         {len(differs)}; right: the history "
          f"{sum(u.pk == e.unit_id for u, e in differs)}, the table "
          f"{sum(e.lead is not None and e.lead.pk == e.unit_id for _, e in differs)}")


def _macro_f1(truth: list, predicted: list) -> float:
    """The mean F1 over the classes of ``truth`` (a class never right scores 0; no unit named is -1)."""
    from sklearn.metrics import f1_score

    predicted = [-1 if p is None else p for p in predicted]
    return float(f1_score(truth, predicted, labels=sorted(set(truth)), average="macro", zero_division=0))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--demo", action="store_true", help="measure on the configured database")
    parser.add_argument("--reference", action="store_true", help="measure on ../shared/datasets")
    parser.add_argument("--datasets", default=str(ROOT / ".." / "shared" / "datasets"),
                        help="folder of the reference files for --reference (default ../shared/datasets)")
    args = parser.parse_args(argv)
    if not (args.demo or args.reference):
        args.demo = args.reference = True
    if args.reference:
        reference(Path(args.datasets))
    if args.demo:
        demo()
    return 0


if __name__ == "__main__":
    sys.exit(main())
