"""及时签收率 (on-time sign-for rate) beside 按时率, and one tie order for the late units."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from minsheng.board import actions

from .conftest import make_user

BODY = "小区门口的道路坑洼不平, 下雨后积水很深, 老人孩子出行很不方便, 希望尽快修复。"
HOUSING, ECOLOGY = "兰州市住房和城乡建设局", "兰州市生态环境局"


def _text(response) -> str:
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def _late_at(p, d, unit, title: str):
    """A case dispatched to ``unit`` 90 days ago and never answered: 超期未答复 of that unit."""
    at = timezone.now().replace(microsecond=0) - dt.timedelta(days=90)
    m = actions.do_submit(p["citizen"], title=title, body=BODY, kind="help", region=d["qilihe"],
                          topic=d["topic_build"], at=at)
    actions.do_dispatch(p["dispatcher"], m, unit, at=at + dt.timedelta(hours=1))
    return m


def test_units_tied_on_overdue_are_listed_in_one_order_on_the_dashboard_and_the_units_table(
        login, personas, directory, django_capture_on_commit_callbacks):
    """住建局 and 生态环境局 have one overdue case each: the dashboard's 谁在拖延 listed them by unit id,
    /stats/units/ sorted by 超期未答复 in the reverse of its name order — two rankings of one tie. Both
    now break ties by the unit's name, as the table's default order (受理, then name) does."""
    p, d = personas, directory
    with django_capture_on_commit_callbacks(execute=True):
        _late_at(p, d, d["housing"], "楼道灯坏了一个月")
        _late_at(p, d, d["ecology"], "小区门口道路坑洼积水")
    admin = login(make_user("root", is_superuser=True, is_staff=True))
    expected = sorted([HOUSING, ECOLOGY])
    dash = _text(admin.get("/stats/dashboard/", {"region": "620100"}))
    card = dash[dash.index("谁在拖延"):dash.index("群众最关心的问题")]
    assert sorted([HOUSING, ECOLOGY], key=card.index) == expected
    for direction in ("desc", "asc"):
        table = _text(admin.get("/stats/units/", {"region": "620100", "sort": "overdue", "dir": direction}))
        listed = re.findall(r"<td>\d+\. ([^<]+)</td>", table)
        assert [u for u in listed if u in (HOUSING, ECOLOGY)] == expected, (direction, listed)
