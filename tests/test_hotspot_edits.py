"""Edits made outside the workflow — a topic renamed or moved in the admin, a case's topic edited there, a unit
added to a case from the shell — show in the hotspots that hold the messages once they commit, without
``refresh-hotspots --all``; each such hotspot is refreshed once per transaction, however many rows it edits."""

from __future__ import annotations

import io
import threading
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from minsheng.board import actions
from minsheng.board.models import Assignment, Message
from minsheng.directory.models import Region, Topic
from minsheng.insight import hotspots_service
from minsheng.insight.models import Hotspot

from .conftest import make_user
from .test_hotspot_pages import LIFT, OTHER_LIFT, citizens, fresh_index, lift_hotspot, post

__all__ = ["fresh_index", "lift_hotspot"]  # the hotspot tests' fixtures (the first autouse: an empty index)


class _Form(HTMLParser):
    """What a form posts as its page shows it: inputs (checked boxes), text areas, selected options."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.select, self.area, self.values = form_id, False, None, None, {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        elif not self.inside or not a.get("name") and tag != "option":
            return
        elif tag == "input" and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") not in ("checkbox", "radio") or "checked" in a:
                self.values[a["name"]] = a.get("value") or ("on" if a.get("type") == "checkbox" else "")
        elif tag == "textarea":
            self.area = a["name"]
            self.values[self.area] = ""
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.values[self.select] = a.get("value") or ""

    def handle_data(self, data):
        if self.area:
            self.values[self.area] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.values[self.area] = self.values[self.area].removeprefix("\n")  # as a browser reads it
            self.area = None


def _posted(html: str, form_id: str) -> dict:
    parser = _Form(form_id)
    parser.feed(html)
    return parser.values


def _admin(login):
    return login(make_user("platform_admin", is_superuser=True, is_staff=True))


def _topic_form(topic: Topic, **changes) -> dict:
    data = {
        "code": topic.code,
        "name": topic.name,
        "parent": topic.parent_id or "",
        "keywords": topic.keywords,
        "sort": topic.sort,
        "is_active": "on" if topic.is_active else "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""} | {"parent": data["parent"]}


def _dispatched(
    hotspot_and_messages, directory, personas, django_capture_on_commit_callbacks, topic=None, unit=None
):
    hotspot, messages = hotspot_and_messages
    with django_capture_on_commit_callbacks(execute=True):
        for m in messages:
            actions.do_dispatch(
                personas["dispatcher"],
                Message.objects.get(pk=m.pk),
                unit or directory["housing"],
                topic=topic or directory["topic_build"],
            )
    hotspot.refresh_from_db()
    return hotspot


def test_a_topic_renamed_in_the_admin_renames_it_in_its_hotspots(
    lift_hotspot, directory, personas, login, client, django_capture_on_commit_callbacks
):
    """The hotspot page's 领域 and the API's ``topics`` name the topic as the admin renamed it (they named the old
    name until ``refresh-hotspots --all``); a hotspot of another topic is not refreshed."""
    hotspot = _dispatched(lift_hotspot, directory, personas, django_capture_on_commit_callbacks)
    assert hotspot.topics == ["城乡建设"]
    other = [
        post(p, *OTHER_LIFT, directory["chengguan"], personas["dispatcher"]) for p in citizens(2, start=10)
    ]
    for m in other:
        hotspots_service.place_message(m)
    elsewhere = _dispatched(
        (Hotspot.objects.get(members__message=other[0]), other),
        directory,
        personas,
        django_capture_on_commit_callbacks,
        topic=directory["topic_traffic"],
        unit=directory["transport"],
    )
    untouched = elsewhere.refreshed_at
    build = directory["topic_build"]
    admin = _admin(login)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            f"/admin/directory/topic/{build.pk}/change/", _topic_form(build, name="住房城乡建设")
        )
    assert response.status_code == 302
    hotspot.refresh_from_db()
    assert hotspot.topics == ["住房城乡建设"]
    page = client.get(f"/hotspots/{hotspot.pk}/").content.decode()
    assert "住房城乡建设" in page
    assert client.get(f"/api/v1/hotspots/{hotspot.pk}/").json()["topics"] == ["住房城乡建设"]
    # another topic's hotspot is not refreshed
    assert Hotspot.objects.get(pk=elsewhere.pk).refreshed_at == untouched


def test_a_topic_moved_under_another_root_in_the_admin_flags_coordination(
    lift_hotspot, directory, personas, login, django_capture_on_commit_callbacks
):
    """A subtopic moved from 城乡建设 to 环境保护 in the admin: the hotspot whose open cases are filed under it and
    under 城乡建设 now spans two topics' remits, 需多部门协调 on the supervisor's tab."""
    lift = Topic.objects.create(code="urban-lift", name="加装电梯", parent=directory["topic_build"])
    hotspot, messages = lift_hotspot
    _dispatched((hotspot, messages[:2]), directory, personas, django_capture_on_commit_callbacks)
    hotspot = _dispatched(
        (hotspot, messages[2:]), directory, personas, django_capture_on_commit_callbacks, topic=lift
    )
    assert hotspot.topics == ["城乡建设"] and not hotspot.needs_coordination
    supervisor = login(personas["supervisor"])
    assert hotspot.title not in supervisor.get("/chronic/", {"show": "coordination"}).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = _admin(login).post(
            f"/admin/directory/topic/{lift.pk}/change/", _topic_form(lift, parent=directory["topic_env"].pk)
        )
    assert response.status_code == 302
    hotspot.refresh_from_db()
    assert hotspot.topics == ["城乡建设", "环境保护"] and hotspot.needs_coordination
    assert hotspot.title in supervisor.get("/chronic/", {"show": "coordination"}).content.decode()


def test_an_assisting_unit_added_outside_the_workflow_flags_coordination(
    lift_hotspot, directory, personas, login, django_capture_on_commit_callbacks
):
    """A case's units written outside the workflow (the shell, a data fix: the admin shows them read-only): an
    assisting unit added to an open case of the hotspot puts it on the 需多部门协调 tab with both units, once the
    edit commits; taken off again, the hotspot leaves the tab."""
    hotspot = _dispatched(lift_hotspot, directory, personas, django_capture_on_commit_callbacks)
    _, messages = lift_hotspot
    supervisor = login(personas["supervisor"])

    def tab():
        page = supervisor.get("/chronic/", {"show": "coordination"}).content.decode()
        return hotspot.title in page, [u for u in ("住房和城乡建设局", "生态环境局") if f"兰州市{u}" in page]

    assert tab() == (False, [])
    lead = Assignment.objects.get(message=messages[1], role=Assignment.Role.LEAD)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        assist = Assignment.objects.create(
            message=messages[1],
            unit=directory["ecology"],
            role=Assignment.Role.ASSIST,
            round=lead.round,
            assigned_at=lead.assigned_at,
            due_at=lead.due_at,
        )
    assert tab() == (True, ["住房和城乡建设局", "生态环境局"])
    with django_capture_on_commit_callbacks(execute=True):
        assist.delete()
    assert tab() == (False, [])


def test_a_cases_topic_edited_in_the_admin_flags_coordination(
    lift_hotspot, directory, personas, login, django_capture_on_commit_callbacks
):
    """A case re-filed under 环境保护 in the admin (its 领域 field): the hotspot's open cases span two topics."""
    hotspot = _dispatched(lift_hotspot, directory, personas, django_capture_on_commit_callbacks)
    _, messages = lift_hotspot
    admin = _admin(login)
    m = Message.objects.get(pk=messages[0].pk)
    data = _posted(admin.get(f"/admin/board/message/{m.pk}/change/").content.decode(), "message_form")
    data["topic"] = directory["topic_env"].pk
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"/admin/board/message/{m.pk}/change/", data)
    assert response.status_code == 302
    assert Message.objects.get(pk=m.pk).topic == directory["topic_env"]
    hotspot.refresh_from_db()
    assert hotspot.topics == ["城乡建设", "环境保护"] and hotspot.needs_coordination


