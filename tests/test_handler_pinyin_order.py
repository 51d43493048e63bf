# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""承办人 in pinyin order (2026-12-05): 本单位待办 sorted by 承办人 (?sort=handler, its export, the API's
?ordering=handler and its cursor), 指派所选's and the case page's 指派 lists and 本单位办理情况's rows list
people as a Chinese reader looks them up — 李 (li), 单 (shan), 王 (wang), 曾 (zeng), 张 (zhang) — with a
surname read as a surname (曾 zeng, not ceng; 单 shan, not dan). Before, they came by character code (单, 张,
曾, 李, 王), an order nobody expects; on SQLite and PostgreSQL alike (a stored key, compared byte by byte)."""

from __future__ import annotations

import re

import pytest
from django.apps import apps
from django.urls import reverse

from minsheng.accounts.models import User
from minsheng.accounts.names import name_key, rekey_users
from minsheng.board.models import Assignment

from .conftest import make_user
from .test_api_support import api_key, as_persona  # noqa: F401 (fixtures)
from .test_inbox_export import csv_rows
from .test_inbox_sort import listed
from .test_staff_qa import dispatch, text

pytestmark = pytest.mark.django_db

# the officers of 住建局 in the order a Chinese reader expects (their character codes: 单 张 曾 李 王)
PINYIN_ORDER = ["李娜", "单丽", "王芳", "曾强", "张伟"]


@pytest.fixture
def officers(personas, directory):
    shuffled = ["张伟", "王芳", "曾强", "李娜", "单丽"]  # made in another order: not the order of their ids
    return {name: make_user(f"officer{n}", role="officer", unit=directory["housing"], display_name=name)
            for n, name in enumerate(shuffled)}


@pytest.fixture
def handled(personas, directory, officers):
    """Two cases for each officer (ties) and two 未指派, titled after their 承办人."""
    made = []
    for name in ["未指派", *officers]:
        for n in (1, 2):
            m = dispatch(personas, directory, f"{name}的留言{n}")
            Assignment.objects.filter(message=m).update(handler=officers.get(name))
            made.append(m)
    return made


def test_name_keys_read_a_surname_as_a_surname():
    assert name_key("曾强").startswith("zeng1 ")  # pypinyin alone: ceng2
    assert name_key("单丽").startswith("shan4 ")  # dan1
    assert name_key("解缙").startswith("xie4 ")  # jie3
    assert name_key("仇英").startswith("qiu2 ")  # chou2
    assert name_key("朴正").startswith("piao2 ")  # pu3
    assert name_key("单于靖").startswith("chan2 yu2 ")  # a compound surname keeps its reading
    assert name_key("单位负责人").startswith("dan1 wei4 ")  # not a person's name: read as words are
    assert name_key("李娜") == "li3 na4"
    assert name_key("Zhang Wei") == "zhang wei" and name_key("ｏｆｆｉｃｅｒ1") == "officer1"
    assert sorted(PINYIN_ORDER[::-1], key=name_key) == PINYIN_ORDER


def test_the_inbox_and_its_export_list_handlers_in_pinyin_order(personas, handled, login):
    client = login(personas["officer"])
    expected = [f"{name}的留言{n}" for name in PINYIN_ORDER for n in (1, 2)]
    assert listed(client, sort="handler") == [*expected, "未指派的留言1", "未指派的留言2"]
    # reversed: 未指派 first, then 张 … 李 (a tie keeps the older submission first)
    reverse_order = [f"{name}的留言{n}" for name in PINYIN_ORDER[::-1] for n in (1, 2)]
    assert listed(client, sort="-handler") == ["未指派的留言1", "未指派的留言2", *reverse_order]
    rows = csv_rows(client.get(reverse("board:inbox_export", args=["csv"]), {"sort": "handler"}))
    column = rows[0].index("承办人")
    assert [r[column] for r in rows[1:]] == [n for n in PINYIN_ORDER for _ in (1, 2)] + ["未指派", "未指派"]
    assert [r[1] for r in rows[1:]] == listed(client, sort="handler")


def _walk_both_ways(client, url: str) -> tuple[list[str], list[str]]:
    """The public ids met walking ``next`` from ``url`` to the end, and those met walking ``previous`` back."""
    forward, pages = [], []
    while url:
        page = client.get(url)
        assert page.status_code == 200, page.content
        pages.append(url)
        forward += [m["public_id"] for m in page.json()["results"]]
        url = page.json()["next"]
    backward, url = [], pages[-1]
    while url:
        page = client.get(url).json()
        backward = [m["public_id"] for m in page["results"]] + backward
        url = page["previous"]
    return forward, backward


@pytest.mark.parametrize("size", [1, 3])
@pytest.mark.parametrize("ordering", ["handler", "-handler"])
def test_the_api_walks_handlers_in_pinyin_order_each_case_once_both_ways(personas, handled, as_persona, ordering,
                                                                         size):
    by_id = {m.public_id: m.title for m in handled}
    forward, backward = _walk_both_ways(as_persona("officer"),
                                        f"/api/v1/staff/inbox/?box=unit&ordering={ordering}&page_size={size}")
    named = [f"{name}的留言{n}" for name in PINYIN_ORDER for n in (1, 2)]
    unassigned = ["未指派的留言1", "未指派的留言2"]
    if ordering == "handler":
        assert [by_id[p] for p in forward] == [*named, *unassigned]
    else:
        reverse_order = [f"{name}的留言{n}" for name in PINYIN_ORDER[::-1] for n in (1, 2)]
        assert [by_id[p] for p in forward] == [*unassigned, *reverse_order]
    assert backward == forward  # the pages before, each case once, in the same order


def _options(html: str, select_id: str) -> list[str]:
    """The people a select box of 承办人 offers, in its order (``select_id``: a pattern of its id)."""
    select = re.search(rf'<select name="handler"[^>]*id="{select_id}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [name for value, name in re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', select) if value]


def test_the_assign_lists_and_unit_work_list_people_in_pinyin_order(personas, directory, officers, login):
    head = make_user("head", role="head", unit=directory["housing"], display_name="住建局王局长")
    m = dispatch(personas, directory, "要指派的留言")
    people = [*PINYIN_ORDER, "住建局王局长", "住建局张科长"]  # zhu jian ju wang before zhu jian ju zhang
    client = login(head)
    assert _options(text(client.get(reverse("board:inbox"))), "bulk-handler") == people  # 指派所选
    case = text(client.get(reverse("board:case", args=[m.public_id])))
    assert _options(case, r"id_assign\d+_handler") == people  # the case page's 指派承办人
    work = text(client.get(reverse("board:unit_work")))
    rows = re.findall(r'<td data-label="承办人">(?:<b>)?([^<]+)<', work)
    assert [r.strip() for r in rows] == [*people, "未指派"]  # each with their role after it


def test_the_key_follows_a_rename_and_a_closed_account(personas, directory, officers, handled, login):
    """A new name (the admin, import-staff: save with update_fields) sorts by the new name at once; a closed
    account's cases by the name it shows, 已注销用户 (yi zhu xiao)."""
    wang = officers["王芳"]
    wang.display_name = "艾芳"  # ai
    wang.save(update_fields=["display_name"])
    client = login(personas["officer"])
    assert listed(client, sort="handler")[:2] == ["王芳的留言1", "王芳的留言2"]
    from minsheng.accounts.rights import do_close_account

    do_close_account(officers["李娜"])
    assert User.objects.get(username__startswith="closed-").name_key == "yi3 zhu4 xiao1 yong4 hu4"  # no 李娜 left
    firsts = [t for t in listed(client, sort="handler") if t.endswith("1")]
    assert firsts == [f"{n}的留言1" for n in ("王芳", "单丽", "李娜", "曾强", "张伟", "未指派")]  # 已注销用户: yi


