# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""The dispatch box's rows carry the machine reading the web 派单队列 shows on each row (预测领域,
类型, 置信度, above the prefill threshold or not), so a dispatch screen need not call
``/staff/cases/{id}/suggestion/`` once per row."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from minsheng.board.models import Message

from .test_api_support import (  # noqa: F401 (fixtures)
    _fresh_rate_limits,
    _media_in_tmp,
    api_key,
    as_persona,
    submit,
)

pytestmark = pytest.mark.django_db


def read_as(message, topic, topic_confidence, kind="complain", kind_confidence=0.9):
    Message.objects.filter(pk=message.pk).update(predicted_topic=topic, topic_confidence=topic_confidence,
                                                 predicted_kind=kind, kind_confidence=kind_confidence,
                                                 classified_at=timezone.now())


def readings(client, **params) -> dict:
    response = client.get("/api/v1/staff/inbox/", {"box": "dispatch", **params})
    assert response.status_code == 200, response.content
    return {m["public_id"]: m["reading"] for m in response.json()["results"]}


def test_the_dispatch_box_gives_each_rows_machine_reading_as_the_queue_page_and_suggestion_do(
        as_persona, personas, directory, login, settings):
    settings.MINSHENG_PREFILL_CONFIDENCE = 0.6
    sure = submit(personas["citizen"], directory, title="小区路灯不亮晚上很黑", topic=None)
    unsure = submit(personas["citizen"], directory, title="小区门口的垃圾很久没人清运", topic=None)
    unread = submit(personas["citizen"], directory, title="小区电梯三个月没有修好", topic=None)
    read_as(sure, directory["topic_build"], 0.87, kind="complain", kind_confidence=0.91)
    read_as(unsure, directory["topic_env"], 0.31, kind="help", kind_confidence=0.4)
    client = as_persona("dispatcher")
    rows = readings(client)
    assert rows[sure.public_id] == {
        "topic": {"id": directory["topic_build"].pk, "code": directory["topic_build"].code,
                  "name": directory["topic_build"].name},
        "topic_confidence": 0.87, "kind": "complain", "kind_label": "投诉", "kind_confidence": 0.91,
        "prefill": True, "kind_prefill": True, "shown": f"预测: {directory['topic_build'].name}"}
    low = rows[unsure.public_id]
    assert (low["topic"]["name"], low["prefill"], low["kind_prefill"]) == (directory["topic_env"].name, False, False)
    assert low["shown"] == f"未分类 (机器猜测: {directory['topic_env'].name}, 置信度低)"
    assert rows[unread.public_id] is None  # not classified (no model, or it failed): nothing to show
    # the same words as the web queue's row, and the same reading as the case's suggestion
    page = login(personas["dispatcher"]).get(reverse("board:triage")).content.decode()
    assert rows[sure.public_id]["shown"] in page and low["shown"] in page
    suggestion = client.get(f"/api/v1/staff/cases/{sure.public_id}/suggestion/").json()
    for key in ("topic_confidence", "kind", "kind_confidence", "prefill", "kind_prefill"):
        assert rows[sure.public_id][key] == suggestion[key]
    assert rows[sure.public_id]["topic"]["code"] == suggestion["topic"]["code"]


def test_the_other_boxes_carry_no_reading(as_persona, personas, directory):
    m = submit(personas["citizen"], directory, title="小区路灯不亮晚上很黑", topic=None)
    read_as(m, directory["topic_build"], 0.87)
    response = as_persona("dispatcher").get("/api/v1/staff/inbox/", {"box": "all"})
    assert [r["reading"] for r in response.json()["results"]] == [None]


def test_the_dispatch_box_reads_its_rows_readings_in_as_many_queries_for_five_as_for_one(
        as_persona, personas, directory, django_assert_max_num_queries):
    client = as_persona("dispatcher")
    first = submit(personas["citizen"], directory, title="小区路灯不亮晚上很黑", topic=None)
    read_as(first, directory["topic_build"], 0.87)
    readings(client)
    with CaptureQueriesContext(connection) as one:
        assert len(readings(client)) == 1
    for n, topic in enumerate(("topic_env", "topic_traffic", "topic_build", "topic_env")):
        m = submit(personas["other_citizen"], directory, title=f"第{n + 2}个小区的路灯不亮晚上很黑", topic=None)
        read_as(m, directory[topic], 0.5 + n / 10)
    with django_assert_max_num_queries(len(one.captured_queries)):
        rows = readings(client)
    assert len(rows) == 5 and all(r["topic"] is not None for r in rows.values())


def test_the_schema_documents_the_reading(as_persona):
    schema = as_persona("dispatcher").get("/api/schema/?format=json").json()
    assert "reading" in schema["components"]["schemas"]["InboxItem"]["properties"]
    reading = schema["components"]["schemas"]["DispatchReading"]["properties"]
    assert {"topic", "topic_confidence", "kind", "kind_label", "kind_confidence", "prefill", "kind_prefill",
            "shown"} <= set(reading)
    assert all(reading[k].get("description") for k in reading)
