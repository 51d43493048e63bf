# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""A topic code is read without regard to case (docs/demo-and-directory.md, 「Topic codes」): 「URBAN」 typed in an API
filter, an Open311 ``service_code``, a command's ``--topic``, the public list's filter or a directory file is the
topic 「urban」, and no second topic can take a code that differs from another's in case alone."""

from __future__ import annotations

import json
import re

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from minsheng.board.models import Message
from minsheng.directory import csvio
from minsheng.directory.models import Responsibility, Topic

from .conftest import make_user
from .test_api_public import advance, submit
from .test_api_support import api_key  # noqa: F401 (fixture)
from .test_open311 import BASE, Open311Client, form


@pytest.fixture
def admin_client(directory, login):
    return login(make_user("platform_admin", is_superuser=True, is_staff=True))


@pytest.fixture
def public_case(personas, directory, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # the statistics' facts are written on commit
        return advance(submit(personas["citizen"], directory), personas, directory, "accepted")  # 城乡建设 (urban)


def topic_form(**changes):
    return {"code": "", "name": "", "parent": "", "keywords": "", "sort": 9, "is_active": "on", **changes}


# --- one topic per code, whatever its case ----------------------------------------------

def test_the_admin_refuses_a_topic_whose_code_differs_from_anothers_in_case_alone(admin_client, directory):
    before = Topic.objects.count()
    page = admin_client.post("/admin/directory/topic/add/", topic_form(code="URBAN", name="城市建设")).content.decode()
    assert "已有代码为 urban 的领域「城乡建设」; 领域代码不区分大小写" in page
    env = directory["topic_env"]
    page = admin_client.post(f"/admin/directory/topic/{env.pk}/change/",
                             topic_form(code="Urban", name=env.name, sort=env.sort)).content.decode()
    assert "已有代码为 urban 的领域「城乡建设」" in page
    assert Topic.objects.count() == before
    assert Topic.objects.get(pk=env.pk).code == "environment"


def test_a_topic_may_change_the_case_of_its_own_code(admin_client, directory):
    build = directory["topic_build"]
    response = admin_client.post(f"/admin/directory/topic/{build.pk}/change/",
                                 topic_form(code="Urban", name=build.name, sort=build.sort))
    assert response.status_code == 302
    assert Topic.objects.get(pk=build.pk).code == "Urban"


def test_the_database_holds_no_two_codes_that_differ_in_case_alone(directory):
    with pytest.raises(IntegrityError), transaction.atomic():
        Topic.objects.create(code="TRAFFIC", name="道路交通")
    assert list(Topic.objects.filter(name="道路交通")) == []


# --- a code as typed finds its topic ----------------------------------------------------

def test_the_api_filters_by_a_topic_code_typed_in_capitals(public_case):
    client = APIClient()
    found = client.get("/api/v1/messages/", {"topic": "URBAN"})
    assert found.status_code == 200
    assert [m["public_id"] for m in found.json()["results"]] == [public_case.public_id]
    assert client.get("/api/v1/statistics/", {"topic": "Urban"}).json() == \
        client.get("/api/v1/statistics/", {"topic": "urban"}).json()


def _topic_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].split(" FROM ", 1)[-1].startswith('"directory_topic"')]


def test_the_public_list_filters_by_a_topic_code_typed_in_capitals(client, public_case, personas, directory):
    """Through ``Topic.objects.coded``: 「URBAN」 lists what 「urban」 lists, and reads the topics as 「urban」 does, to
    the letter (the code lower-cased in each read, no read more): no second lookup of the code as typed."""
    other = advance(submit(personas["citizen"], directory, title="河道垃圾堆积无人清理", topic="topic_env"), personas,
                    directory, "accepted")  # listed when the filter is dropped, not by 城乡建设
    with CaptureQueriesContext(connection) as lower:
        lower_page = client.get("/browse/", {"topic": "urban"}).content.decode()
    with CaptureQueriesContext(connection) as upper:
        upper_page = client.get("/browse/", {"topic": "URBAN"}).content.decode()
    # read before the next request, which empties the log they read from
    lower_reads, upper_reads = _topic_reads(lower), _topic_reads(upper)
    assert len(upper) == len(lower) and upper_reads == lower_reads != []
    listed = re.findall(r'href="/m/([^/"]+)/"', upper_page)
    assert listed == re.findall(r'href="/m/([^/"]+)/"', lower_page) == [public_case.public_id]
    assert other.public_id in re.findall(r'href="/m/([^/"]+)/"', client.get("/browse/").content.decode())
    assert public_case.title not in client.get("/browse/", {"topic": "ENVIRONMENT"}).content.decode()


def test_the_stats_command_takes_a_topic_code_in_capitals(public_case, capsys):
    call_command("stats", "--topic", "URBAN", "--json")
    upper = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    call_command("stats", "--topic", "urban", "--json")
    assert upper == json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert upper["received"] == 1


