"""What a supervisor walking the statistics noticed (2026-12-05): the pages open on their own region as the
dashboard does, the overdue list's export links each case to the page where it is handled, and the list
behind a number keeps its cases when the dates are the wrong way round."""

from __future__ import annotations

import csv
import io
import re

from django.core.management import call_command

from .test_exports import data_rows


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return data_rows(csv.reader(io.StringIO(text)))  # the data, not the 说明 stacked beneath


def _export_links(response) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(r'href="(/stats/export/[^"]*)"', response.content.decode())]


def test_the_statistics_open_on_the_region_of_a_supervisor_as_the_dashboard_does(client, login, personas, cases):
    """A supervisor of 兰州市 opened /stats/ and /stats/units/ on 甘肃省 (the home region) and the dashboard
    on 兰州市. Now each page opens on their region, its export links carry it; ?region= still chooses."""
    for who in ("supervisor", "dispatcher"):
        staff = login(personas[who])
        for path, heading in (("/stats/", "公开统计 · 兰州市"), ("/stats/units/", "办理单位排行 · 兰州市")):
            response = staff.get(path)
            assert response.status_code == 200 and heading in _text(response), (who, path)
            assert '<option value="620100" selected>' in _text(response)
            links = _export_links(response)
            assert links and all("region=620100" in href for href in links), links
            chosen = staff.get(path, {"region": "620000"})  # chosen: the province, as before
            assert heading.replace("兰州市", "甘肃省") in _text(chosen)
            assert all("region=620000" in href for href in _export_links(chosen))
    # the public (and a unit's officer, who oversees no region) keep the home region
    for reader in (client, login(personas["officer"])):
        assert "公开统计 · 甘肃省" in _text(reader.get("/stats/"))
        assert "办理单位排行 · 甘肃省" in _text(reader.get("/stats/units/"))


def test_an_export_link_of_the_landing_page_gives_what_the_page_shows(login, personas, cases):
    """留言清单 CSV under /stats/ had no region and listed the whole directory beside the page's region."""
    sup = login(personas["supervisor"])
    page = sup.get("/stats/")
    shown = int(re.search(r"共 (\d+) 件", _text(sup.get("/stats/list/?region=620100&measure=received"))).group(1))
    messages = next(href for href in _export_links(page) if "messages.csv" in href)
    assert len(_csv(sup.get(messages))) - 1 == shown
    table = next(href for href in _export_links(page) if "table.csv" in href and "by=region" in href)
    rows = _csv(sup.get(table))
    assert any(row[0] == "七里河区" for row in rows) and not any(row[0] == "定西市" for row in rows)


def test_the_overdue_exports_link_each_case_to_its_staff_page(login, personas, cases, settings, capsys):
    """A district receiving the overdue list opened each case's public page (/m/<id>/), where neither 督办 nor
    an answer is: both exports of the list (with and without contact details, staff alone may take either)
    now link to the staff case page, absolute. The public exports keep the public page."""
    sup = login(personas["supervisor"])
    for personal in ({}, {"personal": "1"}):
        rows = _csv(sup.get("/stats/export/messages.csv", {"region": "620100", "measure": "overdue", **personal}))
        link = rows[0].index("链接")
        assert len(rows) > 1
        assert all(row[link] == f"http://testserver/staff/case/{row[0]}/" for row in rows[1:]), rows
        case = sup.get(rows[1][link].removeprefix("http://testserver"))
        assert case.status_code == 200
    public = _csv(sup.get("/stats/export/messages.csv", {"region": "620100", "measure": "received"}))
    link = public[0].index("链接")
    assert all(row[link] == f"http://testserver/m/{row[0]}/" for row in public[1:])
    settings.MINSHENG_SITE_URL = "https://12345.example.gov.cn"
    call_command("export_stats", "messages", "--measure", "overdue", "--region", "620100")
    rows = data_rows(csv.reader(io.StringIO(capsys.readouterr().out)))
    link = rows[0].index("链接")
    assert all(row[link] == f"https://12345.example.gov.cn/staff/case/{row[0]}/" for row in rows[1:] if row)


def test_the_list_with_its_dates_the_wrong_way_round_keeps_the_list(client, cases):
    """/stats/list/ with 从 after 至 answered 「无法显示」; it lists the messages now, without the date refused,
    and says so, as /stats/overdue/ does; its export links leave that date out."""
    whole = _text(client.get("/stats/list/", {"region": "620100", "measure": "received"}))
    count = re.search(r"共 (\d+) 件", whole).group(1)
    response = client.get("/stats/list/", {"region": "620100", "measure": "received",
                                           "date_from": "2000-01-01", "date_to": "1999-01-01"})
    assert response.status_code == 200
    text = _text(response)
    assert "开始日期晚于结束日期, 未按结束日期筛选" in text and "1999-01-01" in text
    assert f"共 {count} 件" in text and int(count)
    links = _export_links(response)
    assert links and not [href for href in links if "1999" in href]
    assert client.get(links[0]).status_code == 200
    bad = client.get("/stats/list/", {"region": "620100", "date_from": "zzz"})
    assert bad.status_code == 200 and f"共 {count} 件" in _text(bad)
    assert client.get("/stats/list/", {"region": "999999"}).status_code == 400  # another bad filter: as before
