"""Topic and type classification: the Django-free core, the three commands and their
errors, training from handled cases, and (with ../shared/datasets) the targets."""

from __future__ import annotations

import csv
import json
import os
import random
import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from minsheng.insight import classify

# --- small generated data ---------------------------------------------------------

VOCAB = {
    "城乡建设": ["小区", "电梯", "物业", "加装电梯", "房屋", "拆迁", "安置房", "老旧小区", "违建", "住房公积金"],
    "环境保护": ["噪音", "污染", "排放", "臭味", "垃圾焚烧", "污水", "扬尘", "搅拌站", "废气", "河道黑臭"],
    "交通运输": ["公交", "红绿灯", "出租车", "道路拥堵", "公交站", "斑马线", "高速路口", "停车", "地铁", "客运站"],
}
FILLER = ["请问", "希望", "领导", "尽快", "解决", "我们", "附近", "居民", "反映", "问题", "长期", "严重"]
KIND_VOCAB = {
    "建言": ["建议", "希望增设", "提议", "能否考虑", "建议政府"],
    "投诉/求助": ["投诉", "严重扰民", "求助", "无人管", "强烈要求处理"],
    "咨询": ["请问", "咨询一下", "怎么办理", "需要什么材料", "在哪里办理"],
}


def sentence(rng: random.Random, words: list[str], n: int = 6) -> str:
    parts = rng.sample(words, 3) + rng.sample(FILLER, 3)
    rng.shuffle(parts)
    return "".join(parts[:n]) + "。"


def make_rows(seed: int = 1, per_class: int = 40, vocab=VOCAB):
    rng = random.Random(seed)
    rows = []
    for label, words in vocab.items():
        for _ in range(per_class):
            rows.append((sentence(rng, words, 4), sentence(rng, words) + sentence(rng, words), label))
    rng.shuffle(rows)
    return rows


def write_csv(path: Path, header: list[str], rows, encoding="utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


@pytest.fixture(scope="module")
def tiny_model():
    rows = make_rows(seed=1)
    return classify.train([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows], sources=["generated"])


# --- the core ------------------------------------------------------------------------

def test_predicts_unseen_titles_bodies_and_both(tiny_model):
    test = make_rows(seed=99, per_class=10)
    for titles, bodies in (([r[0] for r in test], [r[1] for r in test]),
                           ([r[0] for r in test], [""] * len(test)),
                           ([""] * len(test), [r[1] for r in test])):
        predicted = [p.label for p in tiny_model.predict(titles, bodies)]
        accuracy = sum(p == r[2] for p, r in zip(predicted, test, strict=True)) / len(test)
        assert accuracy >= 0.9


def test_confidence_and_top3(tiny_model):
    p = tiny_model.predict_one("小区加装电梯", "老旧小区没有电梯, 物业不管")
    assert p.label == "城乡建设"
    assert 1 / 3 < p.confidence <= 1
    assert [label for label, _ in p.top][0] == "城乡建设"
    assert len(p.top) == 3 and p.top[0][1] >= p.top[1][1] >= p.top[2][1]
    assert abs(sum(c for _, c in p.top) - 1) < 1e-4  # three labels: the top 3 is everything
    empty = tiny_model.predict_one("", "")  # no text at all: a guess, and not a confident one
    assert empty.confidence < p.confidence


def test_save_load_round_trip(tiny_model, tmp_path):
    tiny_model.save(tmp_path / "m")
    meta = json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))
    assert meta["labels"] == sorted(VOCAB)
    assert len(meta["fingerprint"]) == 64 and meta["n_train"] == 120
    assert meta["evaluation"]["holdout_20pct"]["macro_f1"] > 0.8
    loaded = classify.TextClassifier.load(tmp_path / "m")
    texts = ["公交站太远", "河道黑臭严重"]
    assert [p.label for p in loaded.predict(texts, ["", ""])] == [p.label for p in tiny_model.predict(texts, ["", ""])]
    a = loaded.probabilities(texts, ["", ""])
    b = tiny_model.probabilities(texts, ["", ""])
    assert abs(a - b).max() < 1e-5


