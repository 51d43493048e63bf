"""Staff lists: bounded queries however many cases there are, overdue cases first,
pagination, and the due date and 已超期 badge on every row."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from minsheng.board import actions
from minsheng.board.models import Assignment, Message
from minsheng.insight import places

from .conftest import PASSWORD

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db

# Measured: inbox 7 and triage 8 (session, user, roles, unread count, the counts
# aggregate (the pager takes its count from it), the rows, and for the 疑似重复 badges the candidates' pks and
# versions and the candidates new or moved since the last lookup; +1 when a row is filed under a city or
# province and its text is read for a county), supervision 14 (three paginated sections
# and their prefetches, the district tabs' counts and names); since 2026-12-05 its 即将到期 section adds 2
# (its count and its rows, the unit and region joined): 16. Since 2026-12-04 triage's 建议承办单位 adds 2 (the responsibility rows of the
# rows' regions and topics, the units that returned each; +1 with a unit model that names units,
# +1 when a row's lead comes from it): 10. The bounds leave a little room for the base template; what
# matters is that the count does not grow with the number of rows.
MAX_QUERIES = 10
MAX_TRIAGE_QUERIES = 12
MAX_SUPERVISION_QUERIES = 17


def submit(personas, directory, n, title="七里河区小区加装电梯", region="qilihe"):
    return actions.do_submit(personas["citizen"], title=f"{title}{n:03d}",
                             body="老旧小区没有电梯, 老人上下楼困难, 希望尽快解决。" * 2, kind="help",
                             region=directory[region], topic=directory["topic_build"])


def make_cases(personas, directory, count, *, overdue_every=3):
    """``count`` cases dispatched to 住建局 (every ``overdue_every``-th long overdue),
    half of them signed, a third supervised, one pending extension per five (signed as well)."""
    made = []
    for n in range(count):
        m = submit(personas, directory, n)
        late = n % overdue_every == 0
        at = dt.datetime(2025, 3, 3, 9, 0, tzinfo=SH) if late else None
        actions.do_dispatch(personas["dispatcher"], m, directory["housing"], assists=[directory["ecology"]], at=at)
        m = Message.objects.get(pk=m.pk)
        if n % 2:
            actions.do_sign(personas["officer"], m, directory["housing"])
            m = Message.objects.get(pk=m.pk)
        if n % 3 == 1:
            actions.do_supervise(personas["supervisor"], m, "请加快办理")
            m = Message.objects.get(pk=m.pk)
        if n % 5 == 0:  # signed first (actions.SIGN_BEFORE_EXTENSION)
            if not n % 2:
                actions.do_sign(personas["officer"], m, directory["housing"])
                m = Message.objects.get(pk=m.pk)
            actions.do_request_extension(personas["officer"], m, directory["housing"], 3, "需要现场勘查")
        made.append(m)
    return made


def count_queries(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize("url_name, persona, query, bound", [
    ("board:inbox", "officer", "", MAX_QUERIES),
    ("board:inbox", "officer", "?tab=new", MAX_QUERIES),
    ("board:inbox", "other_officer", "?tab=assist", MAX_QUERIES),
    ("board:supervision", "supervisor", "", MAX_SUPERVISION_QUERIES),
])
def test_list_queries_do_not_grow_with_rows(personas, directory, login, django_assert_max_num_queries,
                                            url_name, persona, query, bound):
    client = login(personas[persona])
    url = reverse(url_name) + query
    make_cases(personas, directory, 4)
    client.get(url)  # the steady state: the latest open deadline (the holidays warning) is cached for minutes
    few, _ = count_queries(client, url)
    make_cases(personas, directory, 26)
    with django_assert_max_num_queries(bound):
        response = client.get(url)
    many, _ = count_queries(client, url)
    assert response.status_code == 200
    assert many == few


def test_triage_queries_do_not_grow_with_rows(personas, directory, login, django_assert_max_num_queries):
    client = login(personas["dispatcher"])
    for n in range(3):
        m = submit(personas, directory, n)
        if n == 0:  # a candidate to merge with, read on both counts (none is read when there is none)
            actions.do_dispatch(personas["dispatcher"], m, directory["housing"])
            actions.do_return(personas["officer"], Message.objects.get(pk=m.pk), directory["housing"], "不属于本单位")
    # the process's first reading of area names loads the gazetteer once (2 queries): run alone, few was 10
    places.area_names(directory["qilihe"].code)
    few, _ = count_queries(client, reverse("board:triage"))
    for n in range(3, 30):
        m = submit(personas, directory, n)
        if n % 4 == 0:
            actions.do_dispatch(personas["dispatcher"], m, directory["housing"])
            actions.do_return(personas["officer"], Message.objects.get(pk=m.pk), directory["housing"], "不属于本单位")
        elif n % 5 == 0:  # 修改后重新提交: the row names the message not accepted, read with the rows
            sent_again(personas, directory, m, n)
    with django_assert_max_num_queries(MAX_TRIAGE_QUERIES):
        many, page = count_queries(client, reverse("board:triage"))
    assert many == few
    assert "单位退回" in page and "重新提交" in page
    assert "疑似重复" in page  # the returned (accepted) cases are main cases the others may join


def sent_again(personas, directory, old: Message, n: int, reason="请写明是哪个小区哪栋楼", region="qilihe") -> Message:
    """``old`` not accepted for ``reason``, and its author's corrected copy (修改后重新提交)."""
    actions.do_reject(personas["dx_dispatcher" if region == "dingxi" else "dispatcher"], old, reason)
    return actions.do_resubmit(personas["citizen"], old.public_id, title=f"七里河区幸福家园小区加装电梯{n:03d}",
                               body="七里河区幸福家园小区5号楼没有电梯, 老人上下楼困难, 希望尽快加装。", kind="help",
                               region=directory["qilihe"], topic=directory["topic_build"])


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))