def test_open311_reads_a_service_code_in_capitals(api_key, directory, public_case):
    client = Open311Client()
    body = client.get(f"{BASE}/services/URBAN.json").json()
    assert body["service_code"] == "urban"  # as the services list names it
    listed = client.get(f"{BASE}/requests.json", {"service_code": "URBAN,Unclassified"})
    assert listed.status_code == 200
    assert [r["service_request_id"] for r in listed.json()] == [public_case.public_id]
    posted = client.post(f"{BASE}/requests.json", form(api_key[1], service_code="Urban"))
    assert posted.status_code == 200, posted.content.decode()
    token = posted.json()[0]["token"]
    assert Message.objects.get(open311__token=token).topic == directory["topic_build"]


def test_the_suggestion_for_a_topic_code_in_capitals(personas, directory, public_case):
    from .test_api_support import token_client

    client = token_client(personas["dispatcher"])
    reply = client.get(f"/api/v1/staff/cases/{public_case.public_id}/suggestion/", {"topic": "TRAFFIC"})
    assert reply.status_code == 200, reply.content.decode()
    assert reply.json()["topic"]["code"] == "traffic"


# --- the directory files --------------------------------------------------------------

def test_a_directory_file_naming_a_topic_in_capitals_updates_that_topic(directory):
    bundle = csvio.Bundle.from_dicts({
        "topics.csv": [{"code": "URBAN", "name": "城乡建设管理", "parent_code": ""},
                       {"code": "Lift", "name": "加装电梯", "parent_code": "Urban"}],
        "responsibilities.csv": [{"region_code": "620100", "topic_code": "LIFT", "unit_name": "兰州市住房和城乡建设局"},
                                 {"region_code": "620100", "topic_code": "Traffic",
                                  "unit_name": "兰州市住房和城乡建设局", "role": "assist"}],
    })
    before = Topic.objects.count()
    csvio.import_directory(bundle, commit=True)
    assert Topic.objects.count() == before + 1  # 「Lift」, new; 「URBAN」 is 「urban」
    build = Topic.objects.get(code="urban")
    assert build.name == "城乡建设管理"
    assert Topic.objects.get(code="Lift").parent == build
    assert Responsibility.objects.filter(topic__code="Lift", region__code="620100").exists()
    assert Responsibility.objects.filter(topic=directory["topic_traffic"], role="assist",
                                         unit=directory["housing"]).exists()


def test_two_rows_of_a_file_whose_codes_differ_in_case_alone_are_one_code_repeated(directory):
    bundle = csvio.Bundle.from_dicts({"topics.csv": [{"code": "water", "name": "供水"},
                                                     {"code": "WATER", "name": "供水管理"}]})
    with pytest.raises(csvio.DirectoryImportError) as refused:
        csvio.import_directory(bundle, commit=True)
    assert refused.value.errors == ["topics.csv:3: 领域代码 water 与第 2 行重复 (领域代码不区分大小写)"]
    assert not Topic.objects.coded("water").exists()


# --- Open311's pseudo-code is no topic's -------------------------------------------------

def test_no_topic_may_take_open311s_code_for_messages_of_no_topic(admin_client, directory):
    """``service_code=Unclassified`` reads the messages of no topic yet: a topic coded so (in any case) was read
    as both (review, 2026-12-07)."""
    before = Topic.objects.count()
    page = admin_client.post("/admin/directory/topic/add/", topic_form(code="Unclassified", name="未分类")).content
    assert "领域代码 unclassified 已保留" in page.decode()
    bundle = csvio.Bundle.from_dicts({"topics.csv": [{"code": "UNCLASSIFIED", "name": "未分类"}]})
    with pytest.raises(csvio.DirectoryImportError) as refused:
        csvio.import_directory(bundle, commit=True)
    assert refused.value.errors == ["topics.csv:2: 领域代码 unclassified 已保留 (Open311 用它表示尚未分类的留言), 请换一个代码"]
    assert Topic.objects.count() == before


# --- the migration that made codes unique in any case -------------------------------------

def test_the_migration_names_the_codes_that_differ_in_case_alone_in_one_line(directory):
    """A database of two such codes stops `minsheng migrate` with one line naming them (a CommandError:
    a RuntimeError printed a traceback first), before the index is built."""
    from django.apps import apps
    from django.core.management.base import CommandError
    from django.db import connection

    refuse_case_twins = __import__(
        "minsheng.directory.migrations.0009_topic_code_ci_unique", fromlist=["refuse_case_twins"]
    ).refuse_case_twins
    refuse_case_twins(apps, None)  # no twins: nothing said
    with connection.cursor() as cursor:  # past the index, as a database before the migration could hold them
        cursor.execute("DROP INDEX directory_topic_code_ci_unique")
    Topic.objects.create(code="URBAN", name="城市建设")
    Topic.objects.create(code="Urban", name="城市建设管理")
    with pytest.raises(CommandError) as refused:
        refuse_case_twins(apps, None)
    said = str(refused.value)
    assert said.startswith("领域代码不区分大小写, 以下代码重复: ") and "\n" not in said, said
    assert all(code in said for code in ("URBAN", "Urban", "urban")) and "每组只保留一个" in said, said
