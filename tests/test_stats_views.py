"""Public statistics pages, the leaders' dashboard and the staff overdue list."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minsheng.stats import figures, views

from .conftest import make_user
from .test_stats_cases import raw_figures


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_public_page_shows_the_figures(client, cases):
    from minsheng.board.models import Message

    response = client.get("/stats/")
    assert response.status_code == 200
    text = _text(response)
    want = raw_figures(Message.objects.all())
    assert f'<span class="value">{want["received"]}</span><span class="name">受理留言' in text
    assert figures.percent(want["reply_rate"]) in text
    assert "兰州市" in text and "定西市" in text  # the drill-down table of the province
    assert 'data-map-url="/stats/map.json"' in text


def test_drill_down_to_a_county(client, cases, directory):
    response = client.get("/stats/", {"region": "620100"})
    text = _text(response)
    assert response.status_code == 200
    assert "城关区" in text and "七里河区" in text and "定西市</td>" not in text
    assert "?region=620102" in text or "region=620102" in text


def test_statistics_page_does_not_read_messages(client, cases):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/stats/", {"region": "620000"}).status_code == 200
    tables = " ".join(q["sql"] for q in ctx.captured_queries)
    assert '"board_message"' not in tables
    # SQLite: each part on its own, misses and sign-fors (及时签收率, since 2026-12-05: 25 before) too
    assert len(ctx.captured_queries) <= 28, len(ctx.captured_queries)


def test_bad_filters_are_a_clear_400(client, directory):
    response = client.get("/stats/", {"region": "999999"})
    assert response.status_code == 400
    assert "没有区划代码为 999999 的区划" in response.content.decode()
    # a date is left out and said next to its box, the page shown (test_mobile_layout: the filters kept)
    response = client.get("/stats/", {"date_from": "2026-02-30"})
    assert response.status_code == 200
    assert "开始日期 不是有效日期 (应为 YYYY-MM-DD): 2026-02-30, 未按开始日期筛选" in response.content.decode()
    assert client.get("/stats/", {"kind": "nonsense"}).status_code == 400


def test_the_first_and_last_days_of_the_calendar_count_nothing_and_break_no_page(client, cases):
    # 9999-12-31 and 0001-01-01 are valid dates: the whole months around them overflowed the calendar
    # (OverflowError, a 500 on /stats/, /stats/units/, the table export and figures.json until 2026-12-07)
    for edge in ({"date_from": "9999-12-31"}, {"date_to": "0001-01-01"}):
        response = client.get("/stats/", edge)
        assert response.status_code == 200
        assert '<span class="value">0</span><span class="name">受理留言' in _text(response)
        assert client.get("/stats/units/", edge).status_code == 200
        assert client.get("/stats/export/table.csv", edge).status_code == 200
        response = client.get("/stats/figures.json", edge)
        assert response.status_code == 200 and response.json()["received"] == 0
    # a range that ends there counts what it covers
    assert client.get("/stats/figures.json", {"date_to": "9999-12-31"}).json()["received"] == (
        client.get("/stats/figures.json").json()["received"])


def test_each_number_links_to_the_messages_behind_it(client, cases):
    page = client.get("/stats/", {"region": "620100"}).content.decode()
    links = set(re.findall(r'href="(/stats/list/\?[^"]+)"', page))
    assert links
    checked = 0
    for link in links:
        link = link.replace("&amp;", "&")
        if "measure=replied" in link and "topic=" not in link and "kind=" not in link and "region=620102" in link:
            response = client.get(link)
            assert response.status_code == 200
            total = int(re.search(r"共 (\d+) 件", response.content.decode()).group(1))
            assert total == figures.compute(region="620102")["replied"]
            checked += 1
    assert checked == 1


def test_units_league_table_sorts(client, cases):
    response = client.get("/stats/units/", {"sort": "received", "dir": "asc"})
    assert response.status_code == 200
    text = _text(response)
    assert "兰州市住房和城乡建设局" in text and "兰州市生态环境局" in text
    order_asc = [text.index("兰州市生态环境局"), text.index("兰州市住房和城乡建设局")]
    assert order_asc[0] < order_asc[1]  # fewer cases first
    text_desc = _text(client.get("/stats/units/", {"sort": "received"}))
    assert text_desc.index("兰州市住房和城乡建设局") < text_desc.index("兰州市生态环境局")
    assert client.get("/stats/units/", {"sort": "drop table"}).status_code == 200


def test_units_league_table_is_paged_keeping_sort_and_filters(client, cases, monkeypatch):
    """The league table of hundreds of units comes a page at a time; ranks go on across
    pages, the page links keep the sort and filters, a new sort starts at page 1, and the
    exports hold every unit."""
    query = {"region": "620100", "sort": "received", "dir": "desc"}
    ranked = re.compile(r"<td>(\d+)\. ([^<]+)</td>")
    whole = ranked.findall(_text(client.get("/stats/units/", query)))
    assert len(whole) >= 3 and whole[0] == ("1", "兰州市住房和城乡建设局")
    monkeypatch.setattr(views, "UNITS_PER_PAGE", 1, raising=False)  # without paging: fails on the page
    first = _text(client.get("/stats/units/", query))
    assert ranked.findall(first) == whole[:1]
    pager = first[first.index('class="pagination"'):]
    assert f"第 1 / {len(whole)} 页" in pager
    next_link = re.search(r'<a href="(\?[^"]+)">下一页</a>', pager).group(1).replace("&amp;", "&")
    assert {"region=620100", "sort=received", "dir=desc", "page=2"} <= set(next_link[1:].split("&"))
    second = _text(client.get("/stats/units/" + next_link))
    assert ranked.findall(second) == whole[1:2]  # its rank counted across pages
    # sorting from page 2 starts again at page 1; the exports are not paged
    head = second[second.index("<thead>"):second.index("</thead>")]
    assert "page=" not in head
    exports = re.findall(r'href="(/stats/export/table\.[a-z]+\?[^"]+)"', second)
    assert len(exports) == 2 and all("page=" not in link for link in exports)
    export = client.get(exports[0].replace("&amp;", "&"))
    csv_text = b"".join(export.streaming_content).decode("utf-8-sig") if export.streaming else export.content.decode(
        "utf-8-sig")
    assert "兰州市住房和城乡建设局" in csv_text and "兰州市生态环境局" in csv_text


def test_dashboard_is_for_supervisors_of_their_regions(client, login, personas, cases):
    assert client.get("/stats/dashboard/").status_code == 302
    assert login(personas["officer"]).get("/stats/dashboard/").status_code == 403
    sup = login(personas["supervisor"])
    response = sup.get("/stats/dashboard/")
    assert response.status_code == 200
    text = _text(response)
    assert "领导驾驶舱 · 兰州市" in text
    assert "兰州市住房和城乡建设局" in text  # late unit: the overdue case in 七里河区
    assert sup.get("/stats/dashboard/", {"region": "621100"}).status_code == 403


def test_a_long_unknown_code_is_quoted_cut_and_said_to_be(client, login, personas, cases):
    """A pasted paragraph in ?region= or ?topic= comes back as its first 20 characters and 「…」, as on /browse/ and
    /hotspots/ (the dashboard, the public statistics and their JSON quoted it whole)."""
    long = "6201" + "9" * 40
    cut_code = long[:20] + "…"
    dashboard = login(personas["supervisor"]).get("/stats/dashboard/", {"region": long})
    public = client.get("/stats/", {"region": long})
    topic = client.get("/stats/", {"topic": "t" * 40})
    figures = client.get("/stats/figures.json", {"region": long})
    for response in (dashboard, public, figures):
        text = response.content.decode()
        assert response.status_code == 400 and f"没有区划代码为 {cut_code} 的区划" in text, text[:300]
    assert topic.status_code == 400 and f"没有代码为 {'t' * 20}… 的领域" in topic.content.decode()
    # a measure, a grouping, a type and a date, each quoted at 20 characters and 「…」 likewise
    pasted = "x" * 40
    said = {
        "measure": (login(personas["supervisor"]).get("/stats/overdue/", {"measure": pasted}), "不支持的统计项: "),
        "by": (client.get("/stats/export/table.csv", {"by": pasted}), "不支持的分组: "),
        "kind": (client.get("/stats/", {"kind": pasted}), "没有这个留言类型: "),
        "date": (client.get("/stats/", {"date_from": pasted}), "不是有效日期 (应为 YYYY-MM-DD): "),
    }
    for name, (response, words) in said.items():
        text = response.content.decode()
        assert f"{words}{'x' * 20}…" in text and f"{words}{'x' * 21}" not in text, (name, response.status_code)


def test_overdue_list_is_scoped_to_the_user(client, login, personas, cases):
    assert client.get("/stats/overdue/").status_code == 302
    sup = _text(login(personas["supervisor"]).get("/stats/overdue/"))
    assert "测试留言overdue" in sup and "测试留言reopened_open" in sup
    assert "测试留言dingxi" not in sup  # 定西市 is not the supervisor's region
    dx = _text(login(personas["dx_dispatcher"]).get("/stats/overdue/"))
    assert "测试留言dingxi" in dx and "测试留言overdue" not in dx
    other = _text(login(personas["other_officer"]).get("/stats/overdue/"))
    assert "测试留言overdue" not in other
    assert login(personas["citizen"]).get("/stats/overdue/").status_code == 403


def test_overdue_list_for_an_admin_is_everywhere(login, cases):
    """An admin has no regions of their own: "None = everywhere" (was a 500)."""
    admin = login(make_user("root", is_superuser=True, is_staff=True))
    response = admin.get("/stats/overdue/")
    assert response.status_code == 200
    text = _text(response)
    assert "测试留言overdue" in text and "测试留言dingxi" in text
    assert "/stats/export/messages.csv?" in text  # admins may export the personal data


def test_server_error_page_is_chinese_and_self_contained(rf):
    """Django renders 500.html with an empty context; without the db fixture any query
    would raise here, as the database may be what failed."""
    from minsheng.api.errors import handler500

    response = handler500(rf.get("/stats/overdue/"))
    assert response.status_code == 500
    page = response.content.decode()
    assert '<html lang="zh-CN">' in page and "服务器出错了" in page and "抱歉" in page
    assert 'href="/">返回首页</a>' in page
    assert "<link" not in page  # no static files: the page must show even when they fail


def test_map_shapes_cover_the_demo_province(client):
    response = client.get("/stats/map.json")
    assert response.status_code == 200
    import json

    geo = json.loads(b"".join(response.streaming_content))
    codes = {f["properties"]["code"] for f in geo["features"]}
    assert len(codes) == 14 and "620100" in codes and "623000" in codes


def test_map_file_setting(client, settings, tmp_path):
    custom = tmp_path / "map.json"
    custom.write_text('{"type": "FeatureCollection", "features": []}')
    settings.MINSHENG_MAP_FILE = str(custom)
    assert b"".join(client.get("/stats/map.json").streaming_content) == custom.read_bytes()
    settings.MINSHENG_MAP_FILE = str(tmp_path / "missing.json")
    assert client.get("/stats/map.json").status_code == 404


def test_dashboard_late_unit_links_to_its_overdue_cases(login, personas, cases, directory):
    sup = login(personas["supervisor"])
    page = sup.get("/stats/dashboard/").content.decode()
    housing = directory["housing"].pk
    link = re.search(rf'href="(/stats/overdue/\?region=620100&amp;unit={housing})">(\d+)<', page)
    assert link, "late unit row links to its overdue list"
    listed = _text(sup.get(link.group(1).replace("&amp;", "&")))
    assert f"共 {link.group(2)} 件" in listed
    assert "测试留言overdue" in listed and "测试留言dingxi" not in listed


def test_dashboard_rate_and_time_cards_link_to_the_replied_cases_they_count(login, personas, cases):
    """A leader clicks 答复率 or 平均答复用时 and reads the replied cases, of the card's region and dates."""
    sup = login(personas["supervisor"])
    page = sup.get("/stats/dashboard/", {"region": "620100"}).content.decode()
    # every headline card is a link (按时率's since 2026-12-07 a box of two, its value's link covering the card and
    # its 误期 count's above it: tests/test_stats_missed_everywhere.py)
    assert '<div class="figure">' not in page
    replied = re.search(r'href="(/stats/list/[^"]+)"><span class="value">(\d+)</span><span class="name">已答复<', page)
    for name in ("答复率", "答复用时中位数 (工作日)", "平均答复用时 (工作日)"):
        link = re.search(rf'href="(/stats/list/[^"]+)"><span class="value">[^<]*</span><span class="name">{re.escape(name)}<',
                         page)
        assert link, f"{name} links to its cases"
        url = link.group(1).replace("&amp;", "&")
        assert "measure=replied" in url and "region=620100" in url and "date_from=" in url and "date_to=" in url
        assert url == replied.group(1).replace("&amp;", "&")
        assert f"共 {replied.group(2)} 件" in _text(sup.get(url))