def test_a_resubmission_names_the_message_not_accepted_and_why_to_the_dispatcher(personas, directory, login):
    """修改后重新提交: the dispatcher accepting or rejecting the copy saw a new message like any other, and could
    not check whether the reason the first was not accepted had been addressed (walk, 2026-12-06). The case page
    names the first, links to it and gives the reason; the queue row marks the copy."""
    old = submit(personas, directory, 1)
    new = sent_again(personas, directory, old, 2)
    plain = submit(personas, directory, 3, title="七里河区路灯不亮")
    client = login(personas["dispatcher"])
    case = client.get(reverse("board:case", args=[new.public_id])).content.decode()
    assert f"重新提交: 原留言 编号 {old.public_id} 未受理, 原因: 请写明是哪个小区哪栋楼" in text_of(case)
    assert f'href="{reverse("board:case", args=[old.public_id])}"' in case
    assert "重新提交" not in text_of(client.get(reverse("board:case", args=[plain.public_id])).content.decode())
    queue = client.get(reverse("board:triage")).content.decode()
    assert "重新提交" in queue_row(queue, new.title) and "重新提交" not in queue_row(queue, plain.title)


def test_a_resubmission_from_a_region_the_dispatcher_does_not_cover_names_it_without_a_link(
        personas, directory, login):
    """The first message sent to 定西 and not accepted there, its copy to 兰州: 兰州's dispatcher reads the
    reason, and no link to a case page that is a 404 to them."""
    old = submit(personas, directory, 1, region="dingxi")
    new = sent_again(personas, directory, old, 2, reason="不属于定西市", region="dingxi")
    case = login(personas["dispatcher"]).get(reverse("board:case", args=[new.public_id])).content.decode()
    assert f"重新提交: 原留言 编号 {old.public_id} 未受理, 原因: 不属于定西市" in text_of(case)
    assert reverse("board:case", args=[old.public_id]) not in case


def test_the_queue_is_counted_once(personas, directory, login):
    """The tab counts and the pager's 共 N 件 were two scans of the queue: the pager counted the
    tab again (a province's queue on SQLite at 60,000 messages: 3-7 ms). It takes the tab's count."""
    for n in range(23):
        submit(personas, directory, n)
    client = login(personas["dispatcher"])
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(reverse("board:triage"), {"page": 2}).content.decode()
    assert "第 2 / 2 页, 共 23 件" in page and "全部 (23)" in page
    assert len(row_titles(page)) == 3
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"] and '"board_message"' in q["sql"]]
    assert len(counts) == 1


def queue_row(html: str, title: str) -> str:
    return next(row for row in re.findall(r"<tr[ >].*?</tr>", html, re.S) if title in row)


