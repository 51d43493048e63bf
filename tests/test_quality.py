"""Answer quality: the scorer, score-replies, and the reply-form wrapper."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from minsheng.board import actions
from minsheng.insight import lookup
from minsheng.insight.quality import is_boilerplate, questions, score_reply

DATASET = Path(__file__).resolve().parents[1].parent / "shared" / "datasets" / "unlabeled"

TITLE = "幸福家园小区电梯经常故障"
BODY = "幸福家园小区3号楼电梯这个月坏了三次, 老人上下楼困难。请问什么时候能修好? 能否更换新电梯?"
GOOD = ("网友您好! 您反映的幸福家园小区3号楼电梯故障问题已收悉。经查, 该电梯主板老化, 已责令物业公司于5月10日前"
        "更换主板并全面检修; 电梯使用已满15年, 符合《既有住宅电梯更新改造办法》规定的更换条件, 街道已协调维修资金, "
        "预计6月底前更换新电梯。如有疑问请致电城关区住建局 0931-8451234。感谢您对我们工作的支持!")
BOILER = "网友您好! 您的留言已收悉, 已转相关部门处理。感谢您对我们工作的关心、监督与支持!"
OFF_TOPIC = "网友您好! 关于公交线路调整的问题, 根据规划, 将于下月开通新线路, 咨询电话 0931-1234567。"
T0 = dt.datetime(2024, 5, 1, 9)


def test_good_reply_scores_high_without_reasons():
    result = score_reply(TITLE, BODY, GOOD, T0, T0 + dt.timedelta(days=5))
    assert result["score"] >= 80
    assert not result["boilerplate"]
    assert result["facts"] and result["measures"] and result["contact"]
    assert result["questions"] >= 2 and result["questions_addressed"] == result["questions"]
    assert result["timeliness"] == 1.0


def test_boilerplate_is_flagged_capped_and_explained():
    result = score_reply(TITLE, BODY, BOILER)
    assert result["boilerplate"] and is_boilerplate(BOILER)
    assert result["score"] <= 20
    assert "套话" in result["reasons"][0]
    assert is_boilerplate("已收悉") and not is_boilerplate(GOOD)


def test_off_topic_reply_loses_relevance_and_completeness():
    good = score_reply(TITLE, BODY, GOOD)
    off = score_reply(TITLE, BODY, OFF_TOPIC)
    assert off["relevance"] < good["relevance"]
    assert off["completeness"] < good["completeness"]
    assert any("关联不大" in r for r in off["reasons"])
    assert off["score"] < good["score"]


def test_a_plea_asks_for_the_whole_message_and_a_demand_is_read_without_its_stop_words():
    """A reply that takes up the one thing asked scored 完整性 0 with 「2 个问题中有 2 个未回应,
    如「领导您好, 恳请帮帮我们。」」: the plea had to echo 帮帮, and 请相关部门核查物业收费 needed
    bigrams across 部门 (门核) the reply could never echo."""
    body = ("领导您好, 恳请帮帮我们。物业公司没有召开业主大会就把物业费从每平米一元涨到一元五。"
            "请相关部门核查物业收费是否合规。")
    reply = ("经查, 丽景新村物业公司未经业主大会擅自上调物业费, 违反《甘肃省物业管理条例》规定。我局已责令其"
             "于12月20日前恢复原收费标准并退还多收费用。如有疑问请致电 0931-8888888。")
    result = score_reply("丽景新村物业收费问题", body, reply)
    assert result["questions"] == 2 and result["completeness"] == 1.0
    assert not any("未回应" in r for r in result["reasons"])
    off = score_reply("丽景新村物业收费问题", body, OFF_TOPIC)  # the plea still wants an answer
    assert off["completeness"] == 0 and any("如「领导您好, 恳请帮帮我们。」" in r for r in off["reasons"])


def test_missing_parts_are_named():
    no_contact = GOOD.replace("如有疑问请致电城关区住建局 0931-8451234。", "")
    result = score_reply(TITLE, BODY, no_contact)
    assert not result["contact"]
    assert any("联系电话" in r for r in result["reasons"])


def test_late_reply_loses_timeliness():
    on_time = score_reply(TITLE, BODY, GOOD, T0, T0 + dt.timedelta(days=3))
    late = score_reply(TITLE, BODY, GOOD, T0, T0 + dt.timedelta(days=50))
    assert late["timeliness"] < on_time["timeliness"]
    assert late["score"] < on_time["score"]
    assert any("超过 15 天" in r for r in late["reasons"])
    assert score_reply(TITLE, BODY, GOOD)["timeliness"] is None
    # a reply dated before its message is a data error: timeliness unknown and said so, not perfect
    before = score_reply(TITLE, BODY, GOOD, T0, T0 - dt.timedelta(days=2))
    assert before["timeliness"] is None and any("早于留言时间" in r for r in before["reasons"])


def test_questions_are_found():
    found = questions(BODY)
    assert any("什么时候" in q for q in found) and any("能否" in q for q in found)
    assert questions("") == []


@pytest.mark.parametrize("closing", ["以上建议, 望领导参考。", "希望能够采纳, 谢谢!", "以上意见，恳请领导予以考虑。"])
def test_a_polite_closing_is_not_a_question_to_answer(closing):
    asked = questions(f"建议在建设路口增加红绿灯。{closing}")
    assert asked == ["建议在建设路口增加红绿灯。"]


@pytest.mark.parametrize("opening", ["领导好, 提一点建议。", "领导您好! 我想反映一个问题。", "尊敬的市长您好, 提几点小建议。"])
def test_an_opening_announces_a_question_but_is_none_itself(opening):
    assert questions(opening + "小区门口应该增设红绿灯, 希望尽快安排。") == ["小区门口应该增设红绿灯, 希望尽快安排。"]


@pytest.mark.parametrize("opening", ["我有一个建议。", "您好, 想咨询一个问题。"])
def test_an_opening_that_has_or_consults_announces_too(opening):
    """「我有一个建议。」 and 「您好, 想咨询一个问题。」 were questions a reply had left unanswered."""
    assert questions(opening + "小区门口应该增设红绿灯, 希望尽快安排。") == ["小区门口应该增设红绿灯, 希望尽快安排。"]


@pytest.mark.parametrize("plea", ["恳请相关部门认真处理, 谢谢!", "希望领导重视, 尽快解决!"])
def test_a_plea_to_handle_it_asks_for_the_message_as_a_whole(plea):
    """A reply that answered everything was told 「留言提出的 2 个问题中有 1 个未回应, 如「恳请相关部门认真
    处理, 谢谢!」」 (it had not echoed 认真处理), while a form letter's 「已转相关部门处理」 counted as
    answering it. How a plea asks (认真, 重视, 尽快, 处理, 解决) names nothing to take up: the plea
    is answered by a relevant reply, as 「恳请帮帮我们」 is."""
    body = f"丽景新村的加装电梯申请交到街道后没有下文。希望社区出面做好低层住户的工作。{plea}"
    reply = ("经核查, 丽景新村加装电梯申请已于10月通过审核, 街道已组织协调会做低层住户的工作, 预计12月底前开工。"
             "如有疑问请致电 0931-8888888。")
    good = score_reply("丽景新村加装电梯申请没有进展", body, reply)
    assert good["questions"] == 2 and good["completeness"] == 1.0
    assert not any("未回应" in r for r in good["reasons"])
    form_letter = score_reply("丽景新村加装电梯申请没有进展", body, BOILER)
    assert form_letter["boilerplate"] and form_letter["score"] <= 20
    assert any("未回应, 如「希望社区出面做好低层住户的工作。」" in r for r in form_letter["reasons"])


def test_asking_to_be_told_is_a_question():
    assert questions("我家孩子明年上小学。请告知公租房的申请条件和办理地点。") == ["请告知公租房的申请条件和办理地点。"]
    assert questions("想了解一下异地就医如何备案。") == ["想了解一下异地就医如何备案。"]


@pytest.mark.parametrize("letter", [
    "您好, 您反映的问题已收到, 我们高度重视, 已安排专人处理, 感谢您的监督。",
    "您反映的问题我们已经知晓，正在积极协调解决中，感谢您的理解与支持。",
    "您好! 您反映的问题已转交相关部门, 现正在积极处理, 请耐心等待。",
])
def test_a_form_letter_in_other_words_is_boilerplate(letter):
    """These said nothing beyond 收到, 重视, 专人, 请耐心等待 and scored 31.6 and 11.1 without the 套话
    flag, above the cap of a form letter that says 已收悉."""
    result = score_reply(TITLE, BODY, letter)
    assert result["boilerplate"] and result["score"] <= 20 and "套话" in result["reasons"][0]


def test_taking_it_seriously_beside_a_finding_is_not_boilerplate():
    reply = "经核查, 3号楼电梯主板老化, 我局高度重视, 已安排专人跟进, 物业公司将于5月10日前更换主板。"
    assert not is_boilerplate(reply)


def test_a_short_reply_with_a_concrete_step_is_brief_not_boilerplate():
    """「已责成物业维修, 现已恢复运行」 was flagged 套话 and capped at 20: it says what was done."""
    assert not is_boilerplate("网友您好! 已责成物业维修, 现已恢复运行。")
    assert not is_boilerplate("经查, 该路段路灯已修复。")
    # 调查处理, 已办结, 督促整改 say nothing of what was done: still 套话
    for form_letter in ("您好, 您反映的问题已转市自然资源和规划局调查处理。", "此件已办结。感谢您的来信。", "已完成。",
                        "您反映的问题已收悉, 已督促相关部门办理。", "您的建议已收悉, 我们将督促整改。"):
        assert is_boilerplate(form_letter), form_letter
    assert is_boilerplate("网友您好, 您的留言已收悉, 已转相关部门处理, 感谢您的支持!")


def test_empty_and_odd_input_do_not_crash():
    for reply in ("", "   ", "ok", "x" * 20000):
        result = score_reply("", "", reply)
        assert 0 <= result["score"] <= 100


# --- score-replies ---------------------------------------------------------------

HEADER = ["留言编号", "留言主题", "留言时间", "留言详情", "答复意见", "答复时间"]


def write(path: Path, rows, header=HEADER) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


def test_score_replies_cli(tmp_path):
    data = write(tmp_path / "r.csv", [
        ["1", TITLE, "2024/5/1 9:00:00", BODY, GOOD, "2024/5/6 10:00:00"],
        ["2", TITLE, "2024/5/1 9:00:00", BODY, BOILER, "2024-06-30 10:00"],
    ])
    out = tmp_path / "scores.csv"
    call_command("score_replies", data=str(data), out=str(out))
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["留言编号"] for r in rows] == ["1", "2"]
    assert float(rows[0]["总分"]) > float(rows[1]["总分"])
    assert rows[1]["套话"] == "是" and "套话" in rows[1]["原因"]
    assert rows[0]["套话"] == "否"


@pytest.mark.parametrize("content, message", [
    ("留言编号,留言主题\n1,电梯\n", "答复意见"),
    ("留言编号,答复意见\n1,已收悉\n", "留言主题或留言详情"),
    (",".join(HEADER) + "\n1,电梯,昨天,电梯坏了,已收悉已转相关部门处理,2024/1/1\n", "留言时间"),
    (",".join(HEADER) + "\n", "没有数据行"),
])
def test_score_replies_bad_input(tmp_path, content, message):
    data = tmp_path / "bad.csv"
    data.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("score_replies", data=str(data), out=str(tmp_path / "s.csv"))


@pytest.mark.dataset
def test_scores_agree_with_the_annotation(tmp_path):
    path = DATASET / "tipdm_replies.csv"
    if not path.exists():
        pytest.skip("../shared/datasets is absent")
    out = tmp_path / "s.csv"
    call_command("score_replies", data=str(path), out=str(out))
    with path.open(encoding="utf-8-sig") as fh:
        labels = [r["可解释性_Syucryingstar"] for r in csv.DictReader(fh)]
    with out.open(encoding="utf-8-sig") as fh:
        scores = [float(r["总分"]) for r in csv.DictReader(fh)]
    good = [s for s, y in zip(scores, labels, strict=True) if y == "1"]
    bad = [s for s, y in zip(scores, labels, strict=True) if y == "0"]
    # AUC: how often an annotated-good reply outscores an annotated-poor one
    wins = sum((g > b) + 0.5 * (g == b) for g in good[::5] for b in bad)
    assert wins / (len(good[::5]) * len(bad)) > 0.85


# --- reply form wrapper ------------------------------------------------------------

def test_score_for_reply_on_a_stored_message(directory, personas):
    message = actions.do_submit(personas["citizen"], title=TITLE, body=BODY, kind="consult",
                                region=directory["chengguan"])
    good = lookup.score_for_reply(message, GOOD)
    bad = lookup.score_for_reply(message, BOILER)
    assert good["score"] > bad["score"] and bad["boilerplate"]
    assert good["timeliness"] == 1.0


def test_a_long_question_is_quoted_cut_with_an_ellipsis():
    """The officer read 「…如「小区东门外的路灯坏了两个月, 晚上老人出门很不方便, 」」: a long
    question cut at 30 characters looked like the citizen's whole sentence, ending at a comma."""
    asked = "小区东门外的路灯坏了两个月, 晚上老人出门很不方便, 希望有关部门尽快派人来修理路灯并检查线路?"
    result = score_reply("路灯", asked, "您好, 您反映的问题已收悉, 感谢您的监督。")
    quoted = next(r for r in result["reasons"] if "未回应" in r)
    assert quoted.endswith("…」") and asked[:29] in quoted