def test_dashboard_exports_its_own_figures_for_a_meeting(login, personas, cases):
    """The dashboard had no export: a leader preparing a meeting had to find /stats/, choose the region
    and the 30 days again, and hope the workbook matched the page. Its links carry the page's region
    and period, and the workbook's 兰州市本级 row is the page's."""
    import io

    from django.utils import timezone
    from openpyxl import load_workbook

    sup = login(personas["supervisor"])
    page = sup.get("/stats/dashboard/").content.decode()
    today = timezone.localdate()
    period = f"date_from={today - dt.timedelta(days=29):%Y-%m-%d}&amp;date_to={today:%Y-%m-%d}"
    link = re.search(rf'href="(/stats/export/table\.xlsx\?region=620100&amp;{period}&amp;by=region)">按区划 Excel</a>', page)
    assert link, "the dashboard links to its regions' table as a workbook"
    assert f'href="/stats/export/table.csv?region=620100&amp;{period}&amp;by=region">CSV</a>' in page
    assert f'href="/stats/export/table.xlsx?region=620100&amp;{period}&amp;by=topic">按领域 Excel</a>' in page
    response = sup.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(b"".join(response.streaming_content) if response.streaming else
                                         response.content)).worksheets[0].values)
    assert rows[0][:2] == ("区划", "受理")
    shown = dict(re.findall(r"<tr[^>]*>\s*<td>([^<]+)</td>\s*<td>(?:<a [^>]+>)?(\d+)<", page.split("各地区 (近")[1]))
    assert shown and {r[0]: str(r[1]) for r in rows[1:] if r[0] in shown} == shown  # each region's 受理, as shown


def test_dashboard_week_over_week_counts(login, personas, cases):
    from django.utils import timezone

    text = _text(login(personas["supervisor"]).get("/stats/dashboard/"))
    today = timezone.localdate()
    this_week = [m for m in cases.values() if m.region.code.startswith("6201")
                 and 0 <= (today - timezone.localtime(m.submitted_at).date()).days < 7
                 and m.status not in ("submitted", "rejected", "withdrawn", "merged")]
    assert re.search(rf"<td>受理留言</td>\s*<td><a [^>]+>{len(this_week)}</a></td>", text)