ESTATES = [
    "幸福家园",
    "阳光花园",
    "翠柳家园",
    "锦绣花园",
    "金色家园",
    "丽发新城",
    "青禾苑",
    "枫丹丽舍",
    "山水人家",
    "万境水岸",
    "海洋半岛",
    "兰亭湾畔",
]


def test_topics_edited_together_refresh_each_hotspot_once(
    directory, personas, django_capture_on_commit_callbacks, monkeypatch
):
    """Twelve topics renamed in one transaction (a script, a bulk import) refresh their hotspots once, together,
    in a fixed number of queries, not once per topic."""
    people = iter(citizens(24))
    topics = [Topic.objects.create(code=f"t{i}", name=f"领域{i}") for i in range(12)]
    hotspots = []
    with django_capture_on_commit_callbacks(execute=True):
        for place, topic in zip(ESTATES, topics, strict=True):
            title, body = LIFT[0]
            messages = [
                post(
                    next(people),
                    title.replace("幸福家园", place),
                    body.replace("幸福家园", place),
                    directory["chengguan"],
                    personas["dispatcher"],
                )
                for _ in range(2)
            ]
            for m in messages:
                hotspots_service.place_message(m)
                actions.do_dispatch(
                    personas["dispatcher"], Message.objects.get(pk=m.pk), directory["housing"], topic=topic
                )
            hotspots.append(Hotspot.objects.get(members__message=messages[0]))
    assert len({h.pk for h in hotspots}) == 12
    runs = []
    real = hotspots_service.refresh_many
    monkeypatch.setattr(
        hotspots_service, "refresh_many", lambda pks, *args, **kwargs: runs.append(sorted(pks)) or real(pks, *args, **kwargs)
    )

    def rename(some, suffix):
        runs.clear()
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            with transaction.atomic():
                for topic in some:
                    topic.name += suffix
                    topic.save()
        return len(queries)

    few = rename(topics[:2], "甲")
    assert runs == [sorted(h.pk for h in hotspots[:2])]
    many = rename(topics, "乙")
    assert runs == [sorted(h.pk for h in hotspots)]
    # each topic's save costs its read and its UPDATE; the refresh of 12 hotspots costs what that of 2 did
    assert many - few == 2 * (12 - 2)
    assert sorted(
        t for h in Hotspot.objects.filter(pk__in=[h.pk for h in hotspots]) for t in h.topics
    ) == sorted(t.name for t in topics)