def test_triage_flags_a_likely_duplicate_as_its_case_page_offers_it(personas, directory, login):
    """The near-duplicate to merge showed only on the case page: a dispatcher working down the
    queue dispatched the duplicate as a second case before opening it."""
    from minsheng.insight import lookup

    lookup.clear_cache()
    body = "七里河区敦煌路幸福家园小区3号楼电梯坏了三个月, 物业一直不修, 老人出不了门。"
    main, dup = (actions.do_submit(personas["citizen"], title=title, body=body, kind="complain",
                                   region=directory["qilihe"])
                 for title in ("幸福家园小区3号楼电梯坏了三个月", "幸福家园小区3号楼电梯三个月没人修"))
    other = actions.do_submit(personas["other_citizen"], title="定西路口红绿灯时间太短", kind="complain",
                              body="定西路口红绿灯绿灯只有十秒, 老人过不去马路。", region=directory["qilihe"])
    actions.do_accept(personas["dispatcher"], main)
    client = login(personas["dispatcher"])
    page = client.get(reverse("board:triage")).content.decode()
    assert "疑似重复 1" in queue_row(page, dup.title)
    assert "疑似重复" not in queue_row(page, other.title)
    assert "疑似重复" not in queue_row(page, main.title)  # its duplicate is not accepted: no main case
    case = client.get(reverse("board:case", args=[dup.public_id])).content.decode()
    assert case.count('name="pick"') == 1 and f'value="{main.public_id}"' in case
    lookup.clear_cache()



def test_the_duplicate_badge_follows_new_cases_merges_and_cases_that_leave(personas, directory, login):
    """The queue keeps what each row found among its candidates, and reads a new page's rows in one
    pass: a dispatcher who just accepted a second report of the problem, saw it withdrawn, or merged
    one into the main case must see the badge say so on the next load, as the case page does."""
    from minsheng.insight import lookup

    lookup.clear_cache()
    p, d = personas, directory
    body = "七里河区敦煌路幸福家园小区3号楼电梯坏了三个月, 物业一直不修, 老人出不了门。"

    def report(citizen, title):
        return actions.do_submit(p[citizen], title=title, body=body, kind="complain", region=d["qilihe"])

    main, dup = report("citizen", "幸福家园小区3号楼电梯坏了三个月"), report("other_citizen", "幸福家园小区3号楼电梯三个月没人修")
    actions.do_accept(p["dispatcher"], main)
    client = login(p["dispatcher"])

    def badge_and_offers() -> tuple[str, int]:
        row = queue_row(client.get(reverse("board:triage")).content.decode(), dup.title)
        badge = re.search(r"疑似重复 \d+", row)
        case = client.get(reverse("board:case", args=[dup.public_id])).content.decode()
        return badge.group(0) if badge else "", case.count('name="pick"')

    assert badge_and_offers() == ("疑似重复 1", 1)
    second = report("citizen", "幸福家园3号楼电梯又坏了没人修")  # a new near-duplicate, accepted
    actions.do_accept(p["dispatcher"], second)
    assert badge_and_offers() == ("疑似重复 2", 2)
    actions.do_withdraw(p["citizen"], Message.objects.get(pk=second.pk))  # it leaves the queue
    page = client.get(reverse("board:triage")).content.decode()
    assert second.title not in page and "疑似重复 1" in queue_row(page, dup.title)
    assert badge_and_offers() == ("疑似重复 1", 1)
    third = report("citizen", "幸福家园小区3号楼电梯停了三个月")
    actions.do_accept(p["dispatcher"], third)
    assert badge_and_offers() == ("疑似重复 2", 2)
    actions.do_merge(p["dispatcher"], Message.objects.get(pk=third.pk), Message.objects.get(pk=main.pk))
    assert badge_and_offers() == ("疑似重复 1", 1)
    lookup.clear_cache()

def row_titles(html: str) -> list[str]:
    return re.findall(r'<a href="/staff/case/\d+/(?:\?[^"]*)?">([^<]+)</a>', html)