# --- the figure cache -------------------------------------------------------------------

def _received_on_page(client) -> int:
    text = _text(client.get("/stats/", {"region": "620000"}))
    found = re.search(r'<span class="value">(\d+)</span><span class="name">受理留言', text)
    assert found, "the page shows the received figure"
    return int(found.group(1))


def test_cached_page_changes_right_after_an_action(client, cases, personas, django_capture_on_commit_callbacks):
    from minsheng.board import actions
    from minsheng.board.models import Message

    before = _received_on_page(client)
    assert _received_on_page(client) == before  # served from the cache now
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_accept(personas["dispatcher"], Message.objects.get(pk=cases["pending"].pk))
    after = _received_on_page(client)
    assert after == before + 1 == raw_figures(Message.objects.all())["received"]


def test_warm_page_reads_no_statistics_tables(client, cases):
    client.get("/stats/", {"region": "620000"})
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/stats/", {"region": "620000"}).status_code == 200
    tables = " ".join(q["sql"] for q in ctx.captured_queries)
    assert '"stats_rollup"' not in tables and '"stats_opencase"' not in tables
    assert "stats_rollupversion" in tables  # but every request checks the version


def test_rebuild_invalidates_cached_figures(cases):
    from minsheng.board.models import Message
    from minsheng.stats import facts

    before = figures.compute(region="620000")
    assert figures.compute(region="620000") == before
    # a bulk change that bypasses the actions (and so the incremental hook) ...
    Message.objects.filter(pk=cases["on_time_satisfied"].pk).update(status="rejected")
    assert figures.compute(region="620000") == before  # ... is not seen until a rebuild
    facts.rebuild()
    after = figures.compute(region="620000")
    assert after["received"] == before["received"] - 1
    assert after["rejected"] == before["rejected"] + 1
    assert after == raw_figures(Message.objects.all())  | {k: after[k] for k in after if k not in
                                                           raw_figures(Message.objects.all())}


def test_explicit_clock_is_not_served_from_another_clock(cases):
    import datetime as dt

    from django.utils import timezone

    now = timezone.now()
    today = figures.compute(region="620000", now=now)
    later = figures.compute(region="620000", now=now + dt.timedelta(days=400))
    assert later["overdue"] > today["overdue"]  # every open case is overdue in 400 days
    assert figures.compute(region="620000", now=now) == today


@pytest.mark.parametrize("filters", [
    {"region": "620000"},
    {"region": "620100", "kind": "complain"},
    {"topic": "build", "date_from": "2000-01-15"},
    {},
])
def test_page_figures_together_equal_one_by_one(cases, directory, filters):
    import datetime as dt

    from django.core.cache import cache
    from django.utils import timezone

    if "topic" in filters:
        filters = {**filters, "topic": directory["topic_build"].code}
    parts = ["totals", "region", "topic", "kind", "month", "unit"]
    now = timezone.now() + dt.timedelta(days=3)  # some open cases overdue, some not
    scope = figures.make_scope(**filters)
    cache.clear()
    together = figures.page(scope, parts, now=now)
    cache.clear()
    one_by_one = {p: figures.compute(scope, now=now) if p == "totals" else figures.breakdown(p, scope, now=now)
                  for p in parts}
    assert together == one_by_one
    assert together["totals"]["received"] > 0


# --- /stats/list/: the messages behind a figure ---------------------------------------

def _prefix(region: str) -> str:
    """The code prefix of the region coded ``region`` ("" for all), as the lists filter by it: 「6210」 for 621000
    (``rstrip("0")`` read 「621」 until 2026-12-06 (fix), so 621100 would have counted as within it)."""
    from minsheng.directory.models import Region

    return Region.prefix_for(region, Region.level_for(region)) if region else ""


def _expected_sign_late(region: str = "", unit=None, since=None) -> list[str]:
    """签收超期 worked out from the assignments (docs/statistics.md, 及时签收率): each lead assignment with a
    签收期限 signed after it, or unsigned past it while the unit held the case; a row each, the earliest
    签收期限 first."""
    from django.utils import timezone

    from minsheng.board.models import Assignment
    from minsheng.board.workflow import Status

    now = timezone.now()
    rows = []
    for a in Assignment.objects.filter(role="lead", sign_due_at__isnull=False).select_related("message__region"):
        m = a.message
        if m.status not in Status.public() or not m.region.code.startswith(_prefix(region)):
            continue
        if (unit is not None and a.unit_id != unit.pk) or (since and timezone.localdate(m.submitted_at) < since):
            continue
        held_past = a.sign_due_at < now and (a.state == "active" or (a.closed_at and a.sign_due_at < a.closed_at))
        if (a.signed_at and a.signed_at > a.sign_due_at) or (a.signed_at is None and held_past):
            rows.append((a.sign_due_at, m.pk, m.public_id))
    return [public_id for *_, public_id in sorted(rows)]


def _expected_missed(region: str = "", unit=None, since=None) -> list[str]:
    """误期未答复 row by row: each unit's miss for good (``Miss``) and each open case past a deadline of the unit
    handling it (not one that had passed before the case came to it), of the cases counted (published, withdrawn,
    不予受理), newest submitted first."""
    from django.utils import timezone

    from minsheng.board.models import Message
    from minsheng.board.workflow import Status
    from minsheng.stats.models import Miss, OpenCase

    now = figures.clock()
    pairs = [*Miss.objects.values_list("message_id", "unit_key"),
             *((c.message_id, c.unit_key) for c in OpenCase.objects.all()
               if c.due_at and c.due_at < now and not c.ever_replied and not c.late_on_arrival)]
    messages = Message.objects.select_related("region").in_bulk({mid for mid, _ in pairs})
    rows = []
    for mid, unit_key in pairs:
        m = messages[mid]
        if m.status not in {*Status.public(), Status.WITHDRAWN, Status.REJECTED}:
            continue
        if not m.region.code.startswith(_prefix(region)) or (unit is not None and unit_key != unit.pk):
            continue
        if since and timezone.localdate(m.submitted_at) < since:
            continue
        rows.append((m.submitted_at, m.public_id, -unit_key))
    return [public_id for _, public_id, _ in sorted(rows, reverse=True)]


def _expected_list(measure: str, region: str = "", unit=None, since=None) -> list[str]:
    """The messages a figure counts, worked out row by row in Python (docs/statistics.md):
    published, their fact (or open case) matching, newest first."""
    from minsheng.board.models import Message
    from minsheng.board.workflow import Status
    from minsheng.stats.models import MessageFact, OpenCase

    if measure == "sign_late":
        return _expected_sign_late(region, unit, since)
    if measure == "missed":
        return _expected_missed(region, unit, since)
    facts = {f.message_id: f for f in MessageFact.objects.all()}
    cases = {c.message_id: c for c in OpenCase.objects.all()}
    flags = {"replied": ["replied"], "on_time": ["replied", "on_time"], "evaluated": ["evaluated"],
             "satisfied": ["satisfied"], "reopened": ["reopened"], "extended": ["extended"]}
    out = []
    for m in Message.objects.select_related("region").order_by("-submitted_at", "-id"):
        fact, case = facts.get(m.pk), cases.get(m.pk)
        if m.status not in Status.public() or not m.region.code.startswith(_prefix(region)):
            continue
        if measure == "open":
            if case is None or (unit is not None and case.unit_key != unit.pk):
                continue
        elif unit is not None and (fact is None or fact.unit_key != unit.pk):
            continue
        if since is not None and (fact is None or fact.day < since):
            continue
        if measure not in ("submitted", "open"):
            category = "merged" if measure == "merged" else "received"
            if fact is None or fact.category != category or not all(getattr(fact, f) for f in flags.get(measure, [])):
                continue
        out.append(m.public_id)
    return out