def test_a_unit_renamed_in_the_admin_is_named_so_in_its_hotspots(
    lift_hotspot, directory, personas, login, django_capture_on_commit_callbacks
):
    """涉及单位 (/chronic/, the API's ``units``) names a unit as the admin renamed it."""
    hotspot = _dispatched(lift_hotspot, directory, personas, django_capture_on_commit_callbacks)
    assert hotspot.units == ["兰州市住房和城乡建设局"]
    housing = directory["housing"]
    admin = _admin(login)
    data = _posted(admin.get(f"/admin/directory/unit/{housing.pk}/change/").content.decode(), "unit_form")
    data["name"] = "兰州市住房和城乡建设管理局"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"/admin/directory/unit/{housing.pk}/change/", data)
    assert response.status_code == 302
    hotspot.refresh_from_db()
    assert hotspot.units == ["兰州市住房和城乡建设管理局"]


# --- a region renamed: 地点/人群 cuts its name, and its parents', out of the messages' text --------------------------

# a county the directory misnamed (榆中区): its citizens write 榆中县, whose 县 the label kept (县幸福家园)
YUZHONG_LIFT = [(f"榆中县{title}", f"榆中县{body}") for title, body in LIFT if title.startswith("幸福家园")]


def _yuzhong_hotspot(directory, personas, filed_under="county"):
    county = Region.objects.create(code="620123", name="榆中区", level=3, parent=directory["lanzhou"])
    town = Region.objects.create(code="620123100", name="城关镇", level=4, parent=county)
    region = {"county": county, "town": town, "city": directory["lanzhou"]}[filed_under]
    messages = [
        post(p, t, b, region, personas["dispatcher"])
        for p, (t, b) in zip(citizens(len(YUZHONG_LIFT), start=20), YUZHONG_LIFT, strict=True)
    ]
    for m in messages:
        hotspots_service.place_message(m)
    hotspot = Hotspot.objects.get(members__message=messages[0])
    assert Hotspot.objects.filter(members__message__in=messages).distinct().count() == 1
    assert hotspot.public_count == len(YUZHONG_LIFT) and "县幸福家园" in hotspot.place
    return county, hotspot