def test_inbox_lists_overdue_first_with_badges_and_paginates(personas, directory, login):
    cases = make_cases(personas, directory, 25, overdue_every=4)
    overdue = {m.title for m in cases if m.is_overdue}
    assert overdue and len(overdue) < len(cases)
    client = login(personas["officer"])
    html = client.get(reverse("board:inbox")).content.decode()
    titles = row_titles(html)
    assert len(titles) == 20  # first page
    assert set(titles[:len(overdue)]) == overdue
    # then by each case's next deadline (签收 while unsigned, else 答复; until 2026-12-04 the unsigned
    # cases came first whatever their deadlines): here those to sign by tomorrow before those in handling
    next_due = {m.title: m.assignments.get(role="lead").sign_due_at if m.status == "dispatched" else m.due_at
                for m in cases}
    rest = [next_due[t] for t in titles[len(overdue):]]
    assert rest == sorted(rest) and {m.status for m in cases if m.title in titles[len(overdue):]} == {"dispatched", "signed"}
    assert html.count('<span class="overdue">已超期</span>') == len(overdue)
    assert f"已超期 <b class=\"late-count\">{len(overdue)}</b>" in html
    # every row shows its reply due date
    for m in cases:
        if m.title in titles:
            assert m.due_at.astimezone(SH).strftime("%Y-%m-%d") in html
    second = client.get(reverse("board:inbox") + "?page=2").content.decode()
    assert len(row_titles(second)) == 5
    assert not set(row_titles(second)) & set(titles)
    # the 待签收 tab holds only unsigned cases
    unsigned = {m.title for m in cases if m.status == "dispatched"}
    new_tab = client.get(reverse("board:inbox") + "?tab=new").content.decode()
    assert set(row_titles(new_tab)) <= unsigned and row_titles(new_tab)


def test_the_inbox_and_the_queue_past_their_last_page_say_which_page_they_show(personas, directory, login):
    """?page=9 of the inbox's two pages (or the queue's one) showed the last without a word."""
    make_cases(personas, directory, 25)
    html = login(personas["officer"]).get(reverse("board:inbox") + "?page=9").content.decode()
    assert "第 9 页不存在, 已显示第 2 页" in html and len(row_titles(html)) == 5
    assert html.index("第 9 页不存在") < html.index(row_titles(html)[0])  # above the rows, not by the pager
    submit(personas, directory, 99, title="七里河区路灯不亮")
    queue = login(personas["dispatcher"]).get(reverse("board:triage") + "?page=4").content.decode()
    assert "第 4 页不存在, 已显示第 1 页" in queue and "七里河区路灯不亮099" in queue
    assert queue.index("第 4 页不存在") < queue.index("七里河区路灯不亮099")


def test_each_supervision_list_past_its_last_page_says_so_above_its_rows(personas, directory, login):
    """督办's three lists page on their own (ep, op, sp): each says a page it does not have above its
    own rows, where one who typed the address looks, not by its pager under them."""
    make_cases(personas, directory, 10)
    html = login(personas["supervisor"]).get(reverse("board:supervision") + "?ep=7&op=8&sp=9").content.decode()
    for number, section, end in (("7", "extensions", "overdue"), ("8", "overdue", "due-soon"), ("9", "supervised", None)):
        part = html[html.index(f'id="{section}"'):html.index(f'id="{end}"') if end else None]
        note = f"第 {number} 页不存在, 已显示第 1 页"
        assert part.count(note) == 1 and part.index(note) < part.index(row_titles(part)[0]), section


def test_supervision_view_sections(personas, directory, login):
    cases = make_cases(personas, directory, 10)
    html = login(personas["supervisor"]).get(reverse("board:supervision")).content.decode()
    overdue_part = html[html.index('id="overdue"'):html.index('id="due-soon"')]
    assert set(row_titles(overdue_part)) == {m.title for m in cases if m.is_overdue}
    supervised_part = html[html.index('id="supervised"'):]
    assert set(row_titles(supervised_part)) == {m.title for m in cases if m.supervised}
    ext_part = html[html.index('id="extensions"'):html.index('id="overdue"')]
    assert len(row_titles(ext_part)) == len([n for n in range(10) if n % 5 == 0])
    assert "同意延期" in ext_part and "需要现场勘查" in ext_part


def due_at(personas, directory, n, title, due, *, region="qilihe", unit="housing", dispatcher="dispatcher"):
    """A case dispatched to ``unit`` whose reply deadline is ``due``."""
    m = submit(personas, directory, n, title=title, region=region)
    actions.do_dispatch(personas[dispatcher], m, directory[unit])
    Assignment.objects.filter(message=m).update(due_at=due)
    Message.objects.filter(pk=m.pk).update(due_at=due)
    return Message.objects.get(pk=m.pk)