def _listed(client, params) -> tuple[int, list[str]]:
    """(the count the page says, the 编号 of its rows) of /stats/list/."""
    page = client.get("/stats/list/", params).content.decode()
    return int(re.search(r"共 (\d+) 件", page).group(1)), re.findall(r"<tr><td>(\d+)</td>", page)


@pytest.mark.parametrize("measure", sorted(views.exports.PUBLIC_MEASURES))
def test_the_list_behind_a_figure_is_every_message_it_counts_newest_first(client, cases, directory, measure,
                                                                         monkeypatch):
    """The list of a measure most messages count in reads the messages newest first and tests
    each one's fact; the others are joined to the facts (exports.message_page). Either way it
    is the messages the figure counts, in the same order, and as many as the page says."""
    import datetime as dt

    from django.utils import timezone

    real = views.exports.message_page  # in pages of 2 rows: the test's messages span several pages
    monkeypatch.setattr(views.exports, "message_page", lambda scope, measure, number: real(scope, measure, number, 2))
    since = timezone.localdate() - dt.timedelta(days=40)
    for params, kwargs in (({}, {}), ({"region": "620100"}, {"region": "620100"}),
                           ({"region": "620102"}, {"region": "620102"}),
                           ({"unit": str(directory["housing"].pk)}, {"unit": directory["housing"]}),
                           ({"date_from": f"{since:%Y-%m-%d}"}, {"since": since})):
        want = _expected_list(measure, **kwargs)
        assert want or params, measure  # every measure has messages in the cases, 签收超期 too
        shown, number = [], 1
        while True:
            total, rows = _listed(client, {**params, "measure": measure, "page": number})
            assert total == len(want), params
            shown += rows
            if len(shown) >= total or not rows:
                break
            number += 1
        assert shown == want, params



def test_the_received_list_reads_the_newest_messages_not_every_fact(client, cases):
    """/stats/list/ joined the facts: SQLite read every received fact, then each one's message,
    and sorted them all for a page of 30 (the 54,420 received of 60,000 messages: 300 ms). It
    now reads the newest messages through the index ``board_message_newest``, tests each one's
    fact, and stops at the page's last row (1 ms)."""
    from minsheng.board.tasks import analyze_database

    analyze_database()
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/stats/list/").status_code == 200
    rows = next(q["sql"] for q in ctx.captured_queries if "LIMIT" in q["sql"] and '"board_message"."title"' in q["sql"])
    assert "EXISTS" in rows and '"stats_messagefact"' not in rows.split("WHERE")[0]  # no join to the facts
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN QUERY PLAN " + rows)
            plan = " / ".join(row[3] for row in cursor.fetchall())
        assert "board_message USING INDEX board_message_newest" in plan and "TEMP B-TREE" not in plan


@pytest.mark.parametrize("measure", ["received", "replied"])
def test_the_whole_list_counts_the_facts_not_each_message(client, cases, measure):
    """The count of /stats/list/ without filters tested every message's fact (54,420 received
    of 60,000 messages: about 100 ms); it now counts the measure's facts, less those of the
    unpublished messages. A message withdrawn a moment ago, its fact not yet refreshed, is
    neither listed nor counted."""
    from minsheng.board.models import Message
    from minsheng.board.workflow import Status

    total, _ = _listed(client, {"measure": measure})
    assert total == len(_expected_list(measure))
    gone = Message.objects.filter(fact__category="received", status__in=Status.public()).order_by("-submitted_at")
    if measure == "replied":
        gone = gone.filter(fact__replied=True)
    gone = gone.first()
    Message.objects.filter(pk=gone.pk).update(status=Status.WITHDRAWN)  # as before its fact's refresh
    with CaptureQueriesContext(connection) as ctx:
        shown, rows = _listed(client, {"measure": measure})
    assert shown == total - 1 and gone.public_id not in rows
    counts = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"].upper()]
    # the facts are counted first, not every message walked and its fact looked up
    assert counts and all(sql.index('"stats_messagefact"') < sql.index('"board_message"') for sql in counts)


def test_the_current_month_says_it_is_partial(client, directory, personas, django_capture_on_commit_callbacks):
    """The current month is only partly over: its 答复率 fell toward 0% on the trend chart, read as
    a collapse, with a label like any whole month's. It says which days it counts, as a month cut by
    the dates does (「2026年12月 (1日至4日)」), on the page's chart and table and in the export."""
    import json

    from django.utils import timezone

    from minsheng.board import actions

    with django_capture_on_commit_callbacks(execute=True):
        actions.do_submit(personas["citizen"], title="路灯不亮了", body="小区门口的路灯坏了一个星期, 晚上很黑。",
                          kind="complain", region=directory["chengguan"], topic=directory["topic_build"])
    today = timezone.localdate()
    label = f"{today:%Y年%m月} (1日至{today.day}日)"
    page = client.get("/stats/?region=620000").content.decode()
    chart = json.loads(re.search(r'<script id="stats-data" type="application/json">(.*?)</script>', page, re.S)[1])
    assert chart["months"]["labels"][-1] == label
    export = client.get("/stats/export/table.csv?region=620000&by=month")
    csv_text = b"".join(export.streaming_content).decode("utf-8-sig") if export.streaming else export.content.decode(
        "utf-8-sig")
    assert csv_text.splitlines()[0].startswith("月份,") and label in csv_text


def test_dashboard_lists_chronic_problems_where_chronic_lists_them(client, login, personas, directory):
    """The dashboard opens on a region the user dispatches as well as on those they supervise: on a
    region they only dispatch, its 老大难 card listed that region's chronic problems, which /chronic/
    never lists to them (and whose pages show no flag), and a hotspot with no public message, whose
    page answered 404. The card now lists and counts what /chronic/ lists, and says why it lists
    nothing on a region they do not supervise."""
    from django.utils import timezone

    from minsheng.accounts.models import Membership
    from minsheng.insight.models import Hotspot

    now = timezone.now()
    old = now - timezone.timedelta(days=200)
    Hotspot.objects.create(title="七里河区幸福家园电梯常年失修", region=directory["qilihe"], first_at=old, last_at=now,
                           message_count=4, public_count=3, unresolved_count=2, heat=5.0, chronic=True)
    Hotspot.objects.create(title="定西市安定区供暖不热", region=directory["dingxi"], first_at=old, last_at=now,
                           message_count=3, public_count=2, unresolved_count=1, heat=4.0, chronic=True)
    Hotspot.objects.create(title="定西市某小区尚未审核的停水", region=directory["dingxi"], first_at=now, last_at=now,
                           message_count=2, public_count=0, heat=9.0)
    both = make_user("lz_sup_dx_disp", role="supervisor", region=directory["lanzhou"])  # supervises 兰州市
    Membership.objects.create(user=both, role="dispatcher", region=directory["dingxi"])  # dispatches 定西市
    user = login(both)
    chronic = _text(user.get("/chronic/", {"show": "chronic"}))
    assert "老大难 (1)" in chronic and "七里河区幸福家园电梯常年失修" in chronic and "定西市安定区供暖不热" not in chronic

    def card(response) -> str:
        assert response.status_code == 200
        text = _text(response)
        return text[text.index("<h3>老大难"):text.index("</section>", text.index("<h3>老大难"))]

    dingxi = user.get("/stats/dashboard/", {"region": "621100"})
    assert "定西市安定区供暖不热" not in card(dingxi)
    assert "您不督办该区划" in card(dingxi)
    assert "定西市某小区尚未审核的停水" not in _text(dingxi)  # its page: 404 to them
    lanzhou = card(user.get("/stats/dashboard/", {"region": "620100"}))
    assert "老大难 (1)" in lanzhou and "七里河区幸福家园电梯常年失修" in lanzhou
    assert 'href="/chronic/?region=620100&amp;show=chronic"' in lanzhou  # the card's region
    hidden = Hotspot.objects.get(title="定西市某小区尚未审核的停水")
    assert user.get(f"/hotspots/{hidden.pk}/").status_code == 404
    # the supervisor of 兰州市 reads the same; a dispatcher of 定西市 alone has neither page
    sup = login(personas["supervisor"])
    assert "老大难 (1)" in card(sup.get("/stats/dashboard/")) and "老大难 (1)" in _text(sup.get("/chronic/"))
    dx = login(personas["dx_dispatcher"])
    assert dx.get("/stats/dashboard/").status_code == 403 and dx.get("/chronic/").status_code == 403