def _place_shown(client, hotspot) -> str:
    page = client.get(f"/hotspots/{hotspot.pk}/").content.decode()
    return page.split("<dt>地点/人群</dt><dd>", 1)[1].split("</dd>", 1)[0]


def _region_form(region, **changes) -> dict:
    data = {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "parent": region.parent_id or "",
        "responsibilities-TOTAL_FORMS": 0,
        "responsibilities-INITIAL_FORMS": 0,
    }
    return data | changes


def test_a_region_renamed_in_the_admin_relabels_its_hotspots(
    lift_hotspot, directory, personas, login, client, django_capture_on_commit_callbacks
):
    """榆中区 corrected to 榆中县 in the admin: the hotspot page's 地点/人群 no longer reads 县幸福家园 (it did until
    ``refresh-hotspots --all``); a hotspot of another county is not refreshed."""
    county, hotspot = _yuzhong_hotspot(directory, personas)
    assert "县幸福家园" in _place_shown(client, hotspot)
    elsewhere, _ = lift_hotspot
    untouched = Hotspot.objects.get(pk=elsewhere.pk).refreshed_at
    with django_capture_on_commit_callbacks(execute=True):
        response = _admin(login).post(
            f"/admin/directory/region/{county.pk}/change/", _region_form(county, name="榆中县")
        )
    assert response.status_code == 302
    shown = _place_shown(client, hotspot)
    assert "幸福家园" in shown and "县幸福家园" not in shown
    assert Hotspot.objects.get(pk=elsewhere.pk).refreshed_at == untouched


def test_a_county_renamed_from_the_shell_relabels_the_hotspots_of_its_towns(
    directory, personas, client, django_capture_on_commit_callbacks
):
    """The names cut out are those of a message's region and the regions above it: a county renamed relabels the
    hotspot of messages filed under one of its towns."""
    county, hotspot = _yuzhong_hotspot(directory, personas, filed_under="town")
    county = Region.objects.get(pk=county.pk)
    county.name = "榆中县"
    with django_capture_on_commit_callbacks(execute=True):
        county.save()
    assert "县幸福家园" not in _place_shown(client, hotspot)


