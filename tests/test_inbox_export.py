"""「导出」 on 本单位待办 (2026-12-05): an officer or unit head takes the unit's cases, as the inbox lists
them (its tab, filters and search, every page), to a spreadsheet for the Monday meeting. Before, the only
route was /stats/list/?measure=open, which ignored the tab, filters and search and had no 承办人 or 签收."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from minsheng.board import actions
from minsheng.board.views import staff

from .conftest import make_user
from .test_staff_qa import LONG_AGO, dispatch, row_titles, text

pytestmark = pytest.mark.django_db

HEADER = ["编号", "标题", "留言时间", "区划", "领域", "单位", "本单位角色", "签收时间", "承办人", "签收期限", "答复期限",
          "剩余/超期工作日", "状态", "督办", "督办次数", "最近督办时间"]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # Excel reads the Chinese as UTF-8 only with the BOM
    return list(csv.reader(io.StringIO(body[1:])))


def xlsx_sheet(response):
    from openpyxl import load_workbook

    assert response.status_code == 200, response.content[:300]
    return load_workbook(io.BytesIO(response.content)).active


def inbox_titles(client, params: dict, pages: int) -> list[str]:
    """The titles the inbox lists under ``params``, page after page."""
    titles = []
    for page in range(1, pages + 1):
        titles += row_titles(text(client.get(reverse("board:inbox"), {**params, "page": page})))
    return titles


def test_the_export_holds_the_rows_of_the_tab_its_filters_and_search_on_every_page(personas, directory, login,
                                                                                  monkeypatch):
    monkeypatch.setattr(staff, "PAGE_SIZE", 2)  # the tab's rows on two pages: the export has them all
    late = [dispatch(personas, directory, f"电梯加装超期{n}", at=LONG_AGO) for n in range(3)]
    dispatch(personas, directory, "路灯超期未修", at=LONG_AGO)  # overdue, but not what the search finds
    dispatch(personas, directory, "电梯加装刚派来")  # found, but not overdue
    other = actions.do_submit(personas["other_citizen"], title="电梯加装生态局的", body="电梯噪声很大, 请尽快处理。",
                              kind="complain", region=directory["qilihe"], topic=directory["topic_env"])
    actions.do_dispatch(personas["dispatcher"], other, directory["ecology"], at=LONG_AGO)  # another unit's
    client = login(personas["officer"])
    params = {"tab": "overdue", "q": "电梯加装"}
    listed = inbox_titles(client, params, pages=2)
    assert sorted(listed) == sorted(m.title for m in late)
    rows = csv_rows(client.get(reverse("board:inbox_export", args=["csv"]), params))
    assert rows[0] == HEADER
    assert [row[1] for row in rows[1:]] == listed  # the inbox's rows, in its order
    assert other.title not in {row[1] for row in rows}
    row = dict(zip(HEADER, rows[1], strict=True))
    assert row["编号"] in {m.public_id for m in late}
    assert row["区划"] == "七里河区" and row["领域"] == "城乡建设" and row["本单位角色"] == "主办"
    assert row["单位"] == directory["housing"].name  # which of their units holds it (an admin, a head of two)
    assert row["承办人"] == "未指派" and row["签收时间"] == ""
    assert row["剩余/超期工作日"].startswith("已超期")
    assert "待签收" in row["状态"]
    # the same rows in Excel, its header readable
    sheet = xlsx_sheet(client.get(reverse("board:inbox_export", args=["xlsx"]), params))
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert list(values[0]) == HEADER
    assert [r[1] for r in values[1:]] == listed


def test_the_export_says_who_handles_signed_assisting_and_supervised_cases(personas, directory, login):
    head = make_user("head", role="head", unit=directory["housing"], display_name="住建局李局长")
    signed = dispatch(personas, directory, "已签收的电梯留言")
    actions.do_sign(personas["officer"], signed, directory["housing"])
    actions.do_assign_handler(head, signed, directory["housing"], personas["officer"])
    actions.do_supervise(personas["supervisor"], signed, "请加快办理")
    assisted = actions.do_submit(personas["citizen"], title="协办的噪声留言", body="搅拌站夜间噪声, 请尽快处理。",
                                 kind="complain", region=directory["qilihe"], topic=directory["topic_env"])
    actions.do_dispatch(personas["dispatcher"], assisted, directory["ecology"], assists=[directory["housing"]])
    client = login(head)
    rows = {r[1]: dict(zip(HEADER, r, strict=True))
            for r in csv_rows(client.get(reverse("board:inbox_export", args=["csv"])))[1:]}
    assert set(rows) == {signed.title}  # 待办(主办): the lead cases
    row = rows[signed.title]
    assert row["承办人"] == "住建局张科长" and row["签收时间"] and row["督办"] == "已督办"
    assert "已签收" in row["状态"]
    assist = csv_rows(client.get(reverse("board:inbox_export", args=["csv"]), {"tab": "assist"}))[1:]
    assert [(r[1], r[HEADER.index("本单位角色")]) for r in assist] == [(assisted.title, "协办")]


def test_a_title_a_spreadsheet_would_run_as_a_formula_is_plain_text(personas, directory, login):
    m = dispatch(personas, directory, "=HYPERLINK(\"http://evil.example\",\"电梯\")")
    client = login(personas["officer"])
    rows = csv_rows(client.get(reverse("board:inbox_export", args=["csv"])))
    assert rows[1][1] == "'" + m.title
    sheet = xlsx_sheet(client.get(reverse("board:inbox_export", args=["xlsx"])))
    cell = sheet.cell(row=2, column=2)
    assert cell.value == m.title and cell.data_type == "s"


def test_no_other_units_case_and_only_staff(personas, directory, login, client):
    dispatch(personas, directory, "住建局的电梯留言")
    rows = csv_rows(login(personas["other_officer"]).get(reverse("board:inbox_export", args=["csv"])))
    assert rows == [HEADER]
    # ?unit= of a unit not theirs is ignored, as the inbox ignores it
    rows = csv_rows(login(personas["other_officer"]).get(reverse("board:inbox_export", args=["csv"]),
                                                         {"unit": directory["housing"].pk}))
    assert rows == [HEADER]
    assert login(personas["citizen"]).get(reverse("board:inbox_export", args=["csv"])).status_code == 403
    assert client.get(reverse("board:inbox_export", args=["csv"])).status_code == 302  # to sign in
    assert login(personas["officer"]).get(reverse("board:inbox_export", args=["pdf"])).status_code == 404


def test_the_inbox_offers_the_export_of_what_it_lists(personas, directory, login):
    dispatch(personas, directory, "电梯加装留言")
    page = text(login(personas["officer"]).get(reverse("board:inbox"), {"tab": "new", "q": "电梯"}))
    csv_url = reverse("board:inbox_export", args=["csv"])
    assert f'href="{csv_url}?tab=new&amp;q=%E7%94%B5%E6%A2%AF"' in page
    assert "导出 CSV" in page and "导出 Excel" in page


def test_a_huge_export_is_refused_with_a_clear_message(personas, directory, login, monkeypatch):
    monkeypatch.setattr(staff, "INBOX_EXPORT_MAX", 2)
    for n in range(3):
        dispatch(personas, directory, f"电梯留言{n}")
    client = login(personas["officer"])
    response = client.get(reverse("board:inbox_export", args=["xlsx"]), {"tab": "new"}, follow=True)
    page = text(response)
    assert response.redirect_chain[-1][0] == reverse("board:inbox") + "?tab=new"
    assert "共 3 条, 超过导出上限 2 条" in page
    # within the limit, the export is given
    assert len(csv_rows(client.get(reverse("board:inbox_export", args=["csv"]), {"q": "电梯留言1"}))) == 2


def test_an_export_with_a_refused_filter_exports_nothing_and_says_why(personas, directory, login):
    """The inbox page lists every case under a 承办人 filter it cannot take, and says so; the export wrote
    the whole tab to the file, which says nothing of it."""
    dispatch(personas, directory, "电梯留言")
    client = login(personas["officer"])
    response = client.get(reverse("board:inbox_export", args=["csv"]), {"tab": "new", "handler": "nobody"}, follow=True)
    assert response["Content-Type"].startswith("text/html")
    assert response.redirect_chain[-1][0].startswith(reverse("board:inbox") + "?tab=new")
    assert "未导出" in text(response)


def test_the_export_reads_a_bounded_number_of_queries(personas, directory, login):
    head = make_user("head", role="head", unit=directory["housing"], display_name="住建局李局长")
    client = login(head)

    def queries(n):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            rows = csv_rows(client.get(reverse("board:inbox_export", args=["csv"]), {"handler": "none"}))
        assert len(rows) == n + 1
        return len(captured)

    for n in range(2):
        dispatch(personas, directory, f"电梯留言{n}")
    few = queries(2)
    for n in range(2, 12):
        m = dispatch(personas, directory, f"电梯留言{n}")
        if n % 2:
            actions.do_supervise(personas["supervisor"], m, "请加快办理")
    assert queries(12) == few
    assert few <= 8  # the roles, the handler filter, the count and one read of the rows: 5 on 2026-12-05
