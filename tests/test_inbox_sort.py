"""Sorting 本单位待办 (2026-12-05): an officer with 200 cases orders the inbox by a column's header — 提交时间,
区划, 领域, 承办人 or the next deadline (剩余/超期, the default) — each way round; the order stays through the tabs,
filters, search, pages, 返回待办 and the export, and the API's inbox takes it as ?ordering=. Before, the order
was fixed (the next deadline first) and ?sort= was ignored."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from minsheng.board.models import Assignment, Message
from minsheng.board.views import staff

from .conftest import make_user
from .test_inbox_export import csv_rows
from .test_staff_qa import LONG_AGO, dispatch, row_titles, text

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def desk(personas, directory):
    """Five cases of 住建局's, each differing in a column: submitted on different days, in 城关区 or 七里河区,
    of three 领域, two with a 承办人 and three 未指派, their deadlines in another order again."""
    d = directory
    officers = {name: make_user(name, role="officer", unit=d["housing"], display_name=shown)
                for name, shown in (("wang", "科员二号"), ("chen", "科员一号"))}
    plan = [  # title, submitted on, region, 领域, 承办人, dispatched (the deadline follows)
        ("加装电梯的留言", dt.datetime(2026, 11, 2, 9, tzinfo=SH), "qilihe", "topic_traffic", "wang", LONG_AGO),
        ("路灯不亮的留言", dt.datetime(2026, 11, 5, 9, tzinfo=SH), "chengguan", "topic_build", None, None),
        ("噪声扰民的留言", dt.datetime(2026, 11, 1, 9, tzinfo=SH), "qilihe", "topic_env", None, None),
        ("停车难的留言", dt.datetime(2026, 11, 4, 9, tzinfo=SH), "chengguan", None, "chen", None),
        ("井盖缺失的留言", dt.datetime(2026, 11, 3, 9, tzinfo=SH), "qilihe", "topic_build", None,
         dt.datetime(2025, 6, 2, 9, tzinfo=SH)),
    ]
    made = {}
    for title, submitted, region, topic, handler, at in plan:
        m = dispatch(personas, d, title, region=region, at=at)
        Message.objects.filter(pk=m.pk).update(submitted_at=submitted, topic=d[topic] if topic else None)
        if handler:
            Assignment.objects.filter(message=m, unit=d["housing"]).update(handler=officers[handler])
        made[title] = Message.objects.select_related("region", "topic").get(pk=m.pk)
    return made


def listed(client, **params) -> list[str]:
    return row_titles(text(client.get(reverse("board:inbox"), params)))


def header_links(html: str) -> dict[str, dict]:
    """The inbox's column-sorting links: label -> its address's parameters, and whether it is the one sorted by."""
    return {label: {"params": parse_qs(unescape(href)), "current": "current" in cls}
            for href, cls, label in re.findall(r'<a href="\?([^"]*)" class="(sort[^"]*)">([^<]+)<', html)}


def aria_sorts(html: str) -> list[str]:
    return re.findall(r'<th[^>]*aria-sort="(\w+)"', html)


def test_each_column_sorts_the_inbox_either_way(personas, desk, login):
    client = login(personas["officer"])
    default = listed(client)
    assert default == listed(client, sort="due")  # the next deadline: the overdue first
    assert default[:2] == ["加装电梯的留言", "井盖缺失的留言"]
    assert listed(client, sort="-due")[-2:] == ["井盖缺失的留言", "加装电梯的留言"]
    by_submission = sorted(desk.values(), key=lambda m: m.submitted_at)
    assert listed(client, sort="submitted") == [m.title for m in by_submission]
    assert listed(client, sort="-submitted") == [m.title for m in reversed(by_submission)]
    # a region by its code: 城关区 (620102) before 七里河区 (620103); a tie in the default order (the deadline)
    by_region = listed(client, sort="region")
    assert by_region[:2] == [t for t in default if desk[t].region.name == "城关区"]
    assert by_region[2:] == [t for t in default if desk[t].region.name == "七里河区"]
    assert listed(client, sort="-region")[:3] == by_region[2:]  # reversed, a tie still the nearest deadline first
    # a 领域 in the back office's order (城乡建设, 环境保护, 交通运输), the case without one last
    assert listed(client, sort="topic") == ["井盖缺失的留言", "路灯不亮的留言", "噪声扰民的留言", "加装电梯的留言",
                                           "停车难的留言"]
    assert listed(client, sort="-topic") == ["停车难的留言", "加装电梯的留言", "噪声扰民的留言", "井盖缺失的留言",
                                            "路灯不亮的留言"]
    # a 承办人 by name (科员一号 before 科员二号), 未指派 last; reversed, 未指派 first
    assert listed(client, sort="handler")[:2] == ["停车难的留言", "加装电梯的留言"]
    assert listed(client, sort="-handler")[3:] == ["加装电梯的留言", "停车难的留言"]


def test_the_headers_are_links_saying_the_order_with_aria_sort(personas, desk, login):
    client = login(personas["officer"])
    page = text(client.get(reverse("board:inbox")))
    assert aria_sorts(page) == ["ascending"]  # the deadlines' header, the default
    links = header_links(page)
    assert set(links) == {"提交时间", "区划", "领域", "承办人", "剩余/超期"}
    assert links["剩余/超期"]["current"] and links["剩余/超期"]["params"]["sort"] == ["-due"]
    assert links["提交时间"]["params"] == {"tab": ["todo"], "sort": ["submitted"]}
    page = text(client.get(reverse("board:inbox"), {"sort": "submitted"}))
    assert aria_sorts(page) == ["ascending"] and "(按提交时间降序排列)" in page
    assert header_links(page)["提交时间"]["params"]["sort"] == ["-submitted"]
    page = text(client.get(reverse("board:inbox"), {"sort": "-submitted"}))
    assert aria_sorts(page) == ["descending"]
    assert header_links(page)["提交时间"]["params"]["sort"] == ["submitted"]
    # back to the default: the link says no sort at all
    assert "sort" not in header_links(page)["剩余/超期"]["params"]


def test_the_order_stays_through_tabs_filters_search_pages_the_back_link_and_the_export(personas, desk, login,
                                                                                     monkeypatch):
    monkeypatch.setattr(staff, "PAGE_SIZE", 2)
    client = login(personas["officer"])
    params = {"tab": "todo", "handler": "none", "q": "留言", "sort": "-submitted"}
    page = text(client.get(reverse("board:inbox"), params))
    html = unescape(page)
    # a header's link keeps the tab, the filter and the search, and starts again at the first page
    assert header_links(page)["区划"]["params"] == {"tab": ["todo"], "handler": ["none"], "q": ["留言"],
                                                   "sort": ["region"]}
    # every other link of the inbox to itself keeps the order: the tabs, the counts above them, 全部 / 指派给我 /
    # 未指派, 清除 (the search), 显示全部 (the filter) and the pager
    own = [parse_qs(href) for href in re.findall(r'href="\?([^"]*)"(?! class="sort)', html)]
    assert {q["tab"][0] for q in own} >= {"todo", "new", "overdue", "supervised", "assist"}
    assert {q.get("handler", [""])[0] for q in own} == {"", "me", "none"}
    assert any("q" not in q for q in own) and any(q.get("page") == ["2"] for q in own)
    assert all(q.get("sort") == ["-submitted"] for q in own), [q for q in own if q.get("sort") != ["-submitted"]]
    assert '<input type="hidden" name="sort" value="-submitted">' in page  # the search box
    case_link = re.search(r'href="(/staff/case/\d+/\?back=[^"]+)"', page)[1]
    back = parse_qs(urlsplit(unescape(case_link)).query)["back"][0]
    assert parse_qs(back)["sort"] == ["-submitted"]
    case_page = text(client.get(unescape(case_link)))
    assert "sort=-submitted" in unescape(case_page)  # 返回待办 leads back to the same order
    # every page in the order, and the export in the same order
    unassigned = [m for m in sorted(desk.values(), key=lambda m: m.submitted_at, reverse=True)
                  if not Assignment.objects.filter(message=m, handler__isnull=False).exists()]
    pages = [t for n in (1, 2) for t in listed(client, **params, page=n)]
    assert pages == [m.title for m in unassigned]
    assert "sort=-submitted" in unescape(page.split("导出 CSV")[0].rsplit("href=", 1)[1])
    rows = csv_rows(client.get(reverse("board:inbox_export", args=["csv"]), params))
    assert [row[1] for row in rows[1:]] == pages


@pytest.mark.parametrize("raw", ["bogus", "-", "--due", "due\x00", "\x00", "-handler ", "Due", "pk", "message__title",
                                 "x" * 500])
def test_a_sort_it_does_not_know_lists_in_the_default_order(personas, desk, login, raw):
    client = login(personas["officer"])
    default = listed(client)
    response = client.get(reverse("board:inbox"), {"sort": raw})
    assert response.status_code in (200, 400)  # a NUL: the site's 400 「请求中含有无效字符」, never a 500
    if response.status_code == 200:
        assert row_titles(text(response)) == default
        assert aria_sorts(text(response)) == ["ascending"]
        export = client.get(reverse("board:inbox_export", args=["csv"]), {"sort": raw})
        assert [row[1] for row in csv_rows(export)[1:]] == default


def test_a_tie_is_listed_the_same_way_on_every_page(personas, directory, login, monkeypatch):
    """Many cases of one 领域 and one deadline: the pages of ?sort=topic meet each once (the tiebreaker, pk)."""
    monkeypatch.setattr(staff, "PAGE_SIZE", 3)
    made = [dispatch(personas, directory, f"同一领域的留言{n}") for n in range(7)]
    Assignment.objects.filter(message__in=made).update(due_at=dt.datetime(2026, 12, 31, 18, tzinfo=SH))
    Message.objects.filter(pk__in=[m.pk for m in made]).update(submitted_at=dt.datetime(2026, 12, 1, 9, tzinfo=SH))
    client = login(personas["officer"])
    for sort in ("topic", "-topic", "region", "handler", "-handler", "submitted", "-due"):
        walked = [t for n in (1, 2, 3) for t in listed(client, sort=sort, page=n)]
        assert sorted(walked) == sorted(m.title for m in made), sort
        assert walked == [m.title for m in made], sort  # the older case first (pk): the same each time