def test_a_county_renamed_by_import_directory_relabels_the_hotspots_its_city_holds(
    directory, personas, client, tmp_path, django_capture_on_commit_callbacks
):
    """``import-directory --commit`` renaming the county relabels a hotspot of messages filed under 兰州市 that name
    the county (read as the county's: ``refined_region``)."""
    county, hotspot = _yuzhong_hotspot(directory, personas, filed_under="city")
    call_command("export_directory", "--out", str(tmp_path), stdout=io.StringIO())
    regions = tmp_path / "regions.csv"
    regions.write_text(
        regions.read_text(encoding="utf-8-sig").replace(",榆中区,", ",榆中县,"), encoding="utf-8"
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("import_directory", str(tmp_path), "--commit", stdout=io.StringIO())
    assert Region.objects.get(pk=county.pk).name == "榆中县"
    assert "县幸福家园" not in _place_shown(client, hotspot)


def test_a_rename_touching_many_hotspots_refreshes_them_after_the_response(
    transactional_db, lift_hotspot, directory, personas, login, monkeypatch, settings
):
    """Without a broker (the embedded default), a topic renamed at the root of a large tree refreshed its hotspots
    inside the admin's request (3.1 s for the demo's 城乡建设, 428 hotspots): now the rename returns first, and the
    hotspots still name the new name once the refresh in the background is done."""
    # (a real database: the refresh's thread reads what the request committed; the moves' hooks run as they commit)
    hotspot = _dispatched(lift_hotspot, directory, personas, lambda execute: transaction.atomic())
    assert hotspot.topics == ["城乡建设"]
    # as if the topic held more than REFRESH_IN_PLACE (50) hotspots
    monkeypatch.setattr(hotspots_service, "REFRESH_IN_PLACE", 0, raising=False)
    settings.MINSHENG_BACKGROUND_THREADS = True
    release, finished = threading.Event(), threading.Event()
    real = hotspots_service.refresh_many

    def slow_refresh(pks, *args, **kwargs):
        release.wait(5)  # a large refresh: it ends once the admin's response is back, or in 5 s
        try:
            return real(pks, *args, **kwargs)
        finally:
            finished.set()

    monkeypatch.setattr(hotspots_service, "refresh_many", slow_refresh)
    build = directory["topic_build"]
    response = _admin(login).post(
        f"/admin/directory/topic/{build.pk}/change/", _topic_form(build, name="住房城乡建设")
    )
    assert response.status_code == 302
    assert not finished.is_set()  # the response did not wait for the refresh
    release.set()
    for thread in threading.enumerate():
        if thread.name.startswith("refresh-hotspots"):
            thread.join(10)
    assert finished.is_set()
    hotspot.refresh_from_db()
    assert hotspot.topics == ["住房城乡建设"] and hotspot.refresh_queued_at is None


# --- a region renamed: its hotspots are looked up after the response ------------------------------------------------


def _scans(queries) -> list[str]:
    """The queries that read messages by a pattern of their text or region code (``_about_regions``: LIKE)."""
    return [q["sql"] for q in queries if "board_message" in q["sql"] and " LIKE " in q["sql"].upper()]


def test_a_region_renamed_in_the_admin_is_looked_up_after_the_response(
    transactional_db, directory, personas, login, client, settings
):
    """Without a broker, the admin's save of a renamed region read every message of the city whose title or text
    names the region (a LIKE scan of the message table) inside the request: now the request saves and returns, and
    the hotspots are found and refreshed in a thread after it."""
    settings.MINSHENG_BACKGROUND_THREADS = True
    county, hotspot = _yuzhong_hotspot(directory, personas, filed_under="city")
    admin = _admin(login)
    with CaptureQueriesContext(connection) as request:
        response = admin.post(f"/admin/directory/region/{county.pk}/change/", _region_form(county, name="榆中县"))
    assert response.status_code == 302
    assert _scans(request.captured_queries) == []
    for thread in threading.enumerate():
        if thread.name.startswith("refresh-hotspots"):
            thread.join(30)
    assert "县幸福家园" not in _place_shown(client, hotspot)
    assert Hotspot.objects.get(pk=hotspot.pk).refresh_queued_at is None


def test_with_a_broker_a_region_renamed_is_looked_up_by_the_worker(
    directory, personas, login, client, settings, monkeypatch, django_capture_on_commit_callbacks
):
    """With a broker, the save queues one task for the region (its pk and former name) and reads no message: the
    ``ml`` worker looks its hotspots up and refreshes them."""
    with django_capture_on_commit_callbacks(execute=True):  # the posts' refreshes done
        county, hotspot = _yuzhong_hotspot(directory, personas, filed_under="city")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    queued = []
    monkeypatch.setattr(hotspots_service.refresh_regions, "delay", lambda *args: queued.append(args), raising=False)
    admin = _admin(login)
    with CaptureQueriesContext(connection) as request, django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"/admin/directory/region/{county.pk}/change/", _region_form(county, name="榆中县"))
    assert response.status_code == 302
    assert _scans(request.captured_queries) == []
    assert queued == [([[county.pk, "榆中区"]],)]
    assert "县幸福家园" in _place_shown(client, hotspot)  # not yet: the worker has not run the task
    hotspots_service.refresh_regions(*queued[0])  # the worker runs it
    assert "县幸福家园" not in _place_shown(client, hotspot)