def test_without_a_c_the_one_reading_the_holdout_better_is_kept():
    rows = make_rows(seed=5)
    t, b, y = [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
    model = classify.train(t, b, y)
    params, holdout = model.meta["params"], model.meta["evaluation"]["holdout_20pct"]
    by_c = {float(c): f1 for c, f1 in params["C_by_holdout"].items()}
    assert set(by_c) == set(classify.C_CHOICES)
    assert by_c[params["C"]] == max(by_c.values()) == holdout["macro_f1"]
    if len(set(by_c.values())) == 1:  # a tie keeps the default
        assert params["C"] == classify.DEFAULT_C
    given = classify.train(t, b, y, c=1.0)
    assert given.meta["params"]["C"] == 1.0 and given.meta["params"]["C_by_holdout"] is None


def test_fingerprint_names_the_data():
    rows = make_rows(seed=3, per_class=5)
    t, b, y = [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
    assert classify.fingerprint(t, b, y) == classify.fingerprint(t[::-1], b[::-1], y[::-1])
    assert classify.fingerprint(t, b, y) != classify.fingerprint(t, b, y[1:] + y[:1])


def test_holdout_keeps_a_message_whole():
    """A message's title, body and title+body rows (as in the reference files) fall on one
    side of the evaluation split, so model.json never measures recall of a trained title."""
    rng = random.Random(3)
    messages = [(f"关于{rng.choice(FILLER)}第{k}号小区{rng.choice(VOCAB['城乡建设'])}的问题",
                 f"第{k}号小区" + sentence(rng, VOCAB["城乡建设"])) for k in range(400)]
    titles = [t for t, _ in messages] + [t for t, _ in messages] + ["" for _ in messages]
    bodies = [b for _, b in messages] + ["" for _ in messages] + [b for _, b in messages]
    held = set(classify.heldback_rows(titles, bodies))
    n = len(messages)
    assert all((k in held) == (k + n in held) == (k + 2 * n in held) for k in range(n))
    assert 0.12 < len(held) / len(titles) < 0.28
    # a boilerplate body (如题) joins nothing: such messages still fall on both sides
    held = set(classify.heldback_rows([t for t, _ in messages], ["如题"] * n))
    assert 0.12 < len(held) / n < 0.28


def test_char_features_equal_scikit_learns():
    """The numpy n-gram TF-IDF gives scikit-learn's values (sublinear tf, smooth idf, l2 rows)."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    rng = random.Random(5)
    docs = ["".join(rng.choice("城乡建设环境保护小区电梯噪音ABc1") for _ in range(rng.randint(1, 40))) for _ in range(200)]
    block = classify.HashedBlock.fit("c", "text", "char13", docs, min_df=1)
    vec = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
    theirs = vec.fit_transform(docs).toarray()
    order = [vec.vocabulary_[classify.ngram_text(int(i))] for i in block.ids]
    np.testing.assert_allclose(block.transform(docs).toarray(), theirs[:, order], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", ["int64", "uint64"])
def test_id_index_finds_the_column_of_every_known_id_and_none_of_unknown_ones(dtype):
    import numpy as np

    rng = np.random.default_rng(3)
    vocab = np.unique(rng.integers(0, 2**62, 5000)).astype(dtype)  # sorted, as a block keeps it
    asked = np.concatenate([vocab[::-1], rng.integers(0, 2**62, 3000).astype(dtype), vocab[:10]])
    expected = {int(v): i for i, v in enumerate(vocab)}
    got = classify.IdIndex(vocab).get(asked)
    assert got.tolist() == [expected.get(int(v), -1) for v in asked]
    assert classify.IdIndex(vocab[:0]).get(asked[:5]).tolist() == [-1] * 5


def test_training_needs_two_labels():
    with pytest.raises(classify.TrainingError):
        classify.train(["小区电梯"] * 5, [""] * 5, ["城乡建设"] * 5)


@pytest.mark.parametrize("content, message", [
    ("not json", "已损坏"),
    (json.dumps({"format": "something-else"}), "不是 minsheng 分类模型"),
    (json.dumps({"format": classify.FORMAT, "format_version": 999}), "版本"),
])
def test_broken_model_dirs(tmp_path, content, message):
    (tmp_path / "model.json").write_text(content, encoding="utf-8")
    with pytest.raises(classify.ModelError, match=message):
        classify.TextClassifier.load(tmp_path)


def test_missing_weights(tiny_model, tmp_path):
    tiny_model.save(tmp_path)
    (tmp_path / "weights.npz").write_bytes(b"garbage")
    with pytest.raises(classify.ModelError):
        classify.TextClassifier.load(tmp_path)


# --- the commands ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("cls")
    rows = make_rows(seed=1)
    test = make_rows(seed=7, per_class=8)
    kinds = make_rows(seed=2, vocab=KIND_VOCAB)
    return {
        "dir": d,
        "train": write_csv(d / "train.csv", ["留言编号", "留言主题", "留言详情", "一级标签"],
                           [(f"A{i}", *r) for i, r in enumerate(rows)]),
        "titles": write_csv(d / "titles.csv", ["title", "一级标签"], [(r[0], r[2]) for r in rows]),
        "bodies": write_csv(d / "bodies.csv", ["留言详情", "一级标签"], [(r[1], r[2]) for r in rows]),
        "test": write_csv(d / "test.csv", ["留言编号", "留言主题", "留言详情", "一级标签"],
                          [(f"T{i}", *r) for i, r in enumerate(test)]),
        "test_text": write_csv(d / "text.csv", ["留言"], [(r[0] + r[1],) for r in test]),
        "kinds": write_csv(d / "kinds.csv", ["留言", "问题类型"], [(r[0] + r[1], r[2]) for r in kinds]),
    }


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def cli_model(files):
    out = run("train_classifier", "--data", str(files["train"]), "--label-column", "一级标签",
              "--out", str(files["dir"] / "model"))
    assert "120 行" in out and "macro-F1" in out
    return files["dir"] / "model"


def test_train_prints_progress_and_summary(files, cli_model):
    meta = json.loads((cli_model / "model.json").read_text(encoding="utf-8"))
    assert meta["labels"] == sorted(VOCAB) and meta["sources"] == ["train.csv"]


def test_train_on_several_files(files, tmp_path):
    out = run("train_classifier", "--data", str(files["titles"]), "--data", str(files["bodies"]),
              "--label-column", "一级标签", "--out", str(tmp_path / "m"))
    assert "240 行有标签" in out
    meta = json.loads((tmp_path / "m" / "model.json").read_text(encoding="utf-8"))
    assert meta["n_train"] == 240


def test_evaluate_last_line_is_json(files, cli_model):
    out = run("evaluate_classifier", "--model", str(cli_model), "--data", str(files["test"]),
              "--label-column", "一级标签")
    figures = json.loads(out.strip().splitlines()[-1])
    assert set(figures) == {"n", "macro_f1", "accuracy", "per_class", "messages_per_second"}
    assert figures["n"] == 24
    assert figures["macro_f1"] >= 0.9 and figures["accuracy"] >= 0.9
    assert set(figures["per_class"]) == set(VOCAB)
    assert figures["messages_per_second"] > 0


def test_evaluate_times_a_warm_pass_over_every_row():
    """The speed is the steady one: a warm-up call on the first 50 rows pays the one-time
    set-up; the figures come from the timed pass over all rows."""
    from types import SimpleNamespace

    calls = []

    class Recorder:
        def predict(self, titles, bodies):
            calls.append(len(titles))
            wrong = len(calls) == 1  # only the warm-up is wrong: it must not be scored
            return [SimpleNamespace(label="错" if wrong else t) for t in titles]

    labels = ["城乡建设"] * 120 + ["环境保护"] * 30
    figures = classify.evaluate(Recorder(), labels, [""] * 150, labels)
    assert calls == [50, 150]
    assert figures["n"] == 150 and figures["macro_f1"] == 1.0 and figures["accuracy"] == 1.0
    assert figures["messages_per_second"] > 0


def test_classify_writes_one_row_per_input(files, cli_model, tmp_path):
    out_csv = tmp_path / "pred.csv"
    run("classify", "--model", str(cli_model), "--data", str(files["test"]), "--out", str(out_csv))
    with out_csv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 24
    assert rows[0]["留言编号"] == "T0"
    with files["test"].open(encoding="utf-8") as fh:
        gold = {r["留言编号"]: r["一级标签"] for r in csv.DictReader(fh)}
    assert sum(r["label"] == gold[r["留言编号"]] for r in rows) >= 22
    assert all(0 < float(r["confidence"]) <= 1 and len(r["top3"].split("; ")) == 3 for r in rows)


def test_classify_never_writes_a_guess_below_certainty_as_certain(files, cli_model, tmp_path, monkeypatch):
    """The CSV rounded confidences to four decimals: a reading 0.99996 sure was written 「1.0000」. It is
    floored as the pages floor it (``classify.confidence_text``): 0.9999; a sure 1.0 stays 1.0000."""
    def predict(self, titles, bodies):
        return [classify.Prediction("城乡建设", 0.99996, [("城乡建设", 0.99996), ("环境保护", 0.00004)])
                if i % 2 else classify.Prediction("交通运输", 1.0, [("交通运输", 1.0)]) for i in range(len(titles))]

    monkeypatch.setattr(classify.TextClassifier, "predict", predict)
    out_csv = tmp_path / "pred.csv"
    run("classify", "--model", str(cli_model), "--data", str(files["test"]), "--out", str(out_csv))
    with out_csv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["confidence"], r["top3"]) for r in rows[:2]] == [
        ("1.0000", "交通运输:1.0000"), ("0.9999", "城乡建设:0.9999; 环境保护:0.0000")]


def test_classify_one_text_column_numbers_rows(files, cli_model, tmp_path):
    out_csv = tmp_path / "pred.csv"
    run("classify", "--model", str(cli_model), "--data", str(files["test_text"]), "--out", str(out_csv))
    with out_csv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["row"] for r in rows] == [str(i) for i in range(1, 25)]


def test_classify_names_the_id_column_of_its_output_as_its_help_says(files, cli_model, tmp_path):
    """An input whose ids are in a column named ``id`` got an output column ``id``, where --help and
    docs/classification.md say 留言编号 (or row): a program reading the output by its name found no 留言编号."""
    rows = make_rows(seed=7, per_class=2)
    data = write_csv(tmp_path / "ids.csv", ["id", "留言主题", "留言详情"], [(f"X{i}", r[0], r[1]) for i, r in enumerate(rows)])
    out_csv = tmp_path / "pred.csv"
    run("classify", "--model", str(cli_model), "--data", str(data), "--out", str(out_csv))
    with out_csv.open(encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames[0] == "留言编号"
        assert [r["留言编号"] for r in reader] == [f"X{i}" for i in range(len(rows))]
    from minsheng.insight.management.commands.classify import Command

    assert "留言编号 (or row" in " ".join(Command().create_parser("minsheng", "classify").format_help().split())


def test_type_model_maps_to_message_kinds(files, tmp_path):
    from minsheng.insight.training import kind_for_label

    run("train_classifier", "--data", str(files["kinds"]), "--label-column", "问题类型", "--out", str(tmp_path / "k"))
    model = classify.TextClassifier.load(tmp_path / "k")
    assert sorted(model.labels) == sorted(KIND_VOCAB)
    p = model.predict_one("", "请问社保卡需要什么材料, 在哪里办理")
    assert p.label == "咨询" and kind_for_label(p.label) == "consult"
    assert kind_for_label("投诉/求助") == "complain" and kind_for_label("建言") == "suggest"


def test_evaluate_reads_a_label_written_with_spaces_or_full_width_as_the_models(files, tmp_path):
    """「投诉 / 求助」 and 「投诉／求助」 in the file were labels the model never predicts: every
    such row counted wrong, and the model's 投诉/求助 reported with no support."""
    run("train_classifier", "--data", str(files["kinds"]), "--label-column", "问题类型", "--out", str(tmp_path / "k"))
    with files["kinds"].open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    respelled = [(text, {"投诉/求助": "投诉 / 求助" if i % 2 else "投诉／求助"}.get(label, f" {label}"))
                 for i, (text, label) in enumerate(rows)]
    figures = {}
    for name, data in (("as trained", rows), ("respelled", respelled)):
        out = run("evaluate_classifier", "--model", str(tmp_path / "k"), "--label-column", "问题类型",
                  "--data", str(write_csv(tmp_path / f"{name}.csv", ["留言", "问题类型"], data)))
        assert "不认识的标签" not in out
        figures[name] = json.loads(out.strip().splitlines()[-1])
    assert set(figures["respelled"]["per_class"]) == set(KIND_VOCAB)
    for key in ("n", "macro_f1", "accuracy", "per_class"):
        assert figures["respelled"][key] == figures["as trained"][key]


def test_english_columns_in_any_case_are_read(files, cli_model, tmp_path):
    """Title/Body/TEXT (a spreadsheet's or pandas' capitals) were 「需要标题列」 errors; they
    are the title, body and text columns."""
    with files["test"].open(encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    predicted = {}
    for name, header in (("lower", ["id", "title", "body"]), ("capitals", ["ID", "Title", "BODY"])):
        data = write_csv(tmp_path / f"{name}.csv", header, [r[:3] for r in rows])
        run("classify", "--model", str(cli_model), "--data", str(data), "--out", str(tmp_path / f"{name}.out"))
        predicted[name] = (tmp_path / f"{name}.out").read_text(encoding="utf-8").splitlines()
    assert predicted["capitals"][0].startswith("留言编号,label")  # as docs/classification.md says (was ID: 2026-12-07)
    assert predicted["capitals"][1:] == predicted["lower"][1:] and len(predicted["lower"]) == 25
    text = write_csv(tmp_path / "text.csv", ["Text", "Label"], [(r[1] + r[2], r[3]) for r in rows])
    out = run("evaluate_classifier", "--model", str(cli_model), "--data", str(text), "--label-column", "Label")
    assert json.loads(out.strip().splitlines()[-1])["n"] == 24


def bad(tmp_path, name, text, encoding="utf-8"):
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return str(p)


@pytest.mark.parametrize("make, message", [
    (lambda t: str(t / "nope.csv"), "文件不存在"),
    (lambda t: bad(t, "gbk.csv", "留言主题,一级标签\n小区没有电梯,城乡建设\n", "gbk"), "UTF-8"),
    (lambda t: bad(t, "quote.csv", '留言主题,一级标签\n"小区没有电梯,城乡建设\n'), "引号|格式"),
    (lambda t: bad(t, "cols.csv", "编号,标签\n1,城乡建设\n"), "需要标题列"),
    (lambda t: bad(t, "empty.csv", ""), "为空"),
    (lambda t: bad(t, "emptyrow.csv", "留言编号,留言主题,留言详情\n1,小区没有电梯,物业不管\n2, ,\n"), r"第 2 条记录 \(第 3 行\)的标题和正文为空"),
    (lambda t: bad(t, "english.csv", "title\nthe bus is late\nno elevator here\n"), "中文"),
    (lambda t: bad(t, "huge.csv", "留言详情\n" + "电梯" * 60_000 + "\n"), "过长"),
])
def test_classify_bad_input_is_one_line_error(cli_model, tmp_path, make, message):
    with pytest.raises(CommandError, match=message) as info:
        call_command("classify", "--model", str(cli_model), "--data", make(tmp_path), "--out",
                     str(tmp_path / "o.csv"))
    assert "\n" not in str(info.value)


def test_missing_model_dir_and_unknown_label_column(files, cli_model, tmp_path):
    with pytest.raises(CommandError, match="模型目录不存在"):
        call_command("classify", "--model", str(tmp_path / "none"), "--data", str(files["test"]),
                     "--out", str(tmp_path / "o.csv"))
    with pytest.raises(CommandError, match="没有标签列 问题类型"):
        call_command("train_classifier", "--data", str(files["train"]), "--label-column", "问题类型",
                     "--out", str(tmp_path / "m"))
    with pytest.raises(CommandError, match="模型目录不存在"):
        call_command("evaluate_classifier", "--model", str(tmp_path / "none"), "--data", str(files["test"]),
                     "--label-column", "一级标签")
    with pytest.raises(CommandError, match="没有标签列 类型"):
        call_command("evaluate_classifier", "--model", str(files["dir"] / "model"), "--data", str(files["test"]),
                     "--label-column", "类型")
    with pytest.raises(CommandError, match="--label-column"):
        call_command("train_classifier", "--data", str(files["train"]), "--out", str(tmp_path / "m"))
    with pytest.raises(CommandError, match="--target 只能与 --from-db 一起使用"):  # not silently a topic model
        call_command("train_classifier", "--data", str(files["train"]), "--label-column", "一级标签",
                     "--target", "unit", "--out", str(tmp_path / "m"))
    assert not (tmp_path / "m").exists()


def test_cli_exit_code_is_non_zero(files, tmp_path):
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-m", "minsheng", "classify", "--model", str(tmp_path / "none"),
                           "--data", str(files["test"]), "--out", str(tmp_path / "o.csv")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "模型目录不存在" in proc.stderr and "Traceback" not in proc.stderr


# --- training from handled cases ---------------------------------------------------------

@pytest.mark.django_db
def test_train_from_db_uses_dispatchers_topics_and_corrections(personas, directory, tmp_path):
    from minsheng.board import actions
    from minsheng.board.models import Event, Message

    d = directory
    topic_of = {"城乡建设": d["topic_build"], "环境保护": d["topic_env"], "交通运输": d["topic_traffic"]}
    lead_of = {"城乡建设": d["housing"], "环境保护": d["ecology"], "交通运输": d["transport"]}
    rows = make_rows(seed=5, per_class=25)
    for i, (title, body, label) in enumerate(rows):
        m = actions.do_submit(personas["citizen"], title=title[:50], body=body, kind="complain", region=d["lanzhou"])
        if i % 10 == 0:  # the machine guessed wrong; the dispatcher corrects it
            wrong = d["topic_env"] if label != "环境保护" else d["topic_build"]
            Message.objects.filter(pk=m.pk).update(predicted_topic=wrong, topic_confidence=0.5)
            m.refresh_from_db()
        actions.do_dispatch(personas["dispatcher"], m, lead_of[label], topic=topic_of[label])
    actions.do_submit(personas["citizen"], title="未派单的留言", body="不应计入训练", kind="consult", region=d["lanzhou"])
    corrected = Event.objects.filter(kind=Event.Kind.CORRECTED).count()
    assert corrected == 8
    out = run("train_classifier", "--from-db", "--out", str(tmp_path / "db"))
    assert "75 条已派单留言" in out and f"{corrected} 条经派单员更正" in out
    model = classify.TextClassifier.load(tmp_path / "db")
    assert model.meta["n_train"] == 75 and sorted(model.labels) == sorted(VOCAB)
    assert model.predict_one("公交站离小区太远", "").label == "交通运输"
    with pytest.raises(CommandError, match="至少需要两个不同的标签"):  # every case here is a 投诉
        run("train_classifier", "--from-db", "--target", "kind", "--out", str(tmp_path / "kind"))


def test_normalize_equals_nfkc_with_whitespace_collapsed_and_stars_dropped():
    """normalize() maps full-width forms itself and skips NFKC when nothing else needs it;
    the result must be exactly NFKC's on every kind of character a message may hold."""
    import re
    import unicodedata

    from minsheng.insight.text import normalize

    alphabet = ("城乡建设请问，。？！：（）【】“”、《》ＡＢｃ１２３　 \t\n*"
                "ｶﾞ①㈱ｱ㎡ﬁÅé\u0301\u3099か\uff9eabc")
    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        expected = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text).replace("*", "")).strip()
        assert normalize(text) == expected, text
    assert normalize("ＡＢＣ　１２３，请问？") == "ABC 123,请问?"


def test_a_message_in_traditional_characters_reads_as_its_simplified_form(tiny_model):
    """Real citizens write 繁體 now and then (five messages of the reference data): the model,
    trained on simplified text, reads them exactly as if they were simplified."""
    simplified = ("小区路灯坏了三个月没人修", "晚上出门很危险, 请问什么时候能修好路灯")
    traditional = ("小區路燈壞了三個月沒人修", "晚上出門很危險, 請問什麼時候能修好路燈")
    assert tiny_model.predict_one(*traditional) == tiny_model.predict_one(*simplified)
    assert tiny_model.predict_one(*traditional).label == "城乡建设"


def test_simplified_text_with_a_stray_traditional_character_stays_as_written():
    from minsheng.insight.text import normalize, simplified

    assert normalize("小區路燈壞了三個月沒人修") == "小区路灯坏了三个月没人修"
    # a name (乾源国际广场) in a simplified message is not turned into 干源, nor 坏 into 坯
    assert normalize("A6区乾源国际广场的路灯坏了") == "A6区乾源国际广场的路灯坏了"
    text = "昇明壹城小区的电梯坏了, 物业沒有人来修, 住户出行很不方便"  # 2 of 24 characters
    assert normalize(text) == text
    assert simplified("燈", loose=True) == "灯" and simplified("燈") == "燈"
    # two names with a stray traditional character each, in a short simplified title
    for text in ("明昇壹城乾源国际之间积水", "乾县乾陵景区门票问题", "於某某反映於家村道路损坏"):
        assert normalize(text) == text


def test_without_opencc_text_is_read_as_written(monkeypatch):
    """A missing or broken OpenCC wheel must not stop anything that reads text (a citizen's
    message is stored, search and similar messages work): traditional text is read as is."""
    import sys

    from minsheng.insight import text

    text._traditional.cache_clear()
    try:
        with monkeypatch.context() as patch:
            patch.setitem(sys.modules, "opencc", None)  # import opencc raises ImportError
            assert text.normalize("小區路燈壞了") == "小區路燈壞了"
            assert text.search_terms("路燈壞了") and text.traditional_pattern() is None
    finally:
        text._traditional.cache_clear()
    assert text.normalize("小區路燈壞了") == "小区路灯坏了"


# --- the targets on messages never seen in training (docs/classification.md) --------------

DATASETS = Path(__file__).resolve().parents[1] / ".." / "shared" / "datasets" / "train"


@pytest.fixture(scope="module")
def reference_split():
    if not DATASETS.is_dir():
        pytest.skip("../shared/datasets is absent")
    if "postgres" in os.environ.get("DATABASE_URL", ""):
        pytest.skip("database-independent; measured in the SQLite pass")
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench.classify import kind_split, topic_fold

    return {"topic": topic_fold(DATASETS, 0), "kind": kind_split(DATASETS)}


@pytest.mark.dataset
def test_topic_figures_on_messages_never_seen_in_training(reference_split):
    train, tests = reference_split["topic"]
    model = classify.train(*train, sources=["reference, fold 1 of 5 held back"])
    figures = {kind: classify.evaluate(model, *rows) for kind, rows in tests.items()}
    # issue 3 asks 0.93 / 0.93 / 0.92; on these 175 messages read three ways this model
    # reaches about 0.91 / 0.89 / 0.89 (docs/classification.md); the floors guard against
    # regressions.
    assert figures["messages"]["macro_f1"] >= 0.89
    assert figures["bodies"]["macro_f1"] >= 0.87
    assert figures["titles"]["macro_f1"] >= 0.87


@pytest.mark.dataset
def test_type_target_on_held_back_reference_data(reference_split):
    train, test = reference_split["kind"]
    model = classify.train(*train, sources=["reference 80%"])
    figures = classify.evaluate(model, *test)
    # about 0.837 with C chosen on the hold-out (0.827 at the topics' C=0.3); the TF-IDF + LinearSVC
    # baseline is about 0.81, issue 3 asks 0.86
    assert figures["macro_f1"] >= 0.83


@pytest.mark.django_db
def test_train_from_db_with_few_cases_writes_the_served_model_and_says_it_is_unmeasured(
        personas, directory, tmp_path, settings, client):
    """A new city's first handled cases (walk of 2026-12-06): `minsheng train-classifier --from-db`, as
    机器阅读 says to run it, was refused for want of --out — the folder the site reads is the one to
    write — and a model of three messages, one per topic, was written with no word that nothing
    measured it."""
    from io import StringIO

    from minsheng.board import actions
    from minsheng.insight import tasks

    settings.MINSHENG_MODEL_DIR = tmp_path / "models"
    d = directory
    client.force_login(personas["dispatcher"])
    page = client.get("/staff/reading/").content.decode()
    hint = page[page.index("minsheng train-classifier"):].split("</code>")[0]
    assert hint == "minsheng train-classifier --from-db --target topic"
    for title, topic, lead in (("小区电梯停运三天", d["topic_build"], d["housing"]),
                               ("工地夜间施工噪音", d["topic_env"], d["ecology"]),
                               ("公交班次太少", d["topic_traffic"], d["transport"])):
        m = actions.do_submit(personas["citizen"], title=title, body=title + ", 请尽快处理", kind="complain",
                              region=d["lanzhou"])
        actions.do_dispatch(personas["dispatcher"], m, lead, topic=topic)
    out, err = StringIO(), StringIO()
    command, *args = hint.split()[1:]
    call_command(command.replace("-", "_"), *args, stdout=out, stderr=err)
    assert f"模型 → {tmp_path / 'models' / 'topic'}" in out.getvalue()
    notes = err.getvalue()
    assert "3 个标签只有 1 行" in notes
    assert "只有 3 行 (不足 60 行), 未做留出验证" in notes
    tasks.forget_models()
    try:
        assert tasks.get_model("topic") is not None
        # and 机器阅读 says the served model was never measured, where its F1 column read 「—」 alone
        page = client.get("/staff/reading/").content.decode()
        row = page[page.index('<td data-label="模型">领域</td>'):].split("</tr>")[0]
        assert "未做留出验证 (训练行数不足 60)" in row
    finally:
        tasks.forget_models()


def test_train_classifier_says_when_each_fit_starts_and_ends(files, tmp_path):
    """The hold-out fit and the final fit (45 s for the type model on a busy machine) printed nothing while they ran:
    a line says each has started, and one that it is done, with the rest of the command's progress (stdout)."""
    out = StringIO()
    call_command("train_classifier", "--data", str(files["train"]), "--label-column", "一级标签",
                 "--out", str(tmp_path / "m"), stdout=out, stderr=StringIO())
    lines = out.getvalue().splitlines()

    def at(pattern):
        found = [i for i, line in enumerate(lines) if re.fullmatch(pattern, line.strip())]
        assert len(found) == 1, (pattern, lines)
        return found[0]

    held = (at(r"留出验证: 拟合 3 个标签的模型 \(\d+ 个 C 值\) \.\.\."), at(r"留出验证: 拟合完成, 用时 [\d.]+ 秒"))
    final = (at(r"用全部数据训练: 拟合 3 个标签的模型 \(1 个 C 值\) \.\.\."),
             at(r"用全部数据训练: 拟合完成, 用时 [\d.]+ 秒"))
    figures = min(i for i, line in enumerate(lines) if line.startswith("留出验证 (C="))
    assert held[0] < held[1] < figures < final[0] < final[1]
