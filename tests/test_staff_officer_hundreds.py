"""An officer's day with 200 cases (QA walk of 2026-12-05): what stood in their way in the
inbox, the dispatcher's queue and the unit head's page."""

from __future__ import annotations

import pytest
from django.urls import reverse

from minsheng.board import actions

from .test_staff_qa import dispatch, row_titles, submit, text

pytestmark = pytest.mark.django_db


def test_the_officer_finds_a_case_in_the_inbox_by_the_citizens_phone_number(personas, directory, login):
    """A citizen on the phone often has no 编号 at hand, only their number, which the case page shows the
    officer: 在待办中查找 said 「没有与 139… 相符的留言」."""
    lift = dispatch(personas, directory, "敦煌路小区加装电梯进展缓慢")  # the citizen's: 13800000001
    other = actions.do_submit(personas["other_citizen"], title="西固区路灯不亮", body="路灯坏了一个月没人修, 请尽快处理。",
                              kind="help", region=directory["qilihe"], topic=directory["topic_build"])
    actions.do_dispatch(personas["dispatcher"], other, directory["housing"])
    client = login(personas["officer"])
    inbox = reverse("board:inbox")
    for typed in ("13800000001", "138 0000 0001", "+86 138-0000-0001"):
        page = text(client.get(inbox, {"q": typed}))
        assert row_titles(page) == [lift.title], typed
        assert "待办(主办) (1)" in page
    # the dispatcher's queue too: the region's dispatchers see the contact data as well
    waiting = submit(personas, directory, "七里河区小区停车难")
    queue = text(login(personas["dispatcher"]).get(reverse("board:triage"), {"q": "13800000001"}))
    assert waiting.title in queue and other.title not in queue
    # another unit's officer finds nothing by the number: the list holds their unit's cases alone
    assert row_titles(text(login(personas["other_officer"]).get(inbox, {"q": "13800000001"}))) == []


def _selected_to_unit(html: str) -> str | None:
    import re

    select = re.search(r'<select name="to_unit".*?</select>', html, re.S).group(0)
    chosen = re.search(r'<option value="(\d+)" selected>', select)
    return chosen.group(1) if chosen else None


def test_the_transfer_form_says_which_unit_the_responsibility_list_names(personas, directory, login):
    """A case dispatched to the wrong unit: its officer picked the unit to transfer to out of a hundred by
    guess, the 权责清单 that names it was shown to the dispatcher alone."""
    m = actions.do_submit(personas["citizen"], title="搅拌站夜间噪声扰民", body="搅拌站每天夜里施工, 噪声很大, 请尽快处理。",
                          kind="complain", region=directory["qilihe"], topic=directory["topic_env"])
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"])
    page = text(login(personas["officer"]).get(reverse("board:case", args=[m.public_id])))
    assert "权责清单: 兰州市 · 环境保护 → 兰州市生态环境局" in page
    assert _selected_to_unit(page) == str(directory["ecology"].pk)
    # a case the list gives the officer's own unit: said so, nothing preselected to transfer it to
    own = dispatch(personas, directory, "敦煌路小区加装电梯进展缓慢", region="qilihe")
    page = text(login(personas["officer"]).get(reverse("board:case", args=[own.public_id])))
    assert "权责清单: 兰州市 · 城乡建设 → 兰州市住房和城乡建设局 (本单位)" in page
    assert _selected_to_unit(page) is None


def test_the_transfer_form_preselects_no_unit_that_gave_the_case_away(personas, directory, login):
    """Review of 2026-12-05: the unit the 权责清单 names transferred the case on (not ours, it said) or returned it; the
    unit it came to next found 转办至 preselecting that unit again, one click from sending it straight back. The list's
    words stay; the dispatch form never preselects a unit that returned the case either."""
    m = actions.do_submit(personas["citizen"], title="搅拌站夜间噪声扰民", body="搅拌站每天夜里施工, 噪声很大, 请尽快处理。",
                          kind="complain", region=directory["qilihe"], topic=directory["topic_env"])
    actions.do_dispatch(personas["dispatcher"], m, directory["ecology"])
    actions.do_transfer(personas["other_officer"], m, directory["ecology"], directory["housing"], "搅拌站归住建部门管理")
    page = text(login(personas["officer"]).get(reverse("board:case", args=[m.public_id])))
    assert "权责清单: 兰州市 · 环境保护 → 兰州市生态环境局" in page
    assert _selected_to_unit(page) is None


def _answered(personas, directory, answers: dict) -> None:
    """Cases of 七里河区 answered by 住建局, title -> (body, reply), each reply scored as the reply form scores it."""
    from minsheng.board.views.staff_hints import quality_for

    for title, (body, reply) in answers.items():
        old = actions.do_submit(personas["citizen"], title=title, body=body, kind="help", region=directory["qilihe"],
                                topic=directory["topic_build"])
        actions.do_dispatch(personas["dispatcher"], old, directory["housing"])
        actions.do_sign(personas["officer"], old, directory["housing"])
        old.refresh_from_db()
        actions.do_reply(personas["officer"], old, directory["housing"], reply, quality=quality_for(old, reply))