def test_dashboard_counts_the_late_units_it_does_not_list(login, cases, monkeypatch):
    """谁在拖延 lists the units with the most overdue cases; the others were dropped unsaid
    (the demo: 20 of 52 late units listed, 32 overdue cases at the others nowhere on the card)."""
    from minsheng.stats import dashboard

    monkeypatch.setattr(dashboard, "LATE_UNITS", 1)  # the fixture has two late units: 住建局 ×2, 定西 ×1
    admin = login(make_user("root", is_superuser=True, is_staff=True))
    text = _text(admin.get("/stats/dashboard/", {"region": "620000"}))
    card = text[text.index("谁在拖延"):text.index("群众最关心的问题")]
    assert "兰州市住房和城乡建设局" in card and "定西" not in card.split("另有")[0]
    assert "另有 1 个单位共 1 件超期未答复, 未列入上表 (上表为超期最多的 1 个单位)" in card
    assert 'href="/stats/overdue/?region=620000">超期清单</a>' in card


def test_overdue_list_leads_to_the_case_page_and_names_the_late_unit(login, personas, cases):
    """From 哪里在拖延 to a case: the supervisor lands where 督办 is (the staff case page), and
    each row says which unit is late. The list linked to the public page and named no unit."""
    text = _text(login(personas["supervisor"]).get("/stats/overdue/"))
    overdue = cases["overdue"]
    row = re.search(rf"<tr[^>]*>(?:(?!</tr>).)*{overdue.public_id}.*?</tr>", text).group(0)
    assert f'href="/staff/case/{overdue.public_id}/"' in row
    assert '<td data-label="主办单位" class="keep">兰州市住房和城乡建设局</td>' in row
    assert f'href="/m/{overdue.public_id}/"' not in text


def test_dashboard_lists_late_districts_in_the_order_of_the_supervision_page(login, personas, cases):
    """城关区 and 七里河区 have one overdue case each: the dashboard put 七里河区 first (by name),
    /staff/supervision/ 城关区 (by code), so a supervisor comparing the two read two rankings."""
    sup = login(personas["supervisor"])
    text = _text(sup.get("/stats/dashboard/"))
    card = text[text.index("哪里在拖延"):text.index("谁在拖延")]
    dashboard = re.findall(r"<tr><td>(?:<a [^>]+>)?([^<]+)(?:</a>)?</td><td><a", card)
    tabs = re.findall(r'district=\d+"[^>]*>([^<]+?) <b', _text(sup.get("/staff/supervision/")))
    assert dashboard == tabs == ["城关区", "七里河区"]


def test_a_late_district_opens_its_own_dashboard(login, personas, cases):
    """哪里在拖延 names the district; its name leads to that district's dashboard (who is late
    there), which a supervisor reached only by typing ?region= into the address."""
    sup = login(personas["supervisor"])
    text = _text(sup.get("/stats/dashboard/"))
    card = text[text.index("哪里在拖延"):text.index("谁在拖延")]
    assert '<td><a href="?region=620103">七里河区</a></td>' in card
    below = _text(sup.get("/stats/dashboard/", {"region": "620103"}))
    assert "领导驾驶舱 · 七里河区" in below and "兰州市住房和城乡建设局" in below


def test_dashboard_counts_a_case_back_in_the_dispatch_queue_as_no_unit(login, personas, directory, cases, monkeypatch,
                                                                         django_capture_on_commit_callbacks):
    """A case a unit returned past its deadline waits for dispatch (尚未派单): it is no unit. Beneath the
    first units listed it was counted as one, 「另有 1 个单位共 1 件超期未答复」 where no other unit was late."""
    from minsheng.board import actions
    from minsheng.stats import dashboard

    officer = make_user("dx_officer", role="officer", unit=directory["dx_housing"])
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_return(officer, cases["dingxi"], directory["dx_housing"], "不属于本单位职责")
    monkeypatch.setattr(dashboard, "LATE_UNITS", 1)  # 住建局 ×2 listed; the case returned in 定西市 beneath
    admin = login(make_user("root", is_superuser=True, is_staff=True))
    text = _text(admin.get("/stats/dashboard/", {"region": "620000"}))
    card = text[text.index("谁在拖延"):text.index("群众最关心的问题")]
    assert "兰州市住房和城乡建设局" in card and "个单位共" not in card
    # its count links its case (``unit=0``, since 2026-12-07; a bare number before)
    assert re.search(r'<td>尚未派单</td><td><a href="/stats/overdue/\?[^"]*unit=0[^"]*">1</a></td>', card)


def _overdue_rows(client, **params) -> list[tuple[str, str]]:
    """(title, 超期天数 cell) of each row of /stats/overdue/."""
    text = _text(client.get("/stats/overdue/", params))
    return re.findall(r'<td data-label="留言"><a [^>]*>([^<]*)</a>.*?<td data-label="超期天数"[^>]*>(.*?)</td>', text)


def test_overdue_list_says_how_many_working_days_each_case_is_late(login, personas, cases):
    """A supervisor asked 「超期多久了?」 and had to count back from the deadline; the list now says
    it in working days, as the deadline is reckoned (holidays and weekends do not count)."""
    from django.utils import timezone

    from minsheng.board.deadlines import working_days_between

    client = login(personas["supervisor"])
    overdue = cases["overdue"]
    overdue.refresh_from_db()
    days = working_days_between(overdue.open_case.due_at, timezone.now())
    rows = dict(_overdue_rows(client))
    cell = rows[overdue.title]
    assert (f"{days} 个工作日" if days else "不足 1 个工作日") in cell
    assert "超期天数" in _text(client.get("/stats/overdue/"))


def test_overdue_list_sorts_by_days_overdue(login, personas, cases):
    """Most overdue first; 超期天数's heading turns the order round (?dir=asc)."""
    from minsheng.board.models import Message

    client = login(personas["supervisor"])
    first = [title for title, _ in _overdue_rows(client)]
    assert len(first) >= 2
    due = {m.title: m.open_case.due_at for m in Message.objects.filter(title__in=first).select_related("open_case")}
    assert [due[t] for t in first] == sorted(due[t] for t in first)
    assert 'href="?dir=asc" title="按超期天数排序">超期天数 ▼</a>' in _text(client.get("/stats/overdue/"))
    assert [title for title, _ in _overdue_rows(client, dir="asc")] == list(reversed(first))


