"""CSV/XLSX exports: message lists (personal data only for authorised staff, audited),
statistics tables and campaign reports."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import StreamingHttpResponse
from django.utils import timezone
from openpyxl import load_workbook

from minsheng.board.models import Event, Message
from minsheng.stats import figures
from minsheng.stats.models import Campaign

from .test_stats_cases import build_cases


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    # personas are created with passwords; the production hasher costs ~0.5 s each
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cases(directory, personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return build_cases(directory, personas)


def _csv(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


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
    assert rows[0][-3:] == ["留言人", "手机", "邮箱"]
    assert any("13800000001" in r for r in rows[1:])
    in_region = Message.objects.filter(region__code__startswith="6201").count()
    assert len(rows) - 1 == in_region
    event = _exports().get()
    assert event.actor == personas["supervisor"] and event.message is None and event.public is False
    assert event.data["rows"] == in_region and event.data["filters"]["region"] == "620100"


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


def test_statistics_table_exports(client, cases):
    rows = _csv(client.get("/stats/export/table.csv", {"by": "region", "region": "620000"}))
    by_label = {r[0]: r for r in rows[1:]}
    assert rows[0][:3] == ["区划", "受理", "已答复"]
    assert int(by_label["兰州市"][1]) == figures.compute(region="620100")["received"]
    response = client.get("/stats/export/table.xlsx", {"by": "unit"})
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["按办理单位", "合计"]
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
    rows = _csv(client.get("/stats/campaigns/c1/report.csv"))
    assert any(r and r[0] == "按区划" for r in rows)


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
