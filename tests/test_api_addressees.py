"""The leaders' boards (领导留言板) in the API: each addressee's figures — the ones its public
board /leaders/{id}/ shows, counted by the same function (stats.figures.addressee_figures) —
on /api/v1/addressees/ and /api/v1/addressees/{id}/, and ``?q=`` finding an addressee by its
title or the title's pinyin, as /units/?q= finds a unit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minsheng.board.models import Message
from minsheng.directory.models import Addressee, Region
from minsheng.stats.models import OpenCase

from .test_api_support import advance, submit
from .test_pinyin_search import migrated_from

pytestmark = pytest.mark.django_db

# 应签收, 及时签收, 及时签收率 since 2026-12-06, as the board shows 及时签收率
FIGURES = {"received", "replied", "reply_rate", "on_time", "missed", "on_time_rate", "sign_due", "signed_on_time",
           "sign_on_time_rate", "mean_days_to_reply"}


def page_percent(rate) -> str:
    """A rate (0..1) as the board shows it: 「50.0%」, 「—」 for none."""
    return "—" if rate is None else f"{round(100 * rate, 1)}%"


@pytest.fixture
def mayor_board(personas, directory, django_capture_on_commit_callbacks):
    """Three messages to the mayor: one replied, one past its deadline unanswered, one new;
    and one to no leader."""
    p, d = personas, directory
    with django_capture_on_commit_callbacks(execute=True):
        advance(submit(p["citizen"], d, title="写给市长的留言", addressee=d["mayor"]), p, d, "replied")
        late = advance(submit(p["citizen"], d, title="写给市长已过期限", addressee=d["mayor"]), p, d, "dispatched")
        advance(submit(p["citizen"], d, title="写给市长刚受理的", addressee=d["mayor"]), p, d, "accepted")
        advance(submit(p["citizen"], d, title="写给职能部门的留言"), p, d, "replied")
    OpenCase.objects.filter(message=late).update(due_at=timezone.now() - dt.timedelta(days=1))
    return d["mayor"]


def test_each_addressee_has_the_figures_its_public_board_shows(client, mayor_board):
    """An integrator's leaders' dashboard read /addressees/ and found names only: the board's
    受理留言, 已答复, 答复率, 按时率 and 平均答复用时 are now on each item and on the detail,
    the numbers the board page shows."""
    listed = client.get("/api/v1/addressees/").json()["results"]
    mine = next(a for a in listed if a["id"] == mayor_board.pk)
    detail = client.get(f"/api/v1/addressees/{mayor_board.pk}/")
    assert detail.status_code == 200, detail.content
    assert detail.json() == mine
    figures = mine["figures"]
    assert set(figures) == FIGURES
    assert (figures["received"], figures["replied"], figures["on_time"], figures["missed"]) == (3, 1, 1, 1)
    assert figures["reply_rate"] == pytest.approx(1 / 3, abs=1e-4) and figures["on_time_rate"] == 0.5
    board = client.get(f"/leaders/{mayor_board.pk}/").content.decode()
    assert f"<strong>{figures['received']}</strong><span>受理留言</span>" in board
    assert f"<strong>{figures['replied']}</strong><span>已答复</span>" in board
    assert f"<strong>{page_percent(figures['reply_rate'])}</strong><span>答复率</span>" in board
    assert (f"<strong>{page_percent(figures['on_time_rate'])}</strong>"
            f"<span>按时率 ({figures['on_time']} 件按时, 误期 <a href=\"/stats/list/?addressee={mayor_board.pk}"
            f"&amp;measure=missed\">{figures['missed']}</a> 件)</span>") in board
    assert f"<strong>{round(figures['mean_days_to_reply'], 1)}</strong><span>平均答复用时 (工作日)</span>" in board


def test_an_addressee_without_messages_has_zeros_and_no_rates(client, directory):
    figures = client.get(f"/api/v1/addressees/{directory['mayor'].pk}/").json()["figures"]
    assert figures == {"received": 0, "replied": 0, "reply_rate": None, "on_time": 0, "missed": 0,
                       "on_time_rate": None, "sign_due": 0, "signed_on_time": 0, "sign_on_time_rate": None,
                       "mean_days_to_reply": None}


def test_an_unknown_addressee_is_a_404_a_retired_one_keeps_its_figures(client, mayor_board):
    """The list of the offices one may write to has no retired one; its detail, like its board page, stays with
    its figures and the lists behind them, saying it is switched off (2026-12-06: the detail was a 404 while the
    lists it links and the board page answered)."""
    mayor = mayor_board
    assert client.get(f"/api/v1/addressees/{mayor.pk + 1000}/").json()["error"]["message"]
    assert client.get(f"/api/v1/addressees/{mayor.pk + 1000}/").status_code == 404
    assert client.get(f"/leaders/{mayor.pk + 1000}/").status_code == 404
    before = client.get(f"/api/v1/addressees/{mayor.pk}/").json()
    assert before["is_active"] is True and before["figures"]["received"] > 0
    Addressee.objects.filter(pk=mayor.pk).update(is_active=False)
    response = client.get(f"/api/v1/addressees/{mayor.pk}/")
    assert response.status_code == 200
    assert response.json() == {**before, "is_active": False}
    assert client.get(response.json()["lists"]["received"]).json()["count"] == before["figures"]["received"]
    assert mayor.pk not in [a["id"] for a in client.get("/api/v1/addressees/").json()["results"]]
    assert client.get(f"/leaders/{mayor.pk}/").status_code == 200


def test_a_page_of_addressees_counts_its_figures_in_a_constant_number_of_queries(
        client, mayor_board, django_assert_num_queries):
    lanzhou = Region.objects.get(code="620100")
    with django_assert_num_queries(6):  # the count, the page, the figures' four (签收 since 2026-12-06)
        one = client.get("/api/v1/addressees/").json()
    assert one["count"] == 1
    for title in ("兰州市副市长", "兰州市政务服务中心主任", "兰州市信访局局长", "兰州市秘书长"):
        Addressee.objects.create(title=title, region=lanzhou)
    with django_assert_num_queries(6):
        five = client.get("/api/v1/addressees/").json()
    assert five["count"] == 5
    assert [a["figures"] for a in five["results"] if a["id"] == mayor_board.pk] == [one["results"][0]["figures"]]


# --- ?q= ------------------------------------------------------------------------------

def titles(client, q, **params):
    response = client.get("/api/v1/addressees/", {"q": q, **params})
    assert response.status_code == 200, response.content
    return [a["title"] for a in response.json()["results"]]


@pytest.mark.parametrize("typed", ["市长", "兰州市市长", "shizhang", "lzssz", "LZSSZ", "ｓｚ", "shi zhang"])
def test_the_addressees_api_finds_a_leader_by_title_or_pinyin(client, directory, typed):
    Addressee.objects.create(title="兰州市信访局局长", region=Region.objects.get(code="620100"))
    assert titles(client, typed) == ["兰州市市长"]


def test_the_addressees_q_keeps_the_region_filter_and_finds_nothing_as_an_empty_list(client, directory):
    assert titles(client, "shizhang", region="620100") == ["兰州市市长"]
    assert titles(client, "shizhang", region="621100") == []
    assert titles(client, "xyzq") == []


@pytest.mark.django_db(transaction=True)
def test_the_migration_keys_the_addressees_already_there():
    def rows(old):
        region = old.get_model("directory", "Region").objects.create(code="620100", name="兰州市", level=2,
                                                                     prefix="6201")
        old.get_model("directory", "Addressee").objects.create(title="兰州市市长", region=region)

    migrated_from("0006_unit_derived_short_form", rows)
    assert Addressee.objects.get().pinyin == "lanzhoushishizhang lzssz"


def test_a_units_contact_phone_is_public_on_its_pages_and_in_the_api(personas, directory, client, mayor_board):
    """Citizens could not find how to reach a unit (until 2026-12-06). Its 联系电话 (Unit.contact_phone) is on the
    board of the leader's office it handles, beside each of its replies, and in /api/v1/units/ (and the OpenAPI
    schema); a unit without one shows none, and Open311's services say nothing of units."""
    center, housing = directory["center"], directory["housing"]
    center.contact_phone = "12345、0931-8461234"
    center.save(update_fields=["contact_phone"])
    board = client.get(f"/leaders/{directory['mayor'].pk}/").content.decode()
    assert "受理单位: 兰州市政务服务中心" in board and "联系电话: 12345、0931-8461234" in board
    housing.contact_phone = "0931-8467788"
    housing.save(update_fields=["contact_phone"])
    answered = Message.objects.get(title="写给市长的留言")
    page = client.get(f"/m/{answered.public_id}/").content.decode()
    assert "联系电话: 0931-8467788" in page
    units = {u["name"]: u for u in client.get("/api/v1/units/", {"page_size": 100}).json()["results"]}
    assert units["兰州市政务服务中心"]["contact_phone"] == "12345、0931-8461234"
    assert units["兰州市交通运输局"]["contact_phone"] == ""
    schema = client.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert "contact_phone" in schema["Unit"]["properties"]
    services = client.get("/open311/v2/services.json")
    assert services.status_code == 200 and services.json() and "contact_phone" not in services.content.decode()