def due_soon_part(html: str) -> str:
    return html[html.index('id="due-soon"'):html.index('id="supervised"')]


def test_supervision_lists_what_falls_due_before_it_is_late(personas, directory, login):
    """A supervisor saw a case only once it was late: 即将到期 lists those of their regions due by
    the end of the second working day (the inbox's tab), soonest first, with the unit and deadline."""
    now = timezone.now()
    tomorrow = due_at(personas, directory, 1, "明天到期的留言", now + dt.timedelta(days=1))
    today = due_at(personas, directory, 2, "今天到期的留言",
                   dt.datetime.combine(timezone.localtime(now, SH).date(), dt.time(23, 59), tzinfo=SH))
    due_at(personas, directory, 3, "三周后到期的留言", now + dt.timedelta(days=21))
    due_at(personas, directory, 4, "定西市明天到期的留言", now + dt.timedelta(days=1), region="dingxi",
           unit="dx_housing", dispatcher="dx_dispatcher")
    replied = due_at(personas, directory, 5, "已答复的明天到期留言", now + dt.timedelta(days=1))
    actions.do_sign(personas["officer"], replied, directory["housing"])
    actions.do_reply(personas["officer"], Message.objects.get(pk=replied.pk), directory["housing"],
                     "已安排街道办现场查看, 本周内答复处理结果。")
    part = due_soon_part(login(personas["supervisor"]).get(reverse("board:supervision")).content.decode())
    assert "即将到期 (2)" in part
    assert row_titles(part) == [today.title, tomorrow.title]
    assert today.public_id in part and directory["housing"].name in part and "今天到期" in part
    assert timezone.localtime(tomorrow.due_at, SH).strftime("%Y-%m-%d") in part


def test_supervision_due_soon_paginates_on_its_own(personas, directory, login):
    now = timezone.now()
    for n in range(21):
        due_at(personas, directory, n, "即将到期的留言", now + dt.timedelta(hours=1, minutes=n))
    client = login(personas["supervisor"])
    part = due_soon_part(client.get(reverse("board:supervision") + "?op=1").content.decode())
    assert "即将到期 (21)" in part and len(row_titles(part)) == 20 and "即将到期的留言000" in part
    assert 'href="?op=1&amp;dp=2"' in part
    part = due_soon_part(client.get(reverse("board:supervision") + "?dp=2").content.decode())
    assert row_titles(part) == ["即将到期的留言020"]


def jointly_led(message, unit, due):
    """A second 主办 unit of ``message`` (联合办理, as the back office adds one), its deadline ``due``."""
    first = Assignment.objects.get(message=message, role=Assignment.Role.LEAD)
    return Assignment.objects.create(message=message, unit=unit, role=Assignment.Role.LEAD, round=first.round,
                                     assigned_at=first.assigned_at, sign_due_at=first.sign_due_at, due_at=due)


def test_supervision_lists_a_jointly_led_case_once_naming_both_units(personas, directory, login):
    """A case led by two units (联合办理) was listed twice under 即将到期, one row per unit: a
    supervisor counted two cases. One row, naming both units, with the earlier deadline."""
    now = timezone.now()
    later, sooner = now + dt.timedelta(hours=3), now + dt.timedelta(hours=1)
    m = due_at(personas, directory, 1, "两个单位主办的留言", later)
    jointly_led(m, directory["ecology"], sooner)
    alone = due_at(personas, directory, 2, "一个单位主办的留言", now + dt.timedelta(hours=2))
    part = due_soon_part(login(personas["supervisor"]).get(reverse("board:supervision")).content.decode())
    assert "即将到期 (2)" in part
    assert row_titles(part) == [m.title, alone.title]  # by the earliest deadline of the case's units
    row = part[part.index(f'id="due-soon-{m.public_id}"'):part.index(f'id="due-soon-{alone.public_id}"')]
    assert "兰州市住房和城乡建设局、兰州市生态环境局" in row or "兰州市生态环境局、兰州市住房和城乡建设局" in row
    assert timezone.localtime(sooner, SH).strftime("%Y-%m-%d") in row


