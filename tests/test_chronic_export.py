"""/chronic/ (老大难) exports what it lists as CSV (2026-12-07): the same tabs and region, the columns a supervisor
forwards to the units, for supervisors alone as the page."""

from __future__ import annotations

import pytest
from django.utils import timezone

from minsheng.insight.models import Hotspot

from .test_exports import _csv
from .test_hotspot_pages import chronic_hotspot  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db
HEADER = [
    "问题描述",
    "区划",
    "首次留言时间",
    "最近留言时间",
    "留言数",
    "未解决/不满意数",
    "涉及单位",
    "标记",
    "链接",
]


def moment(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")


def test_the_export_holds_what_the_list_shows_with_a_link_to_each(login, personas, chronic_hotspot):  # noqa: F811
    page = login(personas["supervisor"]).get("/chronic/").content.decode()
    assert 'href="/chronic/export.csv"' in page
    rows = _csv(login(personas["supervisor"]).get("/chronic/export.csv"))
    assert rows[0] == HEADER
    h = Hotspot.objects.select_related("region").get(pk=chronic_hotspot.pk)
    row = dict(zip(HEADER, rows[1], strict=True))
    assert len(rows) == 2 and row == {
        "问题描述": h.title,
        "区划": h.region.name,
        "首次留言时间": moment(h.first_at),
        "最近留言时间": moment(h.last_at),
        "留言数": "3",
        "未解决/不满意数": "3",
        "涉及单位": "、".join(h.units),
        "标记": "老大难、需多部门协调",
        "链接": f"http://testserver/hotspots/{h.pk}/",
    }


def test_the_export_keeps_the_tab_and_the_region_of_the_list(login, personas, chronic_hotspot):  # noqa: F811
    Hotspot.objects.filter(pk=chronic_hotspot.pk).update(chronic=False)
    sup = login(personas["supervisor"])
    listed = sup.get("/chronic/", {"show": "coordination", "region": "620102"}).content.decode()
    assert 'href="/chronic/export.csv?show=coordination&amp;region=620102"' in listed
    assert (
        len(_csv(sup.get("/chronic/export.csv", {"show": "chronic"}))) == 1
    )  # the header alone: none 老大难
    coordination = _csv(sup.get("/chronic/export.csv", {"show": "coordination", "region": "620102"}))
    assert [r[0] for r in coordination[1:]] == [chronic_hotspot.title] and coordination[1][
        7
    ] == "需多部门协调"
    refused = sup.get("/chronic/export.csv", {"region": "621100"})
    assert refused.status_code == 403 and "您不督办" in refused.content.decode()
    assert sup.get("/chronic/export.csv", {"region": "999999"}).status_code == 400


def test_the_export_is_the_supervisors_alone_as_the_page(client, login, personas, chronic_hotspot):  # noqa: F811
    assert client.get("/chronic/export.csv").status_code == 302
    for who in ("citizen", "officer", "dispatcher"):
        response = login(personas[who]).get("/chronic/export.csv")
        assert response.status_code == 403 and chronic_hotspot.title not in response.content.decode(), who
