"""按时率 with its misses wherever the statistics show it with counts (since 2026-12-07). The dashboard's 谁在拖延 and
the boards linked 「误期 N 件」 to /stats/list/?measure=missed from 2026-12-06; /stats/'s and the campaign pages'
tables, the dashboard's 各地区, /stats/units/ and the figure tiles of /stats/, the dashboard and a campaign still
showed 按时率 alone: a supervisor read 「七里河区 按时率 0.0%」 and could not click through to the late cases. Each
误期 number shown now opens a list of as many rows; a row without misses shows its counts and no 误期 link."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from minsheng.board import actions

from .conftest import make_user

pytestmark = pytest.mark.django_db

BODY = "小区门口的道路坑洼不平, 下雨后积水很深, 老人孩子出行很不方便, 希望尽快修复。"
MISSED = r'误期 <a href="([^"]+)">(\d+)</a> 件'


@pytest.fixture
def late(personas, directory, django_capture_on_commit_callbacks):
    """Four weeks ago, in 七里河区 (城乡建设, 求助): 住建局 gives one case back past its 10 working days (a miss for good)
    and holds another unanswered past them (a miss now). In 城关区 (交通运输, 咨询) 交通运输局 answers one case on time:
    a region, a topic, a type and a unit whose 按时率 has counts and no miss."""
    p, d = personas, directory
    transport = make_user("tr_officer", role="officer", unit=d["transport"])
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(days=28)
    day = dt.timedelta(days=1)

    def signed(title, unit, officer, region, topic, kind):
        m = actions.do_submit(p["citizen"], title=title, body=BODY, kind=kind, region=d[region], topic=d[topic], at=t0)
        actions.do_dispatch(p["dispatcher"], m, d[unit], at=t0 + dt.timedelta(hours=1))
        actions.do_sign(officer, m, d[unit], at=t0 + day)
        return m

    with django_capture_on_commit_callbacks(execute=True):
        returned = signed("楼道灯坏了一个月", "housing", p["officer"], "qilihe", "topic_build", "help")
        actions.do_return(p["officer"], returned, d["housing"], "不属本单位职责", at=t0 + 20 * day)
        signed("路灯不亮影响夜间出行", "housing", p["officer"], "qilihe", "topic_build", "help")
        answered = signed("公交站台何时修好", "transport", transport, "chengguan", "topic_traffic", "consult")
        actions.do_reply(transport, answered, d["transport"], "站台已修复, 感谢监督。", at=t0 + 2 * day)


def _text(response) -> str:
    assert response.status_code == 200, response.content.decode()[:500]
    return response.content.decode()


def _listed(client, href: str) -> int:
    listed = _text(client.get(href.replace("&amp;", "&")))
    return int(re.search(r'误期未答复留言 <small class="muted">共 (\d+) 件</small>', listed).group(1))


def _on_time_cells(html: str, heading: str) -> dict[str, str]:
    """label -> the 按时率 cell (HTML) of each row of the table under the card headed ``heading`` (stats/_table.html)."""
    card = html[html.index(f"<h2>{heading}"):]
    table = card[card.index("<table"):card.index("</table>")]
    header = [re.sub(r"<[^>]+>", "", h) for h in re.findall(r"<th>(.*?)</th>", table, re.S)]
    column = header.index("按时率")
    out = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table[table.index("<tbody>"):], re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if len(cells) > column:
            out[re.sub(r"<[^>]+>", "", cells[0]).strip()] = cells[column]
    return out


def _check_cells(client, cells: dict[str, str], missed_labels: set[str], clean_labels: set[str]) -> None:
    """Each cell reads 「rate (按时/(已答复 + 误期) 件, 误期 N 件)」, N a link to a list of N rows; the rows named in
    ``clean_labels`` have counts and no 误期 (no link to an empty list)."""
    for label in missed_labels:
        cell = cells[label]
        assert re.fullmatch(r'[\d.]+% <span class="muted">\(\d+/\d+ 件, ' + MISSED + r"\)</span>", cell.strip()), cell
        href, shown = re.search(MISSED, cell).groups()
        assert "measure=missed" in href
        assert int(shown) >= 1 and _listed(client, href) == int(shown), (label, cell)
    for label in clean_labels:
        cell = cells[label]
        assert re.fullmatch(r'[\d.]+% <span class="muted">\((\d+)/\1 件\)</span>', cell.strip()), (label, cell)


def test_the_stats_tables_link_each_rows_misses_behind_its_on_time_rate(client, personas, directory, late):
    """/stats/'s four tables: each row's 按时率 with its counts and its misses, the number as many as its list."""
    page = _text(client.get("/stats/", {"region": "620100"}))
    _check_cells(client, _on_time_cells(page, "按区划"), {"七里河区"}, {"城关区"})
    _check_cells(client, _on_time_cells(page, "按领域"), {"城乡建设"}, {"交通运输"})
    _check_cells(client, _on_time_cells(page, "按留言类型"), {"求助"}, {"咨询"})
    months = _on_time_cells(page, "按月份")
    assert sum(len(re.findall(MISSED, c)) for c in months.values()) >= 1
    _check_cells(client, months, {label for label, cell in months.items() if "误期" in cell}, set())


def test_the_figure_tiles_link_the_misses_behind_their_on_time_rate(client, login, personas, directory, late):
    """/stats/, the dashboard (its 30 days) and a campaign's page: the 按时率 tile says 「误期 N 件」, N opening its list;
    the tile's rate still opens the cases answered on time, its link named 「… 按时率」 (a list of links read it as
    a bare 「50.0%」)."""
    from minsheng.stats.models import Campaign

    today = timezone.localdate()
    campaign = Campaign.objects.create(slug="roads", name="道路整治", start=today - dt.timedelta(days=60), end=today)
    campaign.topics.add(directory["topic_build"])
    sup = login(personas["supervisor"])
    for viewer, path, params in ((client, "/stats/", {"region": "620100"}), (sup, "/stats/dashboard/", {"region": "620100"}),
                                 (client, "/stats/campaigns/roads/", {})):
        page = _text(viewer.get(path, params))
        tile = re.search(r'<div class="figure figure-links"><a class="value" href="([^"]+)">[\d.]+%'
                         r'<span class="visually-hidden"> 按时率</span></a>'
                         r'<span class="name">按时率 \((\d+) 件按时, ' + MISSED + r"\)</span></div>", page)
        assert tile, path
        on_time, href, shown = tile.group(1), tile.group(3), int(tile.group(4))
        assert shown == 2 == _listed(viewer, href), path
        assert "measure=on_time" in on_time


def test_the_dashboards_regions_table_links_each_regions_misses(login, personas, directory, late):
    sup = login(personas["supervisor"])
    page = _text(sup.get("/stats/dashboard/", {"region": "620100"}))
    cells = _on_time_cells(page, "各地区")
    _check_cells(sup, cells, {"七里河区"}, {"城关区"})
    href = re.search(MISSED, cells["七里河区"]).group(1)
    assert "date_from=" in href and "date_to=" in href  # the card's 30 days


def test_the_campaign_tables_link_the_misses_of_each_row(client, personas, directory, late):
    from minsheng.stats.models import Campaign

    today = timezone.localdate()
    Campaign.objects.create(slug="all", name="全市留言", start=today - dt.timedelta(days=60), end=today)
    page = _text(client.get("/stats/campaigns/all/"))
    _check_cells(client, _on_time_cells(page, "按办理单位"), {"兰州市住房和城乡建设局"}, {"兰州市交通运输局"})
    _check_cells(client, _on_time_cells(page, "按区划"), {"甘肃省"}, set())


def test_the_units_table_shows_what_each_on_time_rate_is_made_of(client, personas, directory, late):
    """/stats/units/: 按时率 with 按时 / (已答复 + 误期未答复), beside the 误期未答复 column that links the misses."""
    page = _text(client.get("/stats/units/", {"region": "620100"}))
    rows = {}
    for row in re.findall(r"<tr>\s*<td>\d+\. (.*?)</tr>", page, re.S):
        label = row[:row.index("</td>")]
        rows[label] = re.findall(r"<td>(.*?)</td>", row, re.S)
    assert rows["兰州市住房和城乡建设局"][3].strip() == '0.0% <span class="muted">(0/2 件)</span>'
    missed = re.fullmatch(r'<a href="([^"]+)">(\d+)</a>', rows["兰州市住房和城乡建设局"][4].strip())
    assert int(missed.group(2)) == 2 == _listed(client, missed.group(1))
    assert rows["兰州市交通运输局"][3].strip() == '100.0% <span class="muted">(1/1 件)</span>'