def test_supervision_overdue_and_supervised_name_each_lead_unit(personas, directory, login):
    """超期未答复 ran two lead units' names together (「…建设局兰州市生态环境局」), and 督办过的留言
    named one of them alone."""
    late = dt.datetime(2025, 3, 3, 9, 0, tzinfo=SH)
    m = due_at(personas, directory, 1, "两个单位主办的超期留言", late)
    jointly_led(m, directory["ecology"], late)
    actions.do_supervise(personas["supervisor"], Message.objects.get(pk=m.pk), "请加快办理")
    html = login(personas["supervisor"]).get(reverse("board:supervision")).content.decode()
    both = ("兰州市住房和城乡建设局、兰州市生态环境局", "兰州市生态环境局、兰州市住房和城乡建设局")
    overdue = html[html.index('id="overdue"'):html.index('id="due-soon"')]
    assert row_titles(overdue) == [m.title] and any(b in overdue for b in both)
    supervised = html[html.index('id="supervised"'):]
    assert row_titles(supervised) == [m.title] and any(b in supervised for b in both)


def test_supervision_due_soon_queries_do_not_grow_with_rows(personas, directory, login):
    client = login(personas["supervisor"])
    url = reverse("board:supervision")
    now = timezone.now()
    make_cases(personas, directory, 6)  # rows in every other section too
    due_at(personas, directory, 0, "即将到期的留言", now + dt.timedelta(hours=1))
    client.get(url)
    few, _ = count_queries(client, url)
    for n in range(1, 6):
        due_at(personas, directory, n, "即将到期的留言", now + dt.timedelta(hours=1), unit=("housing", "ecology")[n % 2])
    many, html = count_queries(client, url)
    assert len(row_titles(due_soon_part(html))) == 6
    assert many == few <= MAX_SUPERVISION_QUERIES


def test_lists_are_scoped(personas, directory, login):
    make_cases(personas, directory, 3)
    dx = submit(personas, directory, 99, title="定西市的留言", region="dingxi")
    assert dx.title not in login(personas["dispatcher"]).get(reverse("board:triage")).content.decode()
    assert dx.title in login(personas["dx_dispatcher"]).get(reverse("board:triage")).content.decode()
    # 生态环境局 only assists: nothing on its lead tabs
    html = login(personas["other_officer"]).get(reverse("board:inbox")).content.decode()
    assert row_titles(html) == []


def test_triage_tells_a_prediction_from_a_guess(personas, directory, login, settings):
    """The queue said 「预测: 老旧小区改造」 of a topic the model gave 5 %: a dispatcher going down
    200 rows took a guess for a reading. Below the prefill threshold it is a guess and says so."""
    settings.MINSHENG_PREFILL_CONFIDENCE = 0.6
    guessed, read = (actions.do_submit(personas["citizen"], title=title, body="楼道灯坏了三个月, 晚上老人上下楼摸黑。",
                                       kind="help", region=directory["qilihe"]) for title in ("楼道灯坏了", "小区没有电梯"))
    Message.objects.filter(pk=guessed.pk).update(predicted_topic=directory["topic_build"], topic_confidence=0.05)
    Message.objects.filter(pk=read.pk).update(predicted_topic=directory["topic_build"], topic_confidence=0.93)
    html = login(personas["dispatcher"]).get(reverse("board:triage")).content.decode()
    name = directory["topic_build"].name
    rows = {t: html[html.index(t):html.index("</tr>", html.index(t))] for t in ("楼道灯坏了", "小区没有电梯")}
    assert f"未分类 (机器猜测: {name}, 置信度低)" in rows["楼道灯坏了"] and f"预测: {name}" not in rows["楼道灯坏了"]
    assert f"预测: {name}" in rows["小区没有电梯"] and "置信度低" not in rows["小区没有电梯"]


def test_case_page_is_usable_on_a_phone(personas, directory, login):
    m = make_cases(personas, directory, 1)[0]
    html = login(personas["officer"]).get(reverse("board:case", args=[m.public_id])).content.decode()
    assert 'name="viewport"' in html and "css/staff.css" in html and "vendor/htmx.min.js" in html


def test_late_sign_for_is_flagged_in_the_inbox(personas, directory, login):
    old = submit(personas, directory, 1, title="很久以前派来的留言")
    actions.do_dispatch(personas["dispatcher"], old, directory["housing"], at=dt.datetime(2025, 3, 3, 9, 0, tzinfo=SH))
    new = submit(personas, directory, 2, title="刚刚派来的留言")
    actions.do_dispatch(personas["dispatcher"], new, directory["housing"])
    page = login(personas["officer"]).get(reverse("board:inbox")).content.decode()
    rows = {m.title: row for row in re.findall(r"<tr.*?</tr>", page, re.S) for m in (old, new) if m.title in row}
    assert "签收超期" in rows[old.title]
    assert "签收超期" not in rows[new.title]


