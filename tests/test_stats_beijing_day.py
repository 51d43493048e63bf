"""A message submitted at 23:30 Beijing time on a Sunday (15:30 UTC) counts on that Sunday, and one at
00:30 on Monday (still Sunday in UTC) on the Monday: on the pages' figures, the API, the list export and
``minsheng export-stats``, whichever database (the supervisor's week ends on Sunday night)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.core.management import call_command

from minsheng.board.models import Message
from minsheng.stats import facts, figures

from .test_exports import data_rows
from .test_public_pages import replied, submit

SUNDAY, MONDAY = dt.date(2026, 11, 29), dt.date(2026, 11, 30)


def test_a_message_sent_late_on_sunday_evening_counts_on_sunday(client, login, directory, personas, capsys):
    made = {}
    for title, utc in (("周日深夜提交的留言", dt.datetime(2026, 11, 29, 15, 30, tzinfo=dt.UTC)),
                       ("周一凌晨提交的留言", dt.datetime(2026, 11, 29, 16, 30, tzinfo=dt.UTC))):
        m = submit(personas["citizen"], directory, title=title)
        Message.objects.filter(pk=m.pk).update(submitted_at=utc)
        m.refresh_from_db()
        made[title] = replied(personas, directory, m).public_id
    facts.refresh_messages(Message.objects.values_list("pk", flat=True))
    sup = login(personas["supervisor"])
    for day, title in ((SUNDAY, "周日深夜提交的留言"), (MONDAY, "周一凌晨提交的留言")):
        period = {"date_from": day.isoformat(), "date_to": day.isoformat()}
        assert figures.compute(**period)["received"] == 1
        assert client.get("/api/v1/statistics/", period).json()["received"] == 1
        assert [m["public_id"] for m in client.get("/api/v1/messages/", period).json()["results"]] == [made[title]]
        web = b"".join(sup.get("/stats/export/messages.csv", {**period, "region": "620100"}).streaming_content)
        assert [r[0] for r in data_rows(csv.reader(io.StringIO(web.decode("utf-8-sig"))))][1:] == [made[title]]
        call_command("export_stats", "messages", "--from", day.isoformat(), "--to", day.isoformat())
        assert [r[0] for r in data_rows(csv.reader(io.StringIO(capsys.readouterr().out)))][1:] == [made[title]]
    facts.rebuild()  # the set-based rebuild (PostgreSQL) reads the day as the incremental refresh does
    assert figures.compute(date_from=SUNDAY, date_to=SUNDAY)["received"] == 1