# --- a region renamed: the clustering in memory reads the new name without a restart ----------------------------------

YUZHONG_LATER = ("榆中县幸福家园小区电梯还是坏的", "榆中县幸福家园小区3号楼电梯坏了很久, 物业一直不修, 老人下不了楼。")


def test_a_worker_reads_a_region_renamed_elsewhere_without_a_restart(directory, personas):
    """The worker placing new letters keeps its clustering in memory: 榆中区 corrected to 榆中县 in the admin (another
    process: this one hears no signal of it), the hotspot's places stayed read with 榆中区 cut out (县幸福家园) until
    the worker restarted, and a letter waiting for a dispatcher (no public member: its 地点/人群 is the clustering's)
    labelled the hotspot 县幸福家园 again. Now the worker sees the directory moved and reads its hotspots again."""
    county = Region.objects.create(code="620123", name="榆中区", level=3, parent=directory["lanzhou"])
    authors = citizens(len(YUZHONG_LIFT) + 1, start=20)
    for author, (title, body) in zip(authors, YUZHONG_LIFT, strict=False):
        hotspots_service.place_message(post(author, title, body, county, personas["dispatcher"], accept=False))
    hotspot = Hotspot.objects.get()
    assert hotspot.public_count == 0 and "县幸福家园" in hotspot.place
    # saved by another process: the row and its stamp, no signal here
    Region.objects.filter(pk=county.pk).update(name="榆中县", updated_at=timezone.now())
    later = post(authors[-1], *YUZHONG_LATER, Region.objects.get(pk=county.pk), personas["dispatcher"], accept=False)
    assert hotspots_service.place_message(later) == hotspot
    hotspot.refresh_from_db()
    assert hotspot.message_count == len(YUZHONG_LIFT) + 1
    assert "幸福家园" in hotspot.place and "县幸福家园" not in hotspot.place


def test_after_a_rename_a_worker_reads_again_only_the_letters_about_the_region(lift_hotspot, directory, personas,
                                                                                monkeypatch):
    """The first letter a worker placed after a region was renamed elsewhere rebuilt its whole clustering in the
    citizen's request: every letter of the window read again (seconds at 20,000 letters). Now it reads again the
    letters of the hotspots about the renamed county (one filed under the city above that names it among them), not
    the other counties' (城关区's lift), and its clustering is the one a restarted worker builds."""
    county = Region.objects.create(code="620123", name="榆中区", level=3, parent=directory["lanzhou"])
    authors = citizens(len(YUZHONG_LIFT) + 1, start=20)
    yuzhong = []
    for i, (author, (title, body)) in enumerate(zip(authors, YUZHONG_LIFT, strict=False)):
        filed = directory["lanzhou"] if i == 0 else county  # 榆中县幸福家园 filed under 兰州市: read as 榆中's
        yuzhong.append(post(author, title, body, filed, personas["dispatcher"], accept=False))
        hotspots_service.place_message(yuzhong[-1])
    hotspot = Hotspot.objects.get(members__message=yuzhong[0])
    assert hotspot.message_count == len(YUZHONG_LIFT) and "县幸福家园" in hotspot.place
    Region.objects.filter(pk=county.pk).update(name="榆中县", updated_at=timezone.now())  # another process
    later = post(authors[-1], *YUZHONG_LATER, Region.objects.get(pk=county.pk), personas["dispatcher"], accept=False)
    read = []
    item = hotspots_service._item
    monkeypatch.setattr(hotspots_service, "_item", lambda message, *how: read.append(message.pk) or item(message, *how))
    assert hotspots_service.place_message(later) == hotspot
    assert sorted(read) == sorted([m.pk for m in yuzhong] + [later.pk])  # not the lift's of 城关区
    hotspot.refresh_from_db()
    assert "幸福家园" in hotspot.place and "县幸福家园" not in hotspot.place
    _as_a_restarted_worker_reads_them()