def test_overdue_list_stacks_each_case_on_a_phone(login, personas, cases):
    """At 390 px the seven columns scrolled inside their box and the deadline took a sideways
    swipe: each row is now a card of labelled cells (staff.css's ``table.cases``, as /staff/supervision/)."""
    text = _text(login(personas["supervisor"]).get("/stats/overdue/"))
    assert '<table class="cases overdue-list">' in text and "css/staff.css" in text
    body = text[text.index("<tbody>"):text.index("</tbody>")]
    cells = re.findall(r"<td[^>]*>", body)
    assert cells and all("data-label=" in c for c in cells)
    assert {"超期天数", "答复期限", "主办单位"} <= set(re.findall(r'data-label="([^"]+)"', body))


def test_dashboard_names_the_late_units_it_does_not_list_each_with_its_cases(login, cases, directory, monkeypatch):
    """「另有 N 个单位共 M 件超期未答复」 led only to the whole overdue list, where a leader could not
    tell which units those were: they are named beneath, each count opening that unit's overdue cases."""
    from minsheng.directory.models import Unit
    from minsheng.stats import dashboard

    monkeypatch.setattr(dashboard, "LATE_UNITS", 1)
    admin = login(make_user("root", is_superuser=True, is_staff=True))
    text = _text(admin.get("/stats/dashboard/", {"region": "620000"}))
    others = text[text.index("另有 1 个单位"):text.index("群众最关心的问题")]
    link = re.search(r'<td>([^<]+)</td><td><a href="(/stats/overdue/\?region=620000&amp;unit=(\d+))">1</a>', others)
    assert link, "the unlisted late unit is named with a link to its overdue cases"
    assert Unit.objects.get(pk=link.group(3)).name == link.group(1) and "定西" in link.group(1)
    listed = _text(admin.get(link.group(2).replace("&amp;", "&")))
    assert "测试留言dingxi" in listed and "测试留言overdue" not in listed


def _scope_line(text: str) -> str:
    """The line under a list's heading that says what the list holds (tags dropped)."""
    line = re.search(r'<p class="muted dots">(.*?)</p>', text, re.S).group(1)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", line)).strip()


def test_overdue_list_says_which_part_of_a_region_topic_and_type_it_holds(login, personas, cases):
    """From 哪里在拖延's 「兰州市本级」 row the overdue list said 「区划: 兰州市」 over the cases filed at
    the city's own level only, and a topic or type in the address was not named at all: a leader
    read a short list as the whole city's. It says what it holds as the list of any number does."""
    from minsheng.directory.models import Region

    client = login(personas["supervisor"])
    own = _text(client.get("/stats/overdue/", {"region": "620100", "own": "1"}))
    assert _scope_line(own).startswith("区划: 兰州市本级 (不含下级)") and "{#" not in own
    whole = _text(client.get("/stats/overdue/", {"region": "620100"}))
    assert "区划: 兰州市 (含下级)" in _scope_line(whole) and "测试留言overdue" in whole
    consult = _text(client.get("/stats/overdue/", {"region": "620100", "kind": "consult", "topic": "urban"}))
    assert "领域: 城乡建设" in _scope_line(consult) and "类型: 咨询" in _scope_line(consult)
    assert "测试留言reopened_open" in consult and "测试留言overdue" not in consult  # a complaint
    # a township has no level below: own=1 lists the township itself, and says so
    Region.objects.create(code="620103001", name="西湖街道", level=4, parent=cases["overdue"].region)
    township = _text(client.get("/stats/overdue/", {"region": "620103001", "own": "1"}))
    assert _scope_line(township).startswith("区划: 西湖街道 (含下级)")
    listed = _text(client.get("/stats/list/", {"region": "620100", "kind": "consult"}))
    assert _scope_line(listed) == "区划: 兰州市 (含下级)类型: 咨询" and "{#" not in listed


def test_dashboard_says_which_days_this_week_and_last_week_are(login, personas, cases):
    """周环比 compared 本周 with 上周 and never said which days they were: the seven days up to
    today, not the calendar week a leader reads on a Monday."""
    import datetime as dt

    from django.utils import timezone

    text = _text(login(personas["supervisor"]).get("/stats/dashboard/"))
    today = timezone.localdate()
    this_from, last_from, last_to = (today - dt.timedelta(days=n) for n in (6, 13, 7))
    card = text[text.index("<h2>周环比</h2>"):text.index("变化最大的领域")]
    days = re.search(r'<p class="muted small week-days">(.*?)</p>', card).group(1)
    assert f"本周: {this_from:%Y-%m-%d} 至 {today:%Y-%m-%d}" in days and f"上周: {last_from:%Y-%m-%d} 至 {last_to:%Y-%m-%d}" in days
    assert "不是自然周" in days


def test_dashboard_links_each_districts_waiting_cases_to_their_list(login, personas, cases):
    """哪里在拖延's 待答复 was the one bare number of the card: it opens the list of exactly those cases."""
    client = login(personas["supervisor"])
    card = _text(client.get("/stats/dashboard/"))
    card = card[card.index("哪里在拖延"):card.index("谁在拖延")]
    rows = re.findall(r'<tr><td>(?:<a [^>]+>)?([^<]+)(?:</a>)?</td><td><a [^>]+>\d+</a></td><td><a [^>]+>\d+</a></td>'
                      r'<td><a href="([^"]+)">(\d+)</a></td></tr>', card)
    assert {name for name, _, _ in rows} == {"城关区", "七里河区"}
    for _, url, count in rows:
        assert "measure=open" in url
        assert f"共 {count} 件" in _text(client.get(url.replace("&amp;", "&")))


def test_supervision_page_says_how_late_each_case_is_as_the_overdue_list_does(login, personas, cases):
    """/staff/supervision/ listed the overdue cases with their deadline alone while /stats/overdue/,
    a click away, said 「N 个工作日」: a supervisor choosing whom to 督办 first counted back by hand."""
    client = login(personas["supervisor"])
    text = _text(client.get("/staff/supervision/"))
    card = text[text.index('id="overdue"'):text.index('id="supervised"')]
    rows = dict(re.findall(r'<td data-label="留言"><a [^>]*>([^<]*)</a>.*?<td data-label="超期天数"[^>]*>(.*?)</td>',
                           card, re.S))
    listed = {title: re.sub(r"<[^>]+>", "", cell) for title, cell in _overdue_rows(client)}
    assert {"测试留言overdue", "测试留言reopened_open"} <= set(rows)
    assert rows["测试留言overdue"] == listed["测试留言overdue"] and "个工作日" in rows["测试留言overdue"]
    assert set(rows) == set(listed)


def test_each_supervision_district_opens_its_overdue_list_with_the_same_count(login, personas, cases):
    """A district's tab on /staff/supervision/ led nowhere else: its cases could not be sorted by
    超期天数 or exported. Its list on /stats/overdue/ holds exactly the tab's count (the own level
    alone for 「…本级」)."""
    client = login(personas["supervisor"])
    tabs = re.findall(r'district=(\d+)"[^>]*>([^<]+?) <b class="late-count">(\d+)</b>',
                      _text(client.get("/staff/supervision/")))
    assert len(tabs) >= 2
    for code, name, count in tabs:
        text = _text(client.get("/staff/supervision/", {"district": code}))
        link = re.search(rf'<a href="([^"]+)">{name}的超期清单 \(可导出\) →</a>', text)
        assert link, name
        listed = _text(client.get(link.group(1).replace("&amp;", "&")))
        assert f"共 {count} 件" in listed, name
    # 全部区划 too: every overdue case of the page, on the list that sorts and exports them (the tab had no link)
    text = _text(client.get("/staff/supervision/"))
    total = re.search(r"超期未答复 \((\d+)\)", text).group(1)
    link = re.search(r'<a href="([^"]+)">全部超期清单 \(可导出\) →</a>', text)
    assert link and f"共 {total} 件" in _text(client.get(link.group(1)))


