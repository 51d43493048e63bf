"""机器阅读表现: how often the machine's readings are the ones cases were dispatched
under, on the workbench page and the API, within the reader's regions."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from minsheng.board import actions
from minsheng.board.models import Event, Message
from minsheng.insight import tasks

URL = "/staff/reading/"
API = "/api/v1/staff/reading/"


def read(personas, directory, *, predicted, confidence, kind="complain", predicted_kind="complain",
         region="lanzhou", topic=None, at=None) -> Message:
    m = actions.do_submit(personas["citizen"], title="小区门口道路破损", body="小区门口道路破损多年无人修",
                          kind=kind, region=directory[region], topic=directory[topic] if topic else None, at=at)
    Message.objects.filter(pk=m.pk).update(predicted_topic=directory[predicted], topic_confidence=confidence,
                                           predicted_kind=predicted_kind, kind_confidence=0.9,
                                           classified_at=m.submitted_at + dt.timedelta(minutes=1))
    m.refresh_from_db()
    return m


@pytest.fixture
def dispatched(personas, directory, settings, tmp_path):
    """Three messages read and dispatched by people in 兰州市 in the last days, one dispatched
    automatically (then returned), one 40 days ago; one in 定西市."""
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
    forty_days_ago = timezone.now() - dt.timedelta(days=40)  # the first message the machine read
    old = read(personas, d, predicted="topic_traffic", confidence=0.9, at=forty_days_ago)
    actions.do_dispatch(who, old, d["housing"], topic=d["topic_build"], kind="complain", at=forty_days_ago)
    # before the machine read anything (not "unread"); unread; the reading may still be queued
    for minutes in (45 * 24 * 60, 60, 2):
        unread = actions.do_submit(personas["citizen"], title="公交站", body="公交站太远", kind="complain",
                                   region=d["lanzhou"], at=timezone.now() - dt.timedelta(minutes=minutes))
        Message.objects.filter(pk=unread.pk).update(classified_at=None)
    yield
    tasks.forget_models()


@pytest.mark.django_db
def test_the_page_shows_agreement_split_by_prefill(dispatched, personas, login):
    page = login(personas["dispatcher"]).get(URL).content.decode()
    # people dispatched 城乡建设 ×2 (one read right) and 环境保护 ×1 (read as 城乡建设); the
    # automatic dispatch follows the prediction by construction and is not counted, nor are
    # the 定西 case and the 40-day-old one
    assert "领域 (全部)</td><td data-label=\"件数\">3</td><td data-label=\"与派单一致\">33.3%" in page
    assert "已预填)</span></span></td><td data-label=\"件数\">2</td><td data-label=\"与派单一致\">50.0%" in page
    assert "未预填)</span></span></td><td data-label=\"件数\">1</td><td data-label=\"与派单一致\">0.0%" in page
    assert "类型</td><td data-label=\"件数\">3</td><td data-label=\"与派单一致\">66.7%" in page
    assert "自动派单 1 件, 其中 1 件随后被转办或退回" in page
    # the sentence before ended 「。」 and a line break, which the browser showed as 「。 自动派单」
    assert "已照常交给派单人员)。自动派单 1 件" in page and not re.search(r"。\s+自动派单", page)
    assert "1 件提交已超过 10 分钟的留言未能自动分类" in page
    build = page[page.index('<td data-label="派单领域">城乡建设'):]
    assert build.index('<td data-label="派单领域">城乡建设') < build.index('<td data-label="派单领域">环境保护')
    assert "1 (50.0%)" in build[:400] and "交通运输 1 件" in build[:700]
    env = page[page.index('<td data-label="派单领域">环境保护'):]
    assert "0 (0.0%)" in env[:400] and "城乡建设 1 件" in env[:700]
    assert "未加载" in page and "机器阅读" in page


@pytest.mark.django_db
def test_a_longer_period_counts_older_dispatches(dispatched, personas, login):
    page = login(personas["dispatcher"]).get(URL + "?days=90").content.decode()
    assert "领域 (全部)</td><td data-label=\"件数\">4</td>" in page
    assert "1 件提交已超过 10 分钟的留言未能自动分类" in page  # not the one from before the first reading
    # the period shown is the tab marked current, for a screen reader too (as 派单队列's tabs)
    assert '<a href="?days=90" class="current" aria-current="page">近 90 天</a>' in page
    for bad in ("abc", "²", "-1", "30.0", "9" * 40):  # falls back to 30 days
        r = login(personas["dispatcher"]).get(URL, {"days": bad})
        assert r.status_code == 200 and "近 30 天 (" in r.content.decode()


@pytest.mark.django_db
def test_the_api_gives_the_same_figures_to_the_regions_in_scope(dispatched, personas):
    api = APIClient()
    api.force_authenticate(personas["dispatcher"])
    data = api.get(API).json()
    assert data["topic"] == {"n": 3, "agree": 1, "rate": 0.3333} and data["kind"]["rate"] == 0.6667
    assert data["topic_sure"]["n"] == 2 and data["auto_dispatched"] == 1 and data["auto_rerouted"] == 1
    build = next(t for t in data["topics"] if t["name"] == "城乡建设")
    assert build["n"] == 2 and build["recall"] == 0.5 and build["precision"] == 0.5
    assert build["confused_with"] == [["交通运输", 1]]
    env = next(t for t in data["topics"] if t["name"] == "环境保护")
    assert env["recall"] == 0.0 and env["precision"] is None and env["confused_with"] == [["城乡建设", 1]]
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
def test_the_case_history_says_what_the_machine_read_and_what_was_corrected(personas, directory, login):
    """The history listed 「自动分类」 and 「人工更正分类」 without a word of what was read or changed:
    a dispatcher could not tell a correction of the topic from one of the type."""
    m = read(personas, directory, predicted="topic_traffic", confidence=0.4, topic="topic_build")
    Event.objects.create(message=m, kind=Event.Kind.CLASSIFIED, public=False,
                         data={"topic": directory["topic_traffic"].name, "topic_confidence": 0.4,
                               "kind": "complain", "kind_label": "complain", "kind_confidence": 0.9})
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"], topic=directory["topic_build"], kind="help")
    page = login(personas["dispatcher"]).get(f"/staff/case/{m.public_id}/").content.decode()
    traffic, build = directory["topic_traffic"].name, directory["topic_build"].name
    assert f"领域 {traffic} (置信度\u00a00.40); 类型 投诉 (置信度\u00a00.90)" in page
    assert f"领域: {traffic} → {build}; 类型: 投诉 → 求助" in page
    assert "complain" not in page.split("办理记录")[-1]  # no code words in the history


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


@pytest.mark.django_db
def test_a_case_a_person_dispatched_again_counts(dispatched, personas, directory):
    api = APIClient()
    api.force_authenticate(personas["dispatcher"])
    returned = Message.objects.get(events__kind=Event.Kind.RETURNED)
    actions.do_dispatch(personas["dispatcher"], returned, directory["ecology"], topic=directory["topic_env"],
                        kind="complain")
    data = api.get(API).json()
    assert data["topic"] == {"n": 4, "agree": 2, "rate": 0.5}  # the person agreed with the machine this time
    assert data["auto_dispatched"] == 1 and data["auto_rerouted"] == 1


@pytest.mark.django_db
def test_topics_sharing_a_name_are_told_apart_by_their_parent(directory):
    from minsheng.directory.models import Topic
    from minsheng.insight.reading import _topic_names

    a = Topic.objects.create(code="urban-other", name="其他", parent=directory["topic_build"])
    b = Topic.objects.create(code="env-other", name="其他", parent=directory["topic_env"])
    names = _topic_names([a.pk, b.pk, directory["topic_traffic"].pk])
    assert names == {a.pk: "城乡建设/其他", b.pk: "环境保护/其他", directory["topic_traffic"].pk: "交通运输"}


@pytest.mark.django_db
def test_figures_are_computed_at_most_every_five_minutes(dispatched, personas, directory):
    from django.core.cache import cache

    api = APIClient()
    api.force_authenticate(personas["dispatcher"])
    assert api.get(API).json()["topic"]["n"] == 3
    m = read(personas, directory, predicted="topic_build", confidence=0.9)
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"], topic=directory["topic_build"], kind="complain")
    assert api.get(API).json()["topic"]["n"] == 3  # the cached figures
    cache.clear()
    assert api.get(API).json()["topic"] == {"n": 4, "agree": 2, "rate": 0.5}


@pytest.mark.django_db
def test_confidence_has_one_name_wherever_staff_read_it(personas, directory, login, settings, tmp_path):
    """The case page and the queue said 「把握」, the history, the dispatch hint and /staff/reading/
    「置信度」: two words for one number."""
    settings.MINSHENG_MODEL_DIR = tmp_path  # no models: the suggestion is the stored reading's
    settings.MINSHENG_PREFILL_CONFIDENCE = 0.6
    tasks.forget_models()
    m = read(personas, directory, predicted="topic_traffic", confidence=0.4)
    Event.objects.create(message=m, kind=Event.Kind.CLASSIFIED, public=False,
                         data={"topic": directory["topic_traffic"].name, "topic_confidence": 0.4,
                               "kind": "complain", "kind_confidence": 0.9})
    client = login(personas["dispatcher"])
    case = client.get(f"/staff/case/{m.public_id}/").content.decode()
    queue = client.get("/staff/triage/").content.decode()
    reading = client.get("/staff/reading/").content.decode()
    assert "机器猜测 (置信度较低)" in case and "(置信度 0.40)" in case  # the dispatch hint, 机器阅读, history
    assert "置信度低" in queue and "置信度" in reading
    for page in (case, queue, reading):
        assert "把握" not in page


def test_the_page_says_whether_automatic_dispatch_is_on_for_the_users_regions(personas, directory, login):
    """The page counted 「自动派单 0 件」 but never said whether automatic dispatch was on for the
    dispatcher's regions, or where it is switched: a 0 read the same for 「off」 and 「nothing sure
    enough」. A province's switch governs its cities; another province's does not show."""
    from minsheng.directory.models import Region
    from minsheng.insight.models import AutoDispatch

    dispatcher = login(personas["dispatcher"])
    assert "您负责的区划均未启用" in dispatcher.get(URL).content.decode()
    AutoDispatch.objects.create(region=directory["province"], enabled=True, min_confidence=0.95)
    AutoDispatch.objects.create(region=directory["chengguan"], enabled=False)
    other = Region.objects.create(code="610000", name="陕西省", level=1)
    AutoDispatch.objects.create(region=other, enabled=True)
    page = dispatcher.get(URL).content.decode()
    assert "甘肃省 已启用 (领域置信度不低于 0.95" in page
    assert "甘肃省兰州市城关区 已停用" in page
    assert "陕西省" not in page and "均未启用" not in page


def test_a_threshold_reads_as_set(personas, directory, login):
    """A threshold of 0.995 read 「不低于 1.00」 on the page and 「≥1.00」 in the admin's list, while a
    message dispatched at 0.996 showed 「0.99」 on its case page."""
    from minsheng.insight.models import AutoDispatch

    setting = AutoDispatch.objects.create(region=directory["province"], enabled=True, min_confidence=0.995)
    assert "领域置信度不低于 0.995" in login(personas["dispatcher"]).get(URL).content.decode()
    assert str(setting).endswith("≥0.995")


def test_a_round_threshold_reads_without_trailing_zeros(personas, directory, login):
    """The demo's admin set 0.9 and the page read 「领域置信度不低于 0.9000」, four places the setting
    never had; the admin's list says 「≥0.9」."""
    from minsheng.insight.models import AutoDispatch

    AutoDispatch.objects.create(region=directory["province"], enabled=True, min_confidence=0.9)
    page = login(personas["dispatcher"]).get(URL).content.decode()
    assert "领域置信度不低于 0.9 " in page and "0.900" not in page


