"""机器阅读表现: how often the machine's readings are the ones cases were dispatched
under, on the workbench page and the API, within the reader's regions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from minsheng.board import actions
from minsheng.board.models import Event, Message
from minsheng.insight import tasks

URL = "/staff/reading/"
API = "/api/v1/staff/reading/"


def read(personas, directory, *, predicted, confidence, kind="complain", predicted_kind="complain",
         region="lanzhou", topic=None) -> Message:
    m = actions.do_submit(personas["citizen"], title="小区门口道路破损", body="小区门口道路破损多年无人修",
                          kind=kind, region=directory[region], topic=directory[topic] if topic else None)
    Message.objects.filter(pk=m.pk).update(predicted_topic=directory[predicted], topic_confidence=confidence,
                                           predicted_kind=predicted_kind, kind_confidence=0.9,
                                           classified_at=timezone.now())
    m.refresh_from_db()
    return m


@pytest.fixture
def dispatched(personas, directory, settings, tmp_path):
    """Four read messages in 兰州市 dispatched in the last days, one in 定西市."""
    settings.MINSHENG_MODEL_DIR = tmp_path  # no models
    tasks.forget_models()
    d, who = directory, personas["dispatcher"]
    sure = read(personas, d, predicted="topic_build", confidence=0.9)
    actions.do_dispatch(who, sure, d["housing"], topic=d["topic_build"], kind="complain")
    unsure = read(personas, d, predicted="topic_traffic", confidence=0.3, predicted_kind="consult")
    actions.do_dispatch(who, unsure, d["housing"], topic=d["topic_build"], kind="complain")
    wrong_but_sure = read(personas, d, predicted="topic_build", confidence=0.8)
    actions.do_dispatch(who, wrong_but_sure, d["ecology"], topic=d["topic_env"], kind="complain")
    auto = read(personas, d, predicted="topic_env", confidence=0.95)
    actions.do_dispatch(None, auto, d["ecology"], topic=d["topic_env"])  # automatic dispatch
    actions.do_return(personas["other_officer"], auto, d["ecology"], "不属于本单位职责")
    far = read(personas, d, predicted="topic_traffic", confidence=0.9, region="dingxi")
    actions.do_dispatch(personas["dx_dispatcher"], far, d["dx_housing"], topic=d["topic_build"], kind="complain")
    old = read(personas, d, predicted="topic_traffic", confidence=0.9)
    actions.do_dispatch(who, old, d["housing"], topic=d["topic_build"], kind="complain",
                        at=timezone.now() - dt.timedelta(days=40))
    unread = actions.do_submit(personas["citizen"], title="公交站", body="公交站太远", kind="complain",
                               region=d["lanzhou"])
    Message.objects.filter(pk=unread.pk).update(classified_at=None)
    yield
    tasks.forget_models()


@pytest.mark.django_db
def test_the_page_shows_agreement_split_by_prefill(dispatched, personas, login):
    page = login(personas["dispatcher"]).get(URL).content.decode()
    # 城乡建设 ×2 (one read right), 环境保护 ×2 (one read right): 2 of 4; the 定西 case and the
    # 40-day-old one are outside the scope / period
    assert "领域 (全部)</td><td data-label=\"件数\">4</td><td data-label=\"与派单一致\">50.0%" in page
    assert "已预填)</td><td data-label=\"件数\">3</td><td data-label=\"与派单一致\">66.7%" in page
    assert "未预填)</td><td data-label=\"件数\">1</td><td data-label=\"与派单一致\">0.0%" in page
    assert "类型</td><td data-label=\"件数\">4</td><td data-label=\"与派单一致\">75.0%" in page
    assert "自动派单 1 件, 其中 1 件随后被转办或退回" in page
    assert "1 件新留言未能自动分类" in page
    # per topic: 环境保护 was read as 城乡建设 once; 城乡建设 as 交通运输 once
    row = page[page.index("<td data-label=\"派单领域\">环境保护"):]
    assert "1 (50.0%)" in row[:400] and "城乡建设 1 件" in row[:600]
    assert "未加载" in page and "机器阅读" in page


@pytest.mark.django_db
def test_a_longer_period_counts_older_dispatches(dispatched, personas, login):
    page = login(personas["dispatcher"]).get(URL + "?days=90").content.decode()
    assert "领域 (全部)</td><td data-label=\"件数\">5</td>" in page
    bad = login(personas["dispatcher"]).get(URL + "?days=abc").content.decode()  # falls back to 30 days
    assert "近 30 天 (" in bad


@pytest.mark.django_db
def test_the_api_gives_the_same_figures_to_the_regions_in_scope(dispatched, personas):
    api = APIClient()
    api.force_authenticate(personas["dispatcher"])
    data = api.get(API).json()
    assert data["topic"] == {"n": 4, "agree": 2, "rate": 0.5} and data["kind"]["rate"] == 0.75
    assert data["topic_sure"]["n"] == 3 and data["auto_dispatched"] == 1 and data["auto_rerouted"] == 1
    env = next(t for t in data["topics"] if t["name"] == "环境保护")
    assert env["n"] == 2 and env["recall"] == 0.5 and env["precision"] == 1.0
    assert env["confused_with"] == [["城乡建设", 1]]
    assert [m["loaded"] for m in data["models"]] == [False, False, False]
    api.force_authenticate(personas["dx_dispatcher"])
    assert api.get(API).json()["topic"] == {"n": 1, "agree": 0, "rate": 0.0}
    r = api.get(API + "?days=5")
    assert r.status_code == 400 and "days" in r.json()["error"]["fields"]


@pytest.mark.django_db
def test_only_dispatchers_and_supervisors_see_it(dispatched, personas, login):
    assert login(personas["supervisor"]).get(URL).status_code == 200
    r = login(personas["citizen"]).get(URL)
    assert r.status_code == 403 and "只有派单和督办人员" in r.content.decode()
    assert login(personas["officer"]).get(URL).status_code == 403
    from django.test import Client

    r = Client().get(URL)
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    api = APIClient()
    api.force_authenticate(personas["officer"])
    assert api.get(API).status_code == 403
    officer_nav = login(personas["officer"]).get("/staff/").content.decode()
    assert URL not in officer_nav
    assert URL in login(personas["dispatcher"]).get("/staff/triage/").content.decode()


@pytest.mark.django_db
def test_a_kept_citizen_topic_is_a_correction_of_the_machine(personas, directory):
    """The citizen chose 城乡建设, the machine read 交通运输, the dispatcher kept 城乡建设:
    the machine was corrected even though the message's topic did not change."""
    m = read(personas, directory, predicted="topic_traffic", confidence=0.4, topic="topic_build")
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"], topic=directory["topic_build"],
                        kind="complain")
    corrected = Event.objects.get(message=m, kind=Event.Kind.CORRECTED)
    assert corrected.data["topic"] == [directory["topic_traffic"].pk, directory["topic_build"].pk]


@pytest.mark.django_db
def test_the_served_models_describe_themselves(personas, directory, settings, tmp_path, login):
    from minsheng.insight import classify
    from tests.test_classify import make_rows

    rows = make_rows(seed=5)
    model = classify.train([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])
    model.save(tmp_path / "topic")
    settings.MINSHENG_MODEL_DIR = tmp_path
    tasks.forget_models()
    try:
        page = login(personas["supervisor"]).get(URL).content.decode()
    finally:
        tasks.forget_models()
    row = page[page.index('<td data-label="模型">领域</td>'):]
    row = row[:row.index("</tr>")]
    f1 = model.meta["evaluation"]["holdout_20pct"]["macro_f1"]
    assert f'<td data-label="标签数">{len(model.labels)}</td>' in row and f"{f1:.4f}" in row
    assert f'<td data-label="训练行数">{len(rows)}</td>' in row and model.meta["fingerprint"][:12] in row
    assert timezone.localtime(dt.datetime.fromisoformat(model.meta["created_at"])).strftime("%Y-%m-%d %H:%M") in row
    assert page.count("未加载") == 2  # type and unit