def test_phone_labels_name_both_figures_of_a_cell(personas, directory, login):
    """On a phone, where each cell carries its column's name, the queue's 「投诉 · 城乡建设」 was
    labelled 「类型:」 and the inbox's 「兰州市 · 城乡建设」 「区划:」."""
    m = submit(personas, directory, 1)
    dispatcher = login(personas["dispatcher"])
    name = directory["topic_build"].name
    triage = queue_row(dispatcher.get(reverse("board:triage")).content.decode(), m.title)
    # the two drawn 「投诉 · 城乡建设」, the 「·」 by the style (.sep)
    assert f'data-label="类型 · 领域"><span class="dots"><span>{m.get_kind_display()}</span><span class="sep">{name}' in triage
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"])
    inbox = queue_row(login(personas["officer"]).get(reverse("board:inbox")).content.decode(), m.title)
    assert f'data-label="区划 · 领域"><span class="dots"><span>{m.region.name}</span><span class="sep">{name}' in inbox


def test_a_signed_out_preview_says_so_in_the_reply_form(personas, directory, client):
    """Signed out while writing (the session ran out), 预览 followed the login redirect and put the
    whole login page, header and all, inside the reply form. A full post still goes to the login."""
    m = make_cases(personas, directory, 1)[0]
    url = reverse("board:reply_preview", args=[m.public_id])
    r = client.post(url, {"version": m.version, "body": "经核查, 电梯已列入改造计划。"}, HTTP_HX_REQUEST="true")
    html = r.content.decode()
    assert r.status_code == 200 and "登录已失效, 未能预览" in html
    assert "<html" not in html and 'name="password"' not in html
    r = client.post(url, {"version": m.version, "body": "经核查, 电梯已列入改造计划。"})
    assert r.status_code == 302 and r["Location"].startswith(reverse("accounts:login"))


def test_a_stale_form_token_is_told_without_the_hidden_fields_name(personas, directory, login):
    """A form whose hidden version was lost or garbled said 「(隐藏字段 version) 表单已失效…」 above its
    fields: Django's wording for a hidden field's error, with the field's English name in it."""
    m = submit(personas, directory, 1)
    client = login(personas["dispatcher"])
    r = client.post(reverse("board:case_action", args=[m.public_id, "dispatch"]),
                    {"version": "abc", "lead": directory["housing"].pk})
    html = r.content.decode()
    assert r.status_code == 400 and "表单已失效, 请刷新页面后重试" in html
    assert "隐藏字段" not in html and "version)" not in html


def test_a_post_on_the_case_page_after_the_session_ran_out_leads_back_to_the_case(personas, directory, client):
    """发布答复 (or 退单, 预览, 同意延期) with the session run out goes to the login page with the
    action's address as next; signed in, the officer lands on the case page (where the draft kept
    in the tab comes back), not on a 405 or an error at an address that takes only posts."""
    m = submit(personas, directory, 1)
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"])
    actions.do_sign(personas["officer"], m, directory["housing"])
    extension = actions.do_request_extension(personas["officer"], m, directory["housing"], 5, "需要协调多个部门")
    m.refresh_from_db()
    case_url = reverse("board:case", args=[m.public_id])
    posts = [(reverse("board:case_action", args=[m.public_id, "reply"]), {"body": "经核查, 电梯已列入改造计划。"}),
             (reverse("board:case_action", args=[m.public_id, "return"]), {"reason": "不属于本单位职责"}),
             (reverse("board:reply_preview", args=[m.public_id]), {"body": "经核查, 电梯已列入改造计划。"}),
             (reverse("board:decide_extension", args=[extension.pk]), {"decision": "approve", "next": case_url})]
    for url, data in posts:
        client.logout()
        r = client.post(url, {"version": m.version, **data})
        assert r.status_code == 302
        login_url = r["Location"]
        assert login_url.startswith(reverse("accounts:login")) and "next=" in login_url
        who = "supervisor" if "extensions" in url else "officer"
        going = parse_qs(urlsplit(login_url).query)["next"][0]
        assert going == urlsplit(url).path  # the login form carries it
        page = client.post(login_url, {"username": who, "password": PASSWORD, "next": going}, follow=True)
        assert page.status_code == 200, url
        assert page.redirect_chain[-1][0] == case_url, url
    m.refresh_from_db()
    extension.refresh_from_db()
    assert not m.replies.exists() and m.status == "signed"  # nothing was done on the way
    assert extension.state == "pending"