def test_the_migration_keys_the_accounts_there_were(personas, officers, handled, login):
    """accounts 0009 keys every account made before it (rekey_users): the inbox sorts theirs at once."""
    User.objects.update(name_key="")
    rekey_users(apps)
    assert User.objects.get(display_name="曾强").name_key == "zeng1 qiang2"
    assert listed(login(personas["officer"]), sort="handler")[:2] == ["李娜的留言1", "李娜的留言2"]



def test_byte_order_holds_under_a_collation_that_is_not_c(directory):
    """ByteOrder compares byte by byte also where the text has another collation (a PostgreSQL made with
    en_US or an ICU locale: the suite's own database is C, where the tests above cannot tell): en-US's ICU
    order puts 「a」 before 「B」, bytes 「B」 before 「a」."""
    from django.db import connection
    from django.db.models import F
    from django.db.models.functions import Collate

    from minsheng.accounts.names import ByteOrder

    if connection.vendor != "postgresql":
        pytest.skip("SQLite compares text byte by byte (BINARY) unless told otherwise")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collname = 'en-US-x-icu'")
        if cursor.fetchone() is None:
            pytest.skip("a PostgreSQL built without ICU has no en-US-x-icu collation")
    for n, name in enumerate(["a", "B", "b", "A"]):
        make_user(f"icu{n}", display_name=name)
    users = User.objects.filter(username__startswith="icu")
    icu = Collate(F("display_name"), "en-US-x-icu")
    names = [*users.order_by(icu, "pk").values_list("display_name", flat=True)]
    assert names == ["a", "A", "b", "B"]  # the collation is in force
    names = [*users.order_by(ByteOrder(icu), "pk").values_list("display_name", flat=True)]
    assert names == ["A", "B", "a", "b"]  # and ByteOrder overrides it