def test_the_similar_answers_beside_the_reply_form_leave_out_form_letters(personas, directory, login):
    """「相似的已答复留言」 are there to learn from: the nearest one listed was 「已收悉, 已转相关部门处理,
    请耐心等待」, the 套话 the quality hints below it tell the officer not to write."""
    from minsheng.insight import lookup

    body = "我们小区是上世纪九十年代的老楼, 老人上下楼非常困难, 希望尽快加装电梯。"
    answers = {"七里河区小区加装电梯进展": "您反映的问题已收悉, 已转相关部门处理, 请耐心等待。",
               "七里河区老楼加装电梯申请": "经现场核查, 该小区加装电梯工作已列入今年计划, 预计十月底前开工建设, 请您关注。"}
    _answered(personas, directory, {title: (body, reply) for title, reply in answers.items()})
    m = dispatch(personas, directory, "七里河区小区什么时候加装电梯")
    actions.do_sign(personas["officer"], m, directory["housing"])
    lookup.clear_cache()
    page = text(login(personas["officer"]).get(reverse("board:case", args=[m.public_id])))
    similar = page[page.index("相似的已答复留言"):]
    assert "七里河区老楼加装电梯申请" in similar and "列入今年计划" in similar
    assert "七里河区小区加装电梯进展" not in similar and "请耐心等待" not in similar


def test_the_similar_answers_are_not_crowded_out_by_form_letters(personas, directory, login):
    """Review of 2026-12-05: the list read the six nearest answered messages and left out the form letters among them,
    so a unit answering its cases with 「已收悉, 请耐心等待」 crowded out the real answers a little further: none listed."""
    from minsheng.insight import lookup

    body = "我们小区是上世纪九十年代的老楼, 老人上下楼非常困难, 希望尽快加装电梯。"
    form_letter = "您反映的问题已收悉, 已转相关部门处理, 请耐心等待。"
    answers = {**{f"七里河区小区加装电梯进展{n}": (body, form_letter) for n in range(6)},
               "七里河区老楼加装电梯申请": (body[:20] + "楼道很窄, 担心装不下。",
                                    "经现场核查, 该小区加装电梯工作已列入今年计划, 预计十月底前开工建设, 请您关注。")}
    _answered(personas, directory, answers)
    m = actions.do_submit(personas["citizen"], title="七里河区小区加装电梯进展", body=body, kind="help",
                          region=directory["qilihe"], topic=directory["topic_build"])
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"])
    actions.do_sign(personas["officer"], m, directory["housing"])
    lookup.clear_cache()
    page = text(login(personas["officer"]).get(reverse("board:case", args=[m.public_id])))
    assert "相似的已答复留言" in page
    similar = page[page.index("相似的已答复留言"):]
    assert "七里河区老楼加装电梯申请" in similar and "列入今年计划" in similar
    assert "请耐心等待" not in similar


def test_the_inbox_lists_the_cases_a_supervisor_pressed_on_their_own_tab(personas, directory, login):
    """A supervisor's 督办 on one case of two hundred: the row said 督办 somewhere on one of ten pages, and
    nothing listed or counted them."""
    cases = [dispatch(personas, directory, f"七里河区小区停车难问题{n:02d}") for n in range(3)]
    actions.do_supervise(personas["supervisor"], cases[1], "请尽快答复群众")
    client = login(personas["officer"])
    inbox = reverse("board:inbox")
    page = text(client.get(inbox))
    assert "督办 (1)" in page and "督办 <b>1</b> 件" in page
    assert row_titles(text(client.get(inbox, {"tab": "supervised"}))) == [cases[1].title]
    # the search keeps the tab's count true
    assert "督办 (0)" in text(client.get(inbox, {"q": cases[0].public_id}))


def test_the_heads_page_counts_the_cases_still_to_sign_and_those_under_supervision(personas, directory, login):
    """本单位办理情况 of a unit with cases nobody had signed, one of them pressed on by a supervisor: the
    head read 主办, 协办, 已超期 and 即将到期, and neither figure."""
    import re

    from .conftest import make_user

    head = make_user("head", role="head", unit=directory["housing"], display_name="住建局王局长")
    unsigned = [dispatch(personas, directory, f"七里河区小区停车难问题{n:02d}") for n in range(3)]
    actions.do_sign(personas["officer"], unsigned[0], directory["housing"])
    actions.do_supervise(personas["supervisor"], unsigned[1], "请尽快答复群众")
    page = text(login(head).get(reverse("board:unit_work")))
    row = re.search(r'<tr[^>]*>\s*<td data-label="承办人"><b>未指派.*?</tr>', page, re.S).group(0)
    cells = dict(re.findall(r'data-label="([^"]+)">(?:<a [^>]*>|<span[^>]*>)?(\d+)', row))
    assert cells["主办"] == "3" and cells["待签收"] == "2" and cells["督办"] == "1"
    assert f'href="{reverse("board:inbox")}?tab=new&amp;unit={directory["housing"].pk}&amp;handler=none"' in row