def _placed_by(index, probes) -> list:
    """The hotspot ``index`` would place each of ``probes`` in (nothing written)."""
    found = []
    for message in probes:
        item = index.read_estates(hotspots_service._item(message).prepare())
        found.append(index.assign(item, index.vector(item))[0])
    return found


def _probes() -> list[Message]:
    """Letters not sent, each like one of the tests' (every region, each way of writing the county): the next letters
    a worker would place."""
    letters = [*LIFT, OTHER_LIFT, *YUZHONG_LIFT, YUZHONG_LATER, ("定西市幸福家园小区电梯还是坏的", "兰州市幸福家园小区3号楼电梯坏了很久。"),
               ("兰州市阳光花园小区电梯坏了", "兰州市阳光花园小区5栋电梯坏了, 请督促物业修好电梯。")]
    author = make_user("probe")
    return [Message(title=title, body=body, region=region, author=author, submitted_at=timezone.now())
            for region in Region.objects.all() for title, body in letters]


def _as_a_restarted_worker_reads_them() -> None:
    """The index read again after a rename as a restarted worker's: the same hotspots, members, places, words read
    and place postings, and the next letters placed in the same hotspots. What differs (docs/hotspots.md, "What a read
    again keeps of the first reading"): the word frequencies, so the words' weights and the word postings (a
    letter's five rarest words) of the letters read again, and the order of the postings."""
    probes = _probes()
    kept_index = hotspots_service._state["index"]
    kept, kept_placed = kept_index.clusters, _placed_by(kept_index, probes)
    hotspots_service.reset_index()
    with hotspots_service._lock:
        built_index = hotspots_service.get_index()
    built = built_index.clusters
    assert kept.keys() == built.keys()
    for cid in built:
        for name in ("members", "places", "title_places", "regions", "groups", "tails", "title_problems"):
            assert getattr(kept[cid], name) == getattr(built[cid], name), (cid, name)
        assert kept[cid].centroid.keys() == built[cid].centroid.keys(), cid  # the words read (weights: see the docs)
        assert kept[cid].place_label() == built[cid].place_label()
    places = {index: {key: set(plist) for key, plist in index.postings.items() if key.startswith("p:")}
              for index in (kept_index, built_index)}
    assert places[kept_index] == places[built_index]
    assert kept_index.estates._by_head == built_index.estates._by_head
    assert kept_placed == _placed_by(built_index, probes)
    assert len(set(kept_placed) - {None}) >= 2  # they find hotspots (not all new ones)


def test_after_a_county_moved_under_another_city_a_worker_reads_its_letters_with_the_citys_names(
    lift_hotspot, directory, personas, monkeypatch
):
    """A county moved under another city (定西市 for 兰州市) by another process: its letters that write the city's
    name were read with 兰州市 cut out and 定西 kept; the worker reads them again with the new city's names, as a
    restarted worker does."""
    county = Region.objects.create(code="620123", name="榆中县", level=3, parent=directory["lanzhou"])
    authors = citizens(len(LIFT) + 1, start=20)
    for author, (title, body) in zip(authors, LIFT, strict=False):
        letter = post(author, f"定西市{title}", f"兰州市{body}", county, personas["dispatcher"], accept=False)
        hotspots_service.place_message(letter)
    Region.objects.filter(pk=county.pk).update(parent=directory["dingxi"], updated_at=timezone.now())
    later = post(authors[-1], "定西市幸福家园小区电梯还是坏的", "兰州市幸福家园小区3号楼电梯坏了很久。",
                 Region.objects.get(pk=county.pk), personas["dispatcher"], accept=False)
    read_again = []
    real = hotspots_service._read_again
    monkeypatch.setattr(hotspots_service, "_read_again", lambda *args: read_again.append(real(*args)) or read_again[-1])
    hotspots_service.place_message(later)
    assert read_again == [True]  # its hotspots alone, not the whole index
    _as_a_restarted_worker_reads_them()