def _form(text: str) -> str:
    return re.search(r'<form class="stats-filters card"[^>]*>.*?</form>', text).group(0)


def test_overdue_list_has_a_filter_form_of_the_users_regions_kept_as_chosen(login, personas, cases, directory):
    """The overdue list's filters came only from the dashboard's links: a supervisor could not choose
    a district, 本级, a unit, a topic or a type on the page itself."""
    sup = login(personas["supervisor"])
    housing = directory["housing"]
    text = _text(sup.get("/stats/overdue/", {"region": "620100", "own": "1", "unit": housing.pk, "topic": "urban",
                                              "kind": "help", "measure": "overdue_unreplied", "dir": "asc", "page": "2"}))
    form = _form(text)
    assert 'aria-label="筛选超期清单"' in form and "#}" not in text and "endcomment" not in text
    # the regions the supervisor may see (兰州市 and its districts), not 定西市 nor the province
    assert re.findall(r'<option value="(\d{6})"', form) == ["620100", "620102", "620103"]
    assert '<option value="620100" selected>' in form
    assert '<input type="checkbox" name="own" value="1" checked> 本级 (不含下级)</label>' in form
    assert '<label>主办单位 <select name="unit"> <option value="">全部单位</option>' in form
    # kept as chosen, with the count of what it lists (none here: help, urban, 兰州市本级; since 2026-12-07)
    assert f'<option value="{housing.pk}" selected>兰州市住房和城乡建设局 (0 件)</option>' in form
    assert re.search(r'<option value="urban" selected>', form) and '<option value="help" selected>' in form
    # the order and the measure kept, the page not (a new choice starts at its first page)
    assert '<input type="hidden" name="measure" value="overdue_unreplied">' in form
    assert '<input type="hidden" name="dir" value="asc">' in form and 'name="page"' not in form
    # nothing chosen: nothing selected or ticked, the default order and measure not repeated
    form = _form(_text(sup.get("/stats/overdue/")))
    assert " selected>" not in form and " checked>" not in form and 'type="hidden"' not in form



def test_overdue_form_with_benji_ticked_under_all_regions_lists_them_all(login, personas, cases):
    """The form offers 本级 beside 全部区划 (its default): ticked there and sent, the page read
    「无法显示」 (400); it lists every region of the supervisor's and says why 本级 was not applied,
    its export links without it (an export of own=1 alone is refused too)."""
    sup = login(personas["supervisor"])
    everything = _text(sup.get("/stats/overdue/", {"measure": "overdue_unreplied", "dir": "asc"}))
    response = sup.get("/stats/overdue/", {"region": "", "own": "1", "unit": "", "topic": "", "kind": "",
                                          "date_from": "", "date_to": "", "measure": "overdue_unreplied", "dir": "asc"})
    assert response.status_code == 200
    text = _text(response)
    assert "“本级”需要选定一个区划, 以下为全部区划的留言。" in text and "本级 (不含下级)</span>" not in text
    count = re.search(r"共 (\d+) 件", everything).group(1)
    assert f"共 {count} 件" in text and int(count) > 0
    exports = re.findall(r'href="(/stats/export/messages\.(?:csv|xlsx)\?[^"]+)"', response.content.decode())
    assert exports and all("own=" not in url for url in exports)
    assert sup.get(exports[0].replace("&amp;", "&")).status_code == 200

def test_overdue_list_filtered_by_its_form(login, personas, cases, directory):
    sup = login(personas["supervisor"])
    everything = _text(sup.get("/stats/overdue/"))
    assert "测试留言overdue" in everything
    chengguan = _text(sup.get("/stats/overdue/", {"region": "620102", "unit": "", "topic": "", "kind": "",
                                                   "date_from": "", "date_to": ""}))
    assert "测试留言overdue" not in chengguan  # a 七里河区 case
    assert "区划: 城关区 (含下级)" in chengguan
    unit = _text(sup.get("/stats/overdue/", {"unit": directory["housing"].pk}))
    assert "测试留言overdue" in unit and "主办单位: 兰州市住房和城乡建设局" in unit
    # a bad value: the statistics' Chinese notice, 400, never a 500
    for bad in ({"unit": "abc"}, {"region": "999999"}, {"kind": "zzz"}):
        response = sup.get("/stats/overdue/", bad)
        assert response.status_code == 400 and "无法显示" in _text(response), bad
    # a date that is none is left out and said by its box, the list kept (since 2026-12-05, 「无法显示」 before)
    response = sup.get("/stats/overdue/", {"date_from": "2026-13-01"})
    assert response.status_code == 200 and "未按开始日期筛选" in _text(response)
    assert "测试留言overdue" in _text(response)


def test_units_table_links_its_overdue_figures_to_the_overdue_list_for_those_who_oversee_it(
        client, login, personas, cases):
    """/stats/units/ showed a unit's 超期未答复 and 超期从未答复 as bare numbers: a supervisor reading
    「住建局 4」 had no way from the figure to the four cases. For staff who oversee the page's region
    each opens /stats/overdue/ of that unit, holding exactly that many; the public sees bare numbers."""
    sup = login(personas["supervisor"])
    text = _text(sup.get("/stats/units/", {"region": "620100"}))
    links = re.findall(r'<td><a href="(/stats/overdue/\?[^"]+)">(\d+)</a></td>', text)
    assert {"measure=overdue_unreplied" in url for url, _ in links} == {True, False}
    assert any(count != "0" for _, count in links)
    for url, count in links:
        assert f"共 {count} 件" in _text(sup.get(url.replace("&amp;", "&"))), url
    # not to the public, nor for a region the supervisor does not oversee (their list would hold none of it)
    assert "/stats/overdue/?" not in _text(client.get("/stats/units/", {"region": "620100"}))
    assert "/stats/overdue/?" not in _text(sup.get("/stats/units/", {"region": "621100"}))


def test_overdue_list_of_a_region_the_user_does_not_oversee_is_refused_not_empty(login, personas, cases):
    """兰州市's supervisor opening /stats/overdue/?region=621100 read 「共 0 件」, as if 定西市 had nothing late
    (it has a case past its deadline); the dashboard answers such a region 403, so does the list now."""
    sup = login(personas["supervisor"])
    response = sup.get("/stats/overdue/", {"region": "621100"})
    assert response.status_code == 403 and "您无权查看定西市的超期留言" in _text(response)
    # the province holds 兰州市: its cases of the user's are listed, as the note under the heading says
    assert sup.get("/stats/overdue/", {"region": "620000"}).status_code == 200
    assert "共 1 件" in _text(login(personas["dx_dispatcher"]).get("/stats/overdue/", {"region": "621100"}))