def test_unit_selects_name_their_empty_choice(personas, directory, login):
    """主办单位 (no unit preselected, the machine unsure) and 转办至 opened on 「---------」,
    Django's placeholder, which read as a broken list rather than 「请选择」."""
    m = actions.do_submit(personas["citizen"], title="我们这里的事情", body="这件事拖了好几个月, 盼有关部门早点给个答复。" * 2,
                          kind="help", region=directory["lanzhou"])
    html = login(personas["dispatcher"]).get(reverse("board:case", args=[m.public_id])).content.decode()
    assert '<option value="" selected>请选择主办单位</option>' in html
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"])
    actions.do_sign(personas["officer"], Message.objects.get(pk=m.pk), directory["housing"])
    html = login(personas["officer"]).get(reverse("board:case", args=[m.public_id])).content.decode()
    assert '<option value="" selected>请选择转办单位</option>' in html
    assert "---------" not in html


def test_the_case_pages_units_read_wait_for_signing_until_they_sign(personas, directory, login):
    """The 办理单位 table said 办理中 for a unit that had not signed yet (its 签收 cell read
    「期限 …」, the case's badge 待签收): it says 待签收 until the unit signs, and an assisting
    unit (which does not sign: the lead's 签收 signs it too) 待主办单位签收."""
    m = submit(personas, directory, 1)
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"], assists=[directory["ecology"]])
    officer = login(personas["officer"])

    def states():
        page = officer.get(reverse("board:case", args=[m.public_id])).content.decode()
        table = page.split("<h2>办理单位</h2>")[1].split("</table>")[0]
        return re.findall(r'<td data-label="状态">([^<]+)</td>', table)

    assert states() == ["待签收", "待主办单位签收"]
    actions.do_sign(personas["officer"], m, directory["housing"])
    assert states() == ["办理中", "办理中"]


@pytest.mark.parametrize(("persona", "words", "tab"), [("officer", "待签收", "new"), ("officer", "办理中", "handling"),
                                                        ("other_officer", "协办", "assist")])
def test_each_count_of_the_inbox_summary_opens_the_cases_it_counts(personas, directory, login, persona, words, tab):
    """QA walk 2026-12-06: the line over 本单位待办 linked 已超期, 即将到期, 签收超期 and 督办 to their lists, but
    待签收, 办理中 and 协办 were bare numbers. Each is a link to the tab holding as many cases as it says."""
    make_cases(personas, directory, 7)
    client = login(personas[persona])
    html = client.get(reverse("board:inbox")).content.decode()
    summary = re.search(r'<p class="summary dots">(.*?)</p>', html).group(1)
    link = re.search(rf'<a(?: class="sep")? href="([^"]+)">{words} <b>(\d+)</b> 件</a>', summary)
    assert link, summary
    href, count = link.group(1).replace("&amp;", "&"), int(link.group(2))
    assert parse_qs(urlsplit(href).query)["tab"] == [tab]
    listed = client.get(reverse("board:inbox") + href).content.decode()
    assert count > 0 and len(row_titles(listed)) == count


@pytest.mark.parametrize(("persona", "page", "shown"), [("officer", "board:inbox", "待办(主办)"),
                                                        ("dispatcher", "board:triage", "全部")])
def test_an_unknown_tab_says_which_list_is_shown_instead(personas, directory, login, persona, page, shown):
    """QA walk 2026-12-06: an old bookmark or a typed ?tab= that is no tab showed the default list without a word,
    as if the tab asked for held those cases. It says so; a tab that exists says nothing of the kind."""
    make_cases(personas, directory, 3)
    client = login(personas[persona])
    unknown = client.get(reverse(page) + "?tab=overdue_old")
    assert unknown.status_code == 200
    assert f"没有这个标签, 以下是「{shown}」。" in unknown.content.decode()
    assert "没有这个标签" not in client.get(reverse(page)).content.decode()