def test_a_read_again_that_fails_half_way_leaves_no_hotspot_out_of_the_index(lift_hotspot, directory, personas,
                                                                             monkeypatch):
    """A database error while a worker read again the hotspots of a renamed county (caught and logged by
    ``tasks.read_message``) left its index without them until a restart: the county's next letters each started a
    hotspot of their own beside the one they repeat. Now the next placement builds the index again whole."""
    county = Region.objects.create(code="620123", name="榆中区", level=3, parent=directory["lanzhou"])
    authors = citizens(len(YUZHONG_LIFT) + 2, start=20)
    for author, (title, body) in zip(authors, YUZHONG_LIFT, strict=False):
        hotspots_service.place_message(post(author, title, body, county, personas["dispatcher"], accept=False))
    hotspot = Hotspot.objects.filter(members__message__region=county).distinct().get()
    Region.objects.filter(pk=county.pk).update(name="榆中县", updated_at=timezone.now())  # another process
    real = hotspots_service._read_into

    def fails_once(index, members, counted=True):
        if not counted:
            monkeypatch.setattr(hotspots_service, "_read_into", real)
            raise DatabaseError("connection lost")
        return real(index, members, counted)

    monkeypatch.setattr(hotspots_service, "_read_into", fails_once)
    county = Region.objects.get(pk=county.pk)
    with pytest.raises(DatabaseError):
        hotspots_service.place_message(post(authors[-2], *YUZHONG_LATER, county, personas["dispatcher"], accept=False))
    later = post(authors[-1], *YUZHONG_LATER, county, personas["dispatcher"], accept=False)
    assert hotspots_service.place_message(later) == hotspot
    assert Hotspot.objects.filter(members__message__region=county).distinct().count() == 1


def test_a_county_added_elsewhere_reads_again_only_the_letters_that_name_it(lift_hotspot, directory, personas,
                                                                            monkeypatch):
    """A region added by another process (an import of villages) renames nothing: a letter filed under the city above
    it reads otherwise only where it names the new region (read as that region's now). The names of the city and
    province above it were looked for too, as for a region moved, so every letter of the city that wrote 兰州 was read
    again, here more than half the index: all of it built again in the citizen's request."""
    authors = citizens(len(YUZHONG_LIFT) + 3, start=20)
    city = directory["lanzhou"]
    others = [post(authors[0], "兰州市阳光花园小区电梯坏了没人修", "兰州市阳光花园小区5栋电梯坏了半个月, 物业不维修。", city,
                   personas["dispatcher"], accept=False),
              post(authors[1], "兰州市阳光花园小区电梯又坏了", "兰州市阳光花园小区5栋电梯又坏了, 请督促物业修好电梯。", city,
                   personas["dispatcher"], accept=False)]
    yuzhong = [post(author, title, body, city, personas["dispatcher"], accept=False)
               for author, (title, body) in zip(authors[2:], YUZHONG_LIFT, strict=False)]
    for letter in others + yuzhong:
        hotspots_service.place_message(letter)
    hotspot = Hotspot.objects.get(members__message=yuzhong[0])
    assert hotspot != Hotspot.objects.get(members__message=others[0])
    county, = Region.objects.bulk_create([Region(code="620123", name="榆中县", level=3, parent=city,
                                                 updated_at=timezone.now())])  # another process: no signal here
    later = post(authors[-1], *YUZHONG_LATER, county, personas["dispatcher"], accept=False)
    read = []
    item = hotspots_service._item
    monkeypatch.setattr(hotspots_service, "_item", lambda message, *how: read.append(message.pk) or item(message, *how))
    assert hotspots_service.place_message(later) == hotspot
    assert sorted(read) == sorted([m.pk for m in yuzhong] + [later.pk])  # not 阳光花园's, nor 城关区's lift
    _as_a_restarted_worker_reads_them()