def test_a_statistics_list_past_its_last_page_says_which_page_it_shows(client, login, personas, cases):
    """?page=99 of the units table, the overdue list and /stats/list/ showed the last page without a
    word, as if page 99 held it (the public lists say so since views.public.page_of)."""
    units = _text(client.get("/stats/units/", {"region": "620100", "page": 99}))
    assert "第 99 页不存在, 已显示第 1 页" in units and "兰州市住房和城乡建设局" in units
    listed = _text(client.get("/stats/list/", {"measure": "received", "page": 99}))
    assert "第 99 页不存在, 已显示第 1 页" in listed and "测试留言" in listed
    late = _text(login(personas["supervisor"]).get("/stats/overdue/", {"page": 99}))
    assert "第 99 页不存在, 已显示第 1 页" in late and "测试留言overdue" in late
    # above the rows (it was under them, by the pager)
    for html, row in ((units, "兰州市住房和城乡建设局"), (listed, "测试留言"), (late, "测试留言overdue")):
        assert html.index("第 99 页不存在") < html.index("<tbody>") < html.index(row, html.index("<tbody>"))
    assert "页不存在" not in _text(client.get("/stats/units/", {"region": "620100", "page": 1}))


@pytest.mark.parametrize("url", ["/stats/", "/stats/units/"])
def test_a_bad_filter_keeps_the_others_in_the_form(client, directory, url):
    """An unknown code in an edited address: the page says why with the filter form again, holding every
    value it could take, so the reader corrects the one — the error page had only 「返回公开统计」, to every
    filter lost. (A date the scope refuses is left out instead, the page shown: test_mobile_layout.)"""
    response = client.get(url, {"region": "620100", "topic": "nosuchtopic", "unit": "abc"})
    page = _text(response)
    assert response.status_code == 400 and "没有代码为 nosuchtopic 的领域" in page
    assert '<option value="620100" selected>' in page
    assert 'value="nosuchtopic"' not in page and 'name="unit" value="abc"' not in page  # not sent again


def test_the_period_links_choose_the_last_7_days_this_month_and_last_month(client, login, personas, cases,
                                                                          monkeypatch):
    """A supervisor asking on Monday which district was late last week typed both dates by hand: /stats/,
    /stats/units/ and /stats/overdue/ had date boxes alone. Links 近 7 天 (the dashboard's 本周), 本月, 上月 and
    全部时间 set both dates and keep the other filters (and the overdue list's measure), the one shown marked."""
    from urllib.parse import parse_qs, urlsplit

    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a, **k: dt.date(2026, 12, 7))  # a Monday
    want = {"近 7 天": ("2026-12-01", "2026-12-07"), "近 30 天": ("2026-11-08", "2026-12-07"),
            "本月": ("2026-12-01", "2026-12-07"), "上月": ("2026-11-01", "2026-11-30"), "全部时间": (None, None)}

    def links(page):
        nav = re.search(r'<nav class="periods"[^>]*>(.*?)</nav>', page, re.S)[1]
        return {re.sub(r"<[^>]+>", "", label).strip():
                (re.search(r'href="([^"]*)"', attrs)[1].replace("&amp;", "&"), "aria-current" in attrs)
                for attrs, label in re.findall(r"<a ([^>]*)>(.*?)</a>", nav, re.S)}

    page = client.get("/stats/", {"region": "620100", "kind": "complain", "date_from": "2026-11-01",
                                  "date_to": "2026-11-30"}).content.decode()
    got = links(page)
    assert list(got) == list(want)
    for label, (href, current) in got.items():
        query = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
        assert (query.get("date_from"), query.get("date_to")) == want[label]
        assert query["region"] == "620100" and query["kind"] == "complain"
        assert current == (label == "上月")
    # followed, a link shows the figures of exactly its days
    href = got["上月"][0]
    assert client.get("/stats/" + href).status_code == 200
    assert "上月" in links(client.get("/stats/units/", {"region": "620100"}).content.decode())
    sup = login(personas["supervisor"])
    page = sup.get("/stats/overdue/", {"region": "620100", "measure": "overdue_unreplied"}).content.decode()
    href = links(page)["近 7 天"][0]
    assert href.startswith("?") and "measure=overdue_unreplied" in href and "region=620100" in href


def test_a_leaders_office_lists_the_late_cases_its_figures_count(login, directory, cases):
    """兰州市委书记's office (o620100-01) opened /stats/overdue/?region=620100 and read 「共 0 件」 beside
    兰州市's figure of 12 late: it handles no case, and the list kept a unit's to its own cases (walk,
    2026-12-06). It oversees its leader's region as a leader does: the list holds the region's late
    cases as the figures count them, the figure links to it; the export with contact details stays theirs."""
    office = make_user("mayor_office", role="officer", unit=directory["center"], display_name="市长信箱承办人")
    c = login(office)
    figure = int(re.search(r"其中超期未答复 (?:<a [^>]*>)?(\d+)", _text(c.get("/stats/", {"region": "620100"}))).group(1))
    assert figure > 0
    page = _text(c.get("/stats/overdue/", {"region": "620100"}))
    assert f"共 {figure} 件" in page and "测试留言overdue" in page and "测试留言dingxi" not in page
    assert 'href="/stats/overdue/?region=620100' in _text(c.get("/stats/", {"region": "620100"}))
    assert "personal=1" not in page  # contact details: dispatchers, supervisors and admins only
    # a case it neither handles nor received for its leader opens on its public page (the staff page, with the
    # citizen's phone, said 404), its title masked as the public reads it
    from minsheng.board.models import Message

    late = Message.objects.get(title="测试留言overdue")
    assert f'href="/m/{late.public_id}/"' in page and f'href="/staff/case/{late.public_id}/"' not in page
    assert "测试留言dingxi" not in _text(c.get("/stats/overdue/", {"region": "621100"}))  # not its leader's region


def test_a_leaders_office_reads_its_leaders_dashboard(login, directory, cases):
    """The 领导驾驶舱 refused 兰州市委书记's own office 「只有督办人员和领导可以查看驾驶舱」, though it reads the
    region's overdue list for its leader (walk, 2026-12-07). It opens on its leader's region, its late figures
    linked to that list; another region's stays closed, and a unit's officer is still refused."""
    office = make_user("mayor_office", role="officer", unit=directory["center"], display_name="市长信箱承办人")
    c = login(office)
    assert 'href="/stats/dashboard/"' in _text(c.get("/stats/", {"region": "620100"}))
    page = c.get("/stats/dashboard/")
    assert page.status_code == 200
    text = _text(page)
    assert "兰州市" in text and 'href="/stats/overdue/?' in text
    assert c.get("/stats/dashboard/", {"region": "621100"}).status_code == 403


def test_a_late_row_outside_every_province_links_no_longer_list(login, cases):
    """A case filed in a region whose province is not in the directory (a city loaded on its own) counts on the
    whole-country dashboard in a 「其他」 row: no filter lists exactly its cases. Its numbers linked the whole
    country's overdue and open lists, longer than the row; they are bare, as /stats/ shows such a row
    (since 2026-12-07)."""
    from minsheng.board.models import Message
    from minsheng.directory.models import Region
    from minsheng.stats import facts

    orphan = Region.objects.create(code="990100", name="孤立市", level=2, parent=None)
    Message.objects.filter(pk=cases["overdue"].pk).update(region=orphan)
    facts.rebuild()
    admin = login(make_user("root", is_superuser=True, is_staff=True))
    text = _text(admin.get("/stats/dashboard/"))
    card = text[text.index("哪里在拖延"):text.index("谁在拖延")]
    row = re.search(r"<tr><td>其他</td>.*?</tr>", card).group(0)
    assert row == "<tr><td>其他</td><td>1</td><td>1</td><td>1</td></tr>"
    listed = re.findall(r'<a href="(/stats/(?:overdue|list)/[^"]*)">', card)
    assert listed and all("region=" in href for href in listed)  # the provinces' rows still link their own