@pytest.mark.parametrize(("name", "key"), [
    ("曾", "zeng1"), ("单", "shan4"), ("解", "xie4"), ("仇", "qiu2"), ("朴", "piao2"), ("区", "ou1"), ("查", "zha1"),
    ("盖", "ge3"), ("乐", "yue4"), ("都", "du1"), ("重", "chong2"), ("柏", "bai3"), ("尉迟", "yu4 chi2"),
    ("单于", "chan2 yu2"), ("万俟", "mo4 qi2"), ("乐嘉", "yue4 jia1"), ("柏林", "bai3 lin2"), ("都伟", "du1 wei3"),
    ("尉迟敬德", "yu4 chi2 jing4 de2"), ("曾子", "zeng1 zi5"), ("区小伟", "ou1 xiao3 wei3"),
])
def test_a_name_of_one_character_is_a_surname_read_as_one(name, key):
    """A 承办人 known by the surname alone (曾, 单) sorts where 曾强 and 单丽 do: zeng, shan — not ceng, dan
    (2026-12-05: a one-character name was read as a word); 乐 yue, 都 du, 重 chong, 柏 bai as surnames too."""
    assert name_key(name) == key


def test_a_save_that_writes_no_name_reads_no_pinyin(directory, monkeypatch):
    """Signing in writes ``last_login`` alone (save(update_fields=…)): no pinyin is read for it; a save of the
    name or a whole save still keys the name."""
    from minsheng.accounts import names

    user = make_user("keyed", display_name="曾强")
    read = []
    monkeypatch.setattr(names, "name_key", lambda name: read.append(name) or f"key of {name}")
    user.save(update_fields=["last_login"])
    user.save(update_fields=["privacy_consented_at", "privacy_version"])
    assert read == []
    user.display_name = "单"
    user.save(update_fields=["display_name"])
    assert read == ["单"] and User.objects.get(pk=user.pk).name_key == "key of 单"
    user.save()
    assert read == ["单", "单"]


def test_signing_in_reads_no_pinyin(personas, client, monkeypatch):
    from minsheng.accounts import names

    read = []
    monkeypatch.setattr(names, "name_key", lambda name: read.append(name) or "")
    client.force_login(personas["officer"])  # django.contrib.auth.login: update_last_login
    assert read == []


def test_the_migration_rekeys_the_surnames_read_anew(directory):
    """accounts 0010 rekeys the accounts keyed before a name of one character (曾) and 乐 read as surnames."""
    import importlib

    for n, name in enumerate(["曾", "乐嘉", "李娜"]):
        make_user(f"re{n}", display_name=name)
    User.objects.update(name_key="stale")
    importlib.import_module("minsheng.accounts.migrations.0010_rekey_surnames_alone").key_names(apps, None)
    keys = dict(User.objects.filter(username__startswith="re").values_list("display_name", "name_key"))
    assert keys == {"曾": "zeng1", "乐嘉": "yue4 jia1", "李娜": "stale"}  # 李娜's key did not change: not read