def test_the_page_says_a_near_duplicate_waits_for_the_dispatcher(personas, directory, login):
    """Since automatic dispatch holds a message that may repeat a case in hand (疑似重复, for the
    dispatcher to merge), the page still said every sure message with a lead unit 「由系统直接派单」:
    a dispatcher finding one such message in the queue read it as a failure."""
    from minsheng.insight.models import AutoDispatch

    AutoDispatch.objects.create(region=directory["province"], enabled=True, min_confidence=0.95)
    page = login(personas["dispatcher"]).get(URL).content.decode()
    assert "疑似重复" in page.split('class="small auto-dispatch"', 1)[1].split("</p>", 1)[0]


def test_confidence_text_of_values_no_model_gives():
    """An infinite confidence (a broken model file) raised on the case page: a 500."""
    from minsheng.insight.classify import confidence_text

    assert [confidence_text(x) for x in (0.9996, 1.0, 0.29, None, float("inf"), float("nan"))] == [
        "0.99", "1.00", "0.29", "", "", ""]


@pytest.mark.django_db
def test_the_first_reading_is_looked_up_without_reading_every_message(dispatched, personas):
    """unread leaves out messages from before the machine's first reading; that reading is found
    by the classified_at index (first by date), not by a MIN over every message in scope, which
    took ~300 ms per page at 1M messages whatever the period (docs/statistics.md)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from minsheng.accounts.roles import roles_of
    from minsheng.insight.reading import reading

    roles = roles_of(personas["dispatcher"])
    with CaptureQueriesContext(connection) as queries:
        figures = reading(roles.region_q(roles.dispatch_prefixes), 90)
    assert figures.unread == 1  # the 60-minute-old one, not the one from before the first reading
    assert not [q["sql"] for q in queries if "MIN(" in q["sql"].upper()]


@pytest.mark.django_db
def test_thirty_days_are_the_dashboards_thirty_calendar_days(personas, directory, login, settings, tmp_path):
    """近 30 天 here was the last 30×24 hours and on the dashboard the 30 Beijing dates to today: a case dispatched
    on the evening of the day before the dashboard's first date counted here and not there. Both are the
    calendar days now (stats.dashboard's window), and the page says which dates."""
    from django.db.models import Q

    from minsheng.insight.reading import reading

    settings.MINSHENG_MODEL_DIR = tmp_path
    tasks.forget_models()
    now = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(9, 0)))
    first = timezone.localdate(now) - dt.timedelta(days=29)  # the dashboard's 近 30 天 begins on this date
    late_evening = timezone.make_aware(dt.datetime.combine(first - dt.timedelta(days=1), dt.time(21, 0)))
    early = timezone.make_aware(dt.datetime.combine(first, dt.time(0, 30)))
    for at in (late_evening, early):
        m = read(personas, directory, predicted="topic_build", confidence=0.9, at=at)
        actions.do_dispatch(personas["dispatcher"], m, directory["housing"], topic=directory["topic_build"],
                            kind="complain", at=at)
    figures = reading(Q(), 30, now=now)
    assert figures.topic.n == 1  # the morning of the first date, not the evening before it
    assert timezone.localtime(figures.since) == early.replace(hour=0, minute=0)
    page = re.sub(r"\s+", " ", login(personas["dispatcher"]).get(URL).content.decode())
    today = timezone.localdate()
    dashboard = login(personas["supervisor"]).get("/stats/dashboard/").content.decode()
    assert f"date_from={today - dt.timedelta(days=29):%Y-%m-%d}" in dashboard  # the dashboard's 近 30 天
    assert f"近 30 天 ({today - dt.timedelta(days=29):%Y-%m-%d} 至 {today:%Y-%m-%d} " in page
    assert "含今天在内的 30 个日历日, 自首日 0 时起" in page
