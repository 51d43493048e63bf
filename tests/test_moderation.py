"""Personal data a citizen writes into a message is hidden wherever the message is
public (pages, API, Open311, public exports) and shown as written to the author and to
staff, who also get a notice of it and of abusive or advertising wording."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from minsheng.board import actions
from minsheng.board.moderation import grouped, mask, personal_data, review

PHONE, ID_NO, EMAIL = "13912345678", "620102198001010017", "zhang.san@qq.com"
BODY = (f"我家楼下的路灯坏了一个月, 请联系我 {PHONE}, 身份证 {ID_NO}, 邮箱 {EMAIL}, "
        "座机 0931-8451234。留言编号 20261129000019 的问题也一样。")


@pytest.mark.parametrize("text, hidden, kept", [
    (f"电话{PHONE}", "139****5678", PHONE),
    ("电话 +86 139-1234-5678 或 139 1234 5678", "139****5678", "1234"),
    (f"身份证{ID_NO}", "6201**********0017", ID_NO),
    ("身份证62010219800101001X", "6201**********001X", "19800101"),
    (f"邮箱{EMAIL}", "z***@qq.com", "zhang.san"),
    ("卡号6222 0202 0000 1234 567", "***************4567", "6222"),
    ("座机0931-8451234", "0931-****1234", "8451234"),
    ("我叫王小明, 家住幸福小区", "我叫王**", "小明"),
    ("本人姓名：欧阳娜娜", "欧阳**", "娜娜"),
    ("联系人: 李四 13912345678", "李*", "李四"),
    ("姓名：马小军", "马**", "小军"),
    ("我叫陈明是小区业主", "我叫陈*是", "陈明"),
    ("2单元502的住户", "2单元***的", "502"),
    ("2号楼3单元501室楼上漏水", "2号楼3单元***室", "501"),
    ("5栋1203室", "5栋****室", "1203"),
    ("举报人：刘洋, 反映小区噪音", "举报人：刘*", "刘洋"),
    ("我叫张伟, 家住幸福小区。张伟家楼下的路灯坏了, 找张伟先生", "我叫张*, 家住幸福小区。张*家楼下", "张伟"),
    # typed in full width (a phone's Chinese keyboard): hidden as well, not published as written
    ("我的电话１３９１２３４５６７８", "139****5678", "５６７８"),
    ("身份证６２０１０２１９８００１０１００１７", "6201**********0017", "１９８００１０１"),
    ("邮箱ｚｈａｎｇ＠ｑｑ．ｃｏｍ", "z***@qq.com", "ｚｈａｎｇ"),
    ("座机０９３１－８４５１２３４", "0931-****1234", "８４５１２３４"),
])
def test_mask_hides_personal_data(text, hidden, kept):
    assert hidden in mask(text) and kept not in mask(text)


@pytest.mark.parametrize("text", [
    "留言编号 20261129000019", "2号楼3单元", "2026年3月1日到12月1日", "建于1995年的六层住宅, 住了120户",
    "公交12路和1路", "金额 3000 元", "联系人: 张先生", "请联系人方便时回电", "我叫不出它的名字", "楼高120米", "",
    "我叫师傅来修", "我叫房东来看", "我叫马上来", "我叫林业局", "我叫孙子回来", "联系人武部", "我叫了物业",
    "3单元2024年开始漏水", "每单元1000元", "每个单元120平方米", "一单元100多户", "该楼300户居民",
    "小区共18栋楼1200户", "2号楼房价3000元",
])
def test_ordinary_numbers_stay(text):
    assert mask(text) == text and personal_data(text) == []


@pytest.mark.parametrize("text, hidden, kept", [
    ("我儿子王小明在幸福小学上学，王小明的班主任说", "我儿子王**在幸福小学上学，王**的班主任", "小明"),
    ("我的母亲李秀英今年70岁", "我的母亲李**今年70岁", "秀英"),
    ("我父亲叫郭瑞友，是退休职工", "我父亲叫郭**，", "瑞友"),
    ("与邻居谢海常家发生地基纠纷", "邻居谢**家", "海常"),
    ("本人妻子刘敏于2002年调入", "本人妻子刘*于", "刘敏"),
    ("我爸周凡魁在工地摔伤, 我表姐唐飞跃在医院陪护", "我爸周**在工地摔伤, 我表姐唐**在医院", "飞跃"),
])
def test_a_relative_or_neighbour_named_is_hidden(text, hidden, kept):
    assert hidden in mask(text) and kept not in mask(text)


@pytest.mark.parametrize("text", [
    "我女儿周末在家", "我孩子严重过敏", "其他同事陆续接到通知", "我老公钱没拿到", "邻居李家的狗",
    "房东刘某不退押金", "邻居王大爷", "邻居老王", "我父亲曾在工厂上班", "我儿子今年上初中", "同事们都知道",
    "我孩子吴同学说", "我妈妈说",
])
def test_words_after_a_relative_are_not_taken_for_names(text):
    assert mask(text) == text


def test_review_groups_what_staff_should_know():
    found = grouped(review("傻逼物业不修路灯", BODY + " 详见 http://spam.example 加微信"))
    labels = [label for label, _ in found]
    assert labels[:4] == ["手机号", "身份证号", "邮箱", "固定电话"]
    assert ("不文明用语", ["傻逼"]) in found and "疑似广告或链接" in labels


def test_a_name_introduced_in_the_body_is_hidden_in_the_title():
    assert mask("张伟家门口的路灯坏了", context="我叫张伟, 住在2号楼") == "张*家门口的路灯坏了"
    assert mask("张伟家门口的路灯坏了", context="路灯坏了") == "张伟家门口的路灯坏了"  # nobody introduced


@pytest.fixture
def public_message(personas, directory, django_capture_on_commit_callbacks):
    d, p = directory, personas
    with django_capture_on_commit_callbacks(execute=True):  # the statistics (exports) update after commit
        m = actions.do_submit(p["citizen"], title=f"路灯坏了 请回电{PHONE}", body=BODY, kind="help",
                              region=d["lanzhou"], topic=d["topic_build"])
        actions.do_accept(p["dispatcher"], m)
    m.refresh_from_db()
    return m


def _leaks(text: str) -> list[str]:
    return [secret for secret in (PHONE, ID_NO, EMAIL) if secret in text]


@pytest.mark.django_db
def test_public_page_list_and_api_hide_personal_data(client, public_message):
    m = public_message
    page = client.get(f"/m/{m.public_id}/").content.decode()
    assert "139****5678" in page and "6201**********0017" in page and not _leaks(page)
    assert "20261129000019" in page  # a message number is not personal data
    assert not _leaks(client.get("/browse/").content.decode())
    api = APIClient()
    assert not _leaks(api.get(f"/api/v1/messages/{m.public_id}/").content.decode())
    assert not _leaks(api.get("/api/v1/messages/").content.decode())
    export = b"".join(client.get("/stats/export/messages.csv").streaming_content).decode("utf-8-sig")
    assert "139****5678" in export and not _leaks(export)


@pytest.mark.django_db
def test_open311_hides_personal_data(client, public_message):
    body = client.get("/open311/v2/requests.json").content.decode()
    assert "139****5678" in body and not _leaks(body)


@pytest.mark.django_db
def test_author_and_staff_read_the_text_as_written(public_message, personas, login):
    m = public_message
    author = APIClient()
    author.force_authenticate(personas["citizen"])
    own = author.get(f"/api/v1/me/messages/{m.public_id}/").json()
    assert PHONE in own["title"] and ID_NO in own["body"]
    [mine] = [i for i in author.get("/api/v1/me/messages/").json()["results"] if i["public_id"] == m.public_id]
    assert PHONE in mine["title"] and PHONE in mine["excerpt"]
    staff = APIClient()
    staff.force_authenticate(personas["dispatcher"])
    [item] = [i for i in staff.get("/api/v1/staff/inbox/").json()["results"] if i["public_id"] == m.public_id]
    assert PHONE in item["title"] and item["overdue"] is False and "due_at" in item
    case = login(personas["dispatcher"]).get(f"/staff/case/{m.public_id}/").content.decode()
    assert ID_NO in case and "审核提示" in case and "身份证号" in case and "公开页面会自动隐去" in case


@pytest.mark.django_db
def test_no_notice_for_an_ordinary_message(personas, directory, login):
    m = actions.do_submit(personas["citizen"], title="路灯坏了一个月", body="我家楼下2号楼旁的路灯坏了一个月, 晚上很黑。",
                          kind="help", region=directory["lanzhou"], topic=directory["topic_build"])
    case = login(personas["dispatcher"]).get(f"/staff/case/{m.public_id}/").content.decode()
    assert "审核提示" not in case


@pytest.mark.django_db
def test_a_hotspot_named_after_a_message_hides_its_personal_data(public_message):
    from minsheng.insight.hotspots_service import place_message

    hotspot = place_message(public_message)
    assert "139****5678" in hotspot.title and PHONE not in hotspot.title


@pytest.mark.django_db
def test_search_does_not_find_a_message_by_its_authors_phone_number(client, public_message):
    assert public_message.public_id not in client.get("/browse/", {"q": PHONE}).content.decode()
    assert public_message.public_id in client.get("/browse/", {"q": "路灯"}).content.decode()


@pytest.mark.django_db
def test_a_name_introduced_once_is_hidden_everywhere_in_public(client, personas, directory):
    m = actions.do_submit(personas["citizen"], title="赵建国家门口的路灯坏了",
                          body="我叫赵建国, 住在2号楼。赵建国家门口的路灯坏了一个月。", kind="help",
                          region=directory["lanzhou"], topic=directory["topic_build"], address="赵建国家门口")
    actions.do_accept(personas["dispatcher"], m)
    page = client.get(f"/m/{m.public_id}/").content.decode()
    listed = client.get("/browse/").content.decode()
    api = APIClient().get(f"/api/v1/messages/{m.public_id}/").json()
    assert "赵**家门口的路灯坏了" in page and "赵**家门口" in listed
    assert "建国" not in page and "建国" not in listed and "建国" not in str(api)
    assert api["title"] == "赵**家门口的路灯坏了" and api["address"] == "赵**家门口"


@pytest.mark.django_db
@pytest.mark.parametrize("migration, title, body, name", [
    ("0005_search_text_without_repeated_names", "王小明家门口垃圾成堆", "我叫王小明, 垃圾一周没人清运。", "王小明"),
    ("0006_search_text_without_relatives_names", "养老金停发三个月", "我父亲郭瑞友退休十年, 养老金停发三个月。", "郭瑞友"),
    ("0006_search_text_without_relatives_names", "我父亲郭瑞友的养老金停发", "养老金已经三个月没有发放了。", "郭瑞友"),
    ("0027_search_text_without_other_forms_of_phones_and_flats", "垃圾一周没人清运", "家里座机09318123456。",
     "09318123456"),
    ("0027_search_text_without_other_forms_of_phones_and_flats", "5号楼502门前垃圾", "垃圾一周没人清运。", "5号楼502"),
    ("0029_search_text_without_own_service_like_numbers_and_flats_by_rooms", "垃圾一周没人清运", "我电话96123456。",
     "96123456"),
    ("0029_search_text_without_own_service_like_numbers_and_flats_by_rooms", "垃圾一周没人清运",
     "我住3单元501室商铺门前垃圾成堆。", "501室"),
    ("0032_search_text_without_home_flats_and_owned_service_lines", "垃圾一周没人清运", "我住3号楼101超市门前垃圾成堆。",
     "101超市"),
    ("0032_search_text_without_home_flats_and_owned_service_lines", "垃圾一周没人清运", "联系电话：96123456（本人）。",
     "96123456"),
    ("0033_search_text_without_home_flats_numbered_with_hao", "垃圾一周没人清运", "我住的是3号楼1102号房, 门前垃圾成堆。",
     "1102"),

    ("0035_search_text_with_places_and_dates_after_a_building", "垃圾一周没人清运", "联系电话：96123456，本人。",
     "96123456"),
    ("0036_search_text_without_own_names_ending_as_places", "垃圾一周没人清运", "我叫王一路，门前垃圾成堆。", "王一路"),
    ("0036_search_text_without_own_names_ending_as_places", "垃圾一周没人清运", "我儿子刘晓路在门口倒垃圾。", "刘晓路"),
    ("0038_search_text_without_names_ending_as_villages_and_flats_after_de", "垃圾一周没人清运", "我爸爸王建村在门口倒垃圾。",
     "王建村"),
    ("0038_search_text_without_names_ending_as_villages_and_flats_after_de", "垃圾一周没人清运",
     "我住3栋的5楼3-12-2024, 门前垃圾成堆。", "2024"),
    ("0041_search_text_without_phone_extensions", "垃圾一周没人清运", "我家电话0931-8123456转802。", "802"),
    ("0041_search_text_without_phone_extensions", "垃圾一周没人清运", "座机8123456分机6021, 门前垃圾成堆。", "6021"),
])
def test_the_reindex_migration_forgets_a_name_an_older_index_kept(client, personas, directory, migration, title, body,
                                                                  name):
    import importlib

    from django.apps import apps

    from minsheng.board.models import Message
    from minsheng.insight.text import search_terms

    m = actions.do_submit(personas["citizen"], title=title, body=body,
                          kind="help", region=directory["lanzhou"], topic=directory["topic_build"])
    actions.do_accept(personas["dispatcher"], m)
    older = " " + " ".join(search_terms(f"{m.title} {m.body}")) + " "  # an index that kept the name
    Message.objects.filter(pk=m.pk).update(search_text=older)
    assert m.public_id in client.get("/browse/", {"q": name}).content.decode()
    importlib.import_module(f"minsheng.board.migrations.{migration}").reindex(apps, None)
    assert m.public_id not in client.get("/browse/", {"q": name}).content.decode()
    assert m.public_id in client.get("/browse/", {"q": "养老金" if "养老金" in body else "垃圾"}).content.decode()


@pytest.mark.django_db
def test_the_reindex_migration_finds_what_the_masked_text_now_leaves_whole(client, personas, directory):
    """Board 0028: a service line, a public room after a building's number and a date were hidden in the index of a message
    stored before 2026-12-06; re-indexed, a search finds the message by them, as it finds one stored since."""
    import importlib

    from django.apps import apps

    from minsheng.board.models import Message
    from minsheng.insight.text import search_terms

    m = actions.do_submit(personas["citizen"], title="停电一整天", body="联系电话95105588打不通, 1号楼101是物业办公室也没人。",
                          kind="help", region=directory["lanzhou"], topic=directory["topic_build"])
    actions.do_accept(personas["dispatcher"], m)
    older = " " + " ".join(search_terms("停电一整天 联系电话****5588打不通, 1号楼***是物业办公室也没人。")) + " "
    Message.objects.filter(pk=m.pk).update(search_text=older)
    assert m.public_id not in client.get("/browse/", {"q": "95105588"}).content.decode()
    importlib.import_module("minsheng.board.migrations.0028_search_text_with_public_rooms_dates_and_service_lines").reindex(
        apps, None)
    assert m.public_id in client.get("/browse/", {"q": "95105588"}).content.decode()
    assert m.public_id in client.get("/browse/", {"q": "停电"}).content.decode()


@pytest.mark.django_db
def test_the_reindex_migration_finds_a_place_a_surname_begins(client, personas, directory):
    """Board 0034: a place's name that begins with a surname (邻居鲁庄镇的) was cut as a person's in the index of a message
    stored before the privacy review of 2026-12-06; re-indexed, a search finds the message by it."""
    import importlib

    from django.apps import apps

    from minsheng.board.models import Message
    from minsheng.insight.text import search_terms

    m = actions.do_submit(personas["citizen"], title="垃圾一周没人清运", body="邻居鲁庄镇的人在门口倒垃圾。",
                          kind="help", region=directory["lanzhou"], topic=directory["topic_build"])
    actions.do_accept(personas["dispatcher"], m)
    older = " " + " ".join(search_terms("垃圾一周没人清运 邻居鲁**的人在门口倒垃圾。")) + " "
    Message.objects.filter(pk=m.pk).update(search_text=older)
    assert m.public_id not in client.get("/browse/", {"q": "鲁庄镇"}).content.decode()
    importlib.import_module("minsheng.board.migrations.0035_search_text_with_places_and_dates_after_a_building").reindex(
        apps, None)
    assert m.public_id in client.get("/browse/", {"q": "鲁庄镇"}).content.decode()


@pytest.mark.parametrize("title, body", [
    ("早晚高峰拥堵", "联系人：高峰，电话13912345678。早晚高峰时段拥堵"),
    ("没有卫生许可证", "我叫许可，没有卫生许可证"),
    ("金华路井盖缺失", "联系人：金华。金华路井盖缺失"),
    ("兰州五中高中部食堂卫生差", "投诉人：高中女生家长。高中部食堂"),
])
def test_a_two_character_name_is_not_hidden_where_it_is_an_ordinary_word(title, body):
    assert mask(title, context=body) == title


def test_names_are_looked_for_wherever_an_introduction_can_stand():
    """NAME runs only on texts holding one of NAME_CUES (a fast literal search): texts built of
    NAME's own words, surnames and punctuation, wherever NAME finds a name, hold a cue — a word
    added to NAME and not to the cues would let names through unmasked."""
    import random
    import re

    from minsheng.board import moderation as m

    words = sorted(set(re.findall(r"[\u4e00-\u9fa5]{2,}", m.NAME.pattern)) | set(m.RELATIVE.split("|")))
    pieces = words + list(m.SURNAMES[:40] + m.WORDLIKE_SURNAMES) + list("我的叫是家在:：, 。明华") + ["本人", "我家"]
    rng = random.Random(7)
    found = 0
    for _ in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
        if m.NAME.search(text):
            found += 1
            assert m.NAME_CUES.search(text), text
    assert found > 100  # the texts do introduce names (about 250)


# Review of 2026-12-05 (personal data in replies and public text): a landline written without a dash, in brackets or
# as a bare local number after a phone word, a flat written without 单元 / 栋, and a greeting by the given name alone
# were published as written.
@pytest.mark.parametrize("text, hidden, kept", [
    ("座机09318123456请回电", "0931-****3456", "8123456"),
    ("电话(0931)8123456", "0931-****3456", "8123456"),
    ("电话（０９３１）８１２３４５６", "0931-****3456", "８１２３４５６"),
    ("电话 0931 8123456", "0931-****3456", "8123456"),
    ("电话0931—8123456或0931–8123457", "0931-****3456或0931-****3457", "812345"),
    ("北京的家01082345678", "010-****5678", "82345678"),
    ("家里电话8123456, 白天有人", "电话****3456", "8123456"),
    ("联系方式：81234567", "联系方式：****4567", "81234567"),
    ("手机 8123456 随时可打", "手机 ****3456", "8123456"),
    ("家住5号楼502, 楼上漏水", "5号楼***,", "502"),
    ("家住3-2-501室", "3-2-***室", "501"),
    ("住在3-2-501, 楼道灯坏了", "3-2-***,", "501"),
    ("2幢301室楼上漏水", "2幢***室", "301"),
    ("我家1102室卫生间漏水", "****室", "1102"),
    ("住在12楼3号, 电梯常坏", "12楼*号,", "3号"),
])
def test_landlines_and_flats_written_other_ways_are_hidden(text, hidden, kept):
    assert hidden in mask(text) and kept not in mask(text)
    assert personal_data(text)


@pytest.mark.parametrize("text", [
    "请拨打12345热线", "服务电话96345", "电话12345678901234", "2026-12-05办结", "3号楼500米处", "到3楼5号窗口办理",
    "邮编730030", "1楼100平方米", "5号楼2024年建成", "共3-2-1个批次", "编号0931", "电话号码是多少", "手机1391234",
    "3号楼300户居民", "到市政府7楼704办公室", "6栋106-109号商铺", "3栋105m2户型", "2栋120㎡",
])
def test_ordinary_numbers_near_phone_words_and_buildings_stay(text):
    assert mask(text) == text and personal_data(text) == []


@pytest.mark.parametrize("text, hidden, kept", [
    ("伟您好! 经核查, 路灯已修好。", "*您好!", "伟您好"),
    ("小伟你好, 经核查, 路灯已修好。", "小*你好,", "小伟"),
    ("尊敬的王伟同学: 你好", "尊敬的王*同学", "王伟"),
    ("王伟老师您好, 经核查", "王*老师您好", "王伟"),
    ("王伟阿姨: 您好", "王*阿姨", "王伟"),
    ("王伟网友：您好! 经核查", "王*网友", "王伟"),
])
def test_a_greeting_by_the_known_name_in_any_form_is_hidden(text, hidden, kept):
    assert hidden in mask(text, names=("王伟",)) and kept not in mask(text, names=("王伟",))
    assert hidden in mask(text, context="我叫王伟, 路灯坏了")


@pytest.mark.parametrize("text", ["说明您好像没有登记", "伟大的城市, 你好", "您好, 经核查, 伟业路路灯已修好", "王先生您好"])
def test_a_given_name_is_hidden_only_in_a_greeting(text):
    assert mask(text, names=("王伟",)) == text


# Review of 2026-12-05 (later): a public room or a shop numbered after a building or a floor (a window, a meeting
# room, a consulting room, a shop) and a time after a date's 号 were hidden as a flat since the flat patterns above; they locate the
# problem and identify nobody
@pytest.mark.parametrize("text", [
    "政务服务中心3楼301窗口办理", "信访局在市政府1号楼302会议室", "医院门诊楼3楼305诊室看病", "教学楼2楼201教室漏雨",
    "住院部5号楼1203病房没有热水", "社保局1号楼105大厅排长队", "区医院2号楼302科室不开门", "12月5号1430左右停电",
    # a shop or a service on the ground floor of a building (the commonest complaint: 底商的油烟) is where the problem is
    "3号楼101商铺油烟扰民", "小区5号楼102门面开了烧烤店", "8号楼103超市卖过期食品", "底商2号楼108餐厅噪音",
    "万达广场3楼301店铺", "9号楼201幼儿园门口拥堵", "12号楼102快递驿站占道", "5号楼101车位被占",
])
def test_public_rooms_and_times_after_a_building_stay(text):
    assert mask(text) == text and personal_data(text) == []


# Review of 2026-12-06 (over-masking in public text): a room named for what it is (物业办公室, 居委会, 门卫室, 商铺 …)
# after a building's number, a date written with dashes, a service line after a phone word, and a place a citizen's
# name begins (金城市民 to 金城) were hidden as a flat, a phone or a name; they identify nobody
@pytest.mark.parametrize("text", [
    "1号楼101是物业办公室", "1号楼101物业办公室没人", "3号楼102是居委会", "5栋101门卫室", "2号楼103室是社区居委会",
    "6号楼101是商铺", "2单元101室为物业用房", "12楼1201是党群服务中心",
    "12-05-2024停水", "05-12-2024起漏水", "2024-12-05停水", "12/05/2024停水", "2024.12.05停水", "2024/12/05停水",
    "3号楼2024/12/05起漏水", "于12-05-2024 14:30停电",
    "联系电话95105588", "拨打12345", "95598", "客服电话95598", "服务电话96123456", "请拨打电话95105588咨询",
    "联系电话4008123456", "客服电话400-812-3456", "热线800-810-8888", "电话12345",
])
def test_public_rooms_dates_and_service_lines_stay(text):
    assert mask(text) == text and personal_data(text) == []


@pytest.mark.parametrize("text, hidden, kept", [
    ("我住1号楼101, 楼道灯坏了", "1号楼***,", "101"),
    ("我家1号楼101是一楼, 物业办公室不管", "1号楼***是一楼", "101"),
    ("家住3号楼101室是商品房", "3号楼***室", "101"),
    ("我的电话82345678, 白天有人", "电话****5678", "82345678"),
    ("家住3-2-2001, 楼道灯坏了", "3-2-****,", "2001"),
    ("我是C1栋302/304的业主", "C1栋***/", "302"),
])
def test_a_citizens_flat_and_landline_beside_those_are_still_hidden(text, hidden, kept):
    assert hidden in mask(text) and kept not in mask(text)


@pytest.mark.parametrize("text, hidden, kept", [
    ("我是金城市民, 路灯坏了", "我是金城市民", None),
    ("金城市民反映, 金城您好", "金城市民反映, 金*您好", None),
    ("金华市金华路", "金华市金华路", None),
    ("我叫王伟, 王伟市民您好", "王*市民您好", "王伟"),
    ("金城市民您好! 经核查, 路灯已修好", "金*市民您好", "金城"),
    ("金城市民: 您好", "金*市民:", "金城"),
])
def test_a_place_the_citizens_name_begins_is_not_broken(text, hidden, kept):
    name = "王伟" if "王伟" in text else ("金华" if "金华" in text else "金城")
    assert hidden in mask(text, names=(name,))
    assert kept is None or kept not in mask(text, names=(name,))


# Review of the over-masking review (2026-12-06, later): its service line after a phone word and its public room after
# a flat's number published a citizen's own number (我电话96123456) and their flat where the room's word was the
# organisation they complain of (我住1号楼101物业管理费…, 我家2号楼1201门卫不让进): each hidden before it
@pytest.mark.parametrize("text, kept", [
    ("我电话96123456，请联系我", "96123456"), ("我的电话是95123456, 白天有人", "95123456"),
    ("我手机96123456", "96123456"), ("本人电话96581234", "96581234"), ("我家电话：96123456", "96123456"),
    ("宅电96123456", "96123456"), ("我的联系电话95123456", "95123456"), ("联系方式：96123456", "96123456"),
    ("我住1号楼101物业管理费一直交", "101"), ("我家住6号楼1502物业公司乱收费", "1502"),
    ("我家2号楼1201门卫不让进", "1201"), ("我住5号楼1201居委会不管", "1201"), ("我家3号楼1201社区服务太差", "1201"),
    ("我住2号楼1201党群活动太吵", "1201"),
])
def test_a_citizens_own_service_like_number_and_flat_before_an_organisation_stay_hidden(text, kept):
    assert kept not in mask(text) and personal_data(text)


def test_a_long_run_of_digits_or_dashes_is_masked_at_once():
    """The e-mail pattern was tried at each character of a run without an @: 40,000 digits took 6 s to mask (a reply
    may hold 10,000 characters, 0.4 s), a time growing with the square of the length; now a few hundredths."""
    import time

    for text in ("1" * 40000, "1-" * 20000, "12-05-" * 6666):
        started = time.perf_counter()
        assert mask(text) == text
        assert time.perf_counter() - started < 1.5


# and a flat written with its 室 / 房 before a shop or an office the citizen complains of, or a room the flat is beside
@pytest.mark.parametrize("text, kept", [
    ("我住3单元501室商铺噪音大", "501"), ("我家6号楼1102室办公室没人接", "1102"), ("我住8栋302房超市噪音", "302"),
    ("我家3单元501室社区服务站不管", "501"), ("我住6号楼1102室店铺卖东西", "1102"), ("我家8栋302房快递柜总坏", "302"),
    ("我住3号楼101是物业办公室楼上", "101"), ("我家12楼1201是门面房改的", "1201"), ("我住5栋1202社区服务站不管", "1202"),
])
def test_a_flat_beside_a_shop_or_an_office_stays_hidden(text, kept):
    assert kept not in mask(text) and personal_data(text)


# Review of 2026-12-06 (gaps left by the reviews above): a flat read as a date (住3-12-2024) or as a shop's number (我住3号楼
# 101超市噪音: the citizen's home, then what they complain of), the second of two flats (302/304) and a service-like
# number given as the writer's after it (96123456（本人）) were published as written
@pytest.mark.parametrize("text, kept", [
    ("我住3-12-2024, 楼道灯坏了", "2024"), ("家住3-12-2024楼上漏水", "2024"), ("我家是5号楼3-12-1201", "1201"),
    ("本人住在幸福小区3-15-2001", "2001"), ("2号楼3-12-2024漏水", "2024"),
    ("我住3号楼101超市噪音大", "101"), ("我家5号楼102门面开了烧烤店太吵", "102"), ("家住3单元101超市油烟", "101"),
    ("我住8栋1203快递柜总坏", "1203"),
    ("住址：5号楼1202商铺隔壁", "1202"),
    ("我是C1栋302/304的业主", "304"), ("我住302/304室", "302"), ("家住3单元502/503, 楼道灯坏了", "503"),
    ("我住3号楼101/102/103", "103"),
    # two flats joined by 和, 、 or 及: the second was published (review1's list of 2026-12-06)
    ("我住3栋502和503, 两套都漏水", "503"), ("家住3单元502、503", "503"), ("我家是5号楼1201及1202", "1202"),
    ("我住3栋502和503室", "502"),
    # its number with 号 (1102号房) or in a building named by a letter (B座): published as written (review1, 2026-12-06)
    ("我住的是3号楼1102号房", "1102"), ("我家住5栋1102号, 楼上漏水", "1102"), ("本人住B座1102", "1102"),
    ("我住A栋1203, 楼道灯坏了", "1203"),
    ("联系电话：96123456（本人）", "96123456"), ("联系电话95123456 (我的)", "95123456"),
    ("联系电话：96123456（家里）", "96123456"), ("电话96581234是本人的", "96581234"),
    ("联系电话96123456（本人手机）", "96123456"), ("联系电话96123456个人电话", "96123456"),
])
def test_a_flat_or_number_given_as_the_citizens_is_hidden_whatever_follows_it(text, kept):
    assert kept not in mask(text) and personal_data(text)


@pytest.mark.parametrize("text", [
    "12-05-2024停水", "日期: 3-12-2024", "于3-12-2024到现场", "我住的小区在3-12-2024号停水", "我住这里, 3-12-2024停水",
    "住3号楼, 从3-12-2024起漏水", "2024/12/05停水", "我住3号楼, 2024/12/05起漏水", "我住12-05-2024起没热水",
    "1号楼101是物业办公室", "8号楼103超市卖过期食品", "3号楼101商铺油烟扰民", "302/304路公交车晚点",
    "联系电话95105588", "某公司联系电话95105588（客服）", "供电公司服务电话95598",
    # the writer's words after a service line are no owner of it (review1, 2026-12-06: hidden as theirs)
    "物业服务电话96123456个人觉得态度很差", "客服电话96123456本人打了十几次都没人接", "服务电话96123456（我打了三次都没人接）",
    "市住建局1号楼302会议室开会", "我家对面8号楼103超市卖过期食品", "我家附近医院3楼305诊室", "我住院部5号楼1203病房",
    # 住户, 住宅 are residents and housing, not the writer's home: the shop they name stays (hidden after the review above)
    "我家5号楼108号商铺油烟大", "我家门口3号楼108号门面装修",
    "住户反映3号楼101超市噪音", "小区住户投诉5栋102烧烤店油烟扰民", "幸福住宅小区3号楼101药店无证经营",
])
def test_dates_shops_bus_lines_and_service_lines_stay_beside_a_home(text):
    assert mask(text) == text and personal_data(text) == []


@pytest.mark.parametrize("text, kept", [
    ("我住3号楼502和物业说过", "和物业说过"), ("家住3单元502、2024年起漏水", "2024年"), ("我住3栋502和305路公交站很近", "305路"),
    ("我住3栋502和1200元押金的事", "1200元"),
])
def test_after_the_writers_flat_and_a_conjunction_a_year_a_sum_or_a_bus_line_stays(text, kept):
    """和 or 、 after the writer's flat joins a second flat (502和503), not a year, a sum or a bus line."""
    assert "502" not in mask(text) and kept in mask(text)


# Review of 2026-12-06 (privacy edges): a 95 / 96 number given as the writer's after a comma (联系电话：96123456，本人)
# was published, though without the comma it was hidden
@pytest.mark.parametrize("text", [
    "联系电话：96123456，本人", "联系电话96123456, 本人。", "电话：96581234，我的", "联系电话：96123456，是本人的",
    "联系电话96123456，本人手机，请回电",
])
def test_a_service_like_number_given_as_the_writers_after_a_comma_is_hidden(text):
    assert "6123456" not in mask(text) and "6581234" not in mask(text) and personal_data(text)


@pytest.mark.parametrize("text", [
    "联系电话96123456，打了十几次都没人接", "客服电话96123456，本人打了十几次都没人接", "服务电话96123456，我觉得态度很差",
])
def test_a_service_line_followed_by_the_writers_words_after_a_comma_stays(text):
    assert mask(text) == text and personal_data(text) == []


# a date after a building's word with other words between (3栋的电梯3-12-2024坏了) was hidden as building-unit-flat
@pytest.mark.parametrize("text", [
    "3栋的电梯3-12-2024坏了", "5号楼电梯3-12-2024又停了", "2单元的门禁3-15-2024起就坏了", "我住3栋的电梯3-12-2024坏了",
])
def test_a_date_after_a_building_and_other_words_stays(text):
    assert mask(text) == text and personal_data(text) == []


@pytest.mark.parametrize("text, kept", [
    ("我住3栋3-12-2024, 楼道灯坏了", "2024"), ("2号楼3-12-2024漏水", "2024"), ("门牌号：3-12-1201", "1201"),
])
def test_a_flat_written_like_a_date_right_after_its_building_stays_hidden(text, kept):
    assert kept not in mask(text) and personal_data(text)


# a place's name whose first character is a surname (王庄村, 陶然苑, 鲁庄镇) was cut as a person's name after 联系人:,
# a relative's or a neighbour's word, or where a known name begins it (李明家园 to a citizen named 李明)
@pytest.mark.parametrize("text, names", [
    ("联系人：王庄村", ()), ("我妈妈张庄村的地被占了", ()), ("邻居鲁庄镇的人来闹事", ()), ("我妈妈陶然苑的业主群里说", ()),
    ("我女儿曾庄村上学太远", ()), ("反映人：邹家湾村, 电话", ()), ("我家在李明家园小区", ("李明",)),
    ("我叫李明, 住在李明花园", ()), ("联系人：柴家坪村", ()),
])
def test_a_place_whose_name_begins_with_a_surname_is_not_cut(text, names):
    shown = mask(text, names=names)
    place = next(w for w in ("王庄村", "张庄村", "鲁庄镇", "陶然苑", "曾庄村", "邹家湾村", "李明家园", "李明花园", "柴家坪村")
                 if w in text)
    assert place in shown, shown


@pytest.mark.parametrize("text, names, kept", [
    ("张三说路灯坏了", ("张三",), "张三"), ("联系人李明", (), "李明"), ("我叫李明, 住在幸福花园", (), "李明"),
    ("联系人：王庄, 电话", (), "王庄"), ("我儿子王小明在上学", (), "王小明"), ("联系人：李明, 李明说", (), "李明"),
    ("我叫王伟, 王伟市民您好", (), "王伟"), ("我叫李明, 李明家住幸福村", (), "李明"),
])
def test_a_persons_name_beside_a_place_stays_hidden(text, names, kept):
    assert kept not in mask(text, names=names)


@pytest.mark.parametrize("text", ["同事刘晓园的车被刮了", "联系人：李园, 电话", "我叫李明, 李明家的狗"])
def test_a_name_ending_in_a_gardens_word_stays_a_name(text):
    assert "晓园" not in mask(text) and "李园" not in mask(text) and "李明" not in mask(text)


# Review of 2026-12-06 (review1): after 我叫, 我的名字是 or 姓名: the writer gives a person's name, and one ending in a
# character a place's name ends in (王一路, 杨建路, 王文镇, 何家村) was published whole since the privacy review's place
# rule (it was 「王**」 before)
@pytest.mark.parametrize("text, kept", [
    ("我叫王一路，家在城东", "一路"), ("姓名：杨建路，电话见上", "建路"), ("我的名字叫何家村", "家村"),
    ("本人姓名：李兴县", "兴县"), ("我叫张小乡，反映", "小乡"), ("我名叫陈建市", "建市"),
])
def test_a_name_the_writer_introduces_as_theirs_is_hidden_even_if_it_ends_like_a_place(text, kept):
    assert kept not in mask(text), mask(text)


# a relative's, a neighbour's or a contact's name ending in 路, 镇 … or in 园 before 的楼 / 门口 (刘晓路, 王一路, 李春园) was
# published whole by the same rule: only a stem that reads as a place's (鲁庄镇: 庄; 陶然苑, 张掖路: a dictionary word) makes
# a place of it (review1, 2026-12-06)
@pytest.mark.parametrize("text, kept", [
    ("我儿子刘晓路在上学", "晓路"), ("同事王一路的车被刮了", "一路"), ("邻居陈小路家门口堆了垃圾", "小路"),
    ("联系人：杨建路，电话见上", "建路"), ("邻居李春园的楼上漏水", "春园"), ("我妈妈张桂园的单元门坏了", "桂园"),
    ("房东李海园的小区不让停车", "海园"),
])
def test_a_relatives_name_ending_as_a_street_or_a_garden_is_hidden(text, kept):
    assert kept not in mask(text), mask(text)


# a relative's, a neighbour's or a contact's name ending in 村, 乡 or 巷 (王建村, 李大乡) was published whole as a place's
# whatever stood before that character; since 2026-12-06 (session 37) only a stem that reads as a place's (王庄村: 庄;
# 王楼村: 楼; 王家巷: a dictionary word) makes a place of it, as for 路 and 镇; two characters (蒋村) stay a place
@pytest.mark.parametrize("text, kept", [
    ("我爸爸王建村", "建村"), ("我儿子李大乡在上学", "大乡"), ("邻居王小巷家门口堆了垃圾", "小巷"), ("联系人：刘春村，电话见上", "春村"),
    ("我妈妈张秀乡的房子漏水", "秀乡"),
])
def test_a_relatives_name_ending_as_a_village_or_a_lane_is_hidden(text, kept):
    assert kept not in mask(text), mask(text)


@pytest.mark.parametrize("text, place", [
    ("联系人：王庄村", "王庄村"), ("我妈妈张庄村的地被占了", "张庄村"), ("我女儿曾庄村上学太远", "曾庄村"),
    ("联系人：王楼村，电话见上", "王楼村"), ("我爸爸李集乡的地", "李集乡"), ("邻居曹家巷的人来闹事", "曹家巷"),
    ("联系人：蒋村", "蒋村"), ("我儿子何寨村上学", "何寨村"),
])
def test_a_village_or_a_lane_a_surname_begins_stays_a_place(text, place):
    assert place in mask(text), mask(text)


# after a home, a building's word and 的 then a part of the dwelling (我住3栋的5楼3-12-2024): the number is the flat, and
# was published as a date (only a building's word right before it, or 的 and an object — 3栋的电梯 —, were read)
@pytest.mark.parametrize("text", [
    "我住3栋的5楼3-12-2024", "我住3号楼的12层3-12-2024, 楼道灯坏了", "我家3栋的2单元的3-12-2024漏水", "住在2幢的六楼3-12-2024",
])
def test_a_flat_after_a_building_and_a_dwellings_part_is_hidden(text):
    assert "2024" not in mask(text) and personal_data(text), mask(text)


@pytest.mark.parametrize("text", [
    "我住3栋的电梯3-12-2024坏了", "我住3栋的楼道灯3-12-2024起就不亮", "我住3号楼的单元门3-12-2024坏了",
])
def test_a_date_after_a_building_and_an_object_stays_after_a_home(text):
    assert mask(text) == text and personal_data(text) == [], mask(text)


@pytest.mark.django_db
def test_board_0038_reindexes_the_flats_after_de_and_not_every_message_with_a_dashed_date(personas, directory,
                                                                                            monkeypatch):
    """Review of 2026-12-06: 0038 re-indexed every message holding 的 anywhere and two digits joined by a dash
    anywhere — a date (2024-12-06) or a landline (0931-8123456) beside any 的, most of a real board's messages,
    each re-tokenised in the migration's one transaction. The flat it hides stands after 的 and a number (我住3栋的5楼
    3-12-2024, 3栋的2单元的3-12-2024): only messages with such a 的 need it."""
    import importlib

    from django.apps import apps

    from minsheng.board import search

    def submitted(body):
        m = actions.do_submit(personas["citizen"], title="门前垃圾一周没人清运", body=body, kind="help",
                              region=directory["lanzhou"], topic=directory["topic_build"])
        return m.pk

    flats = {submitted("我住3栋的5楼3-12-2024, 门前垃圾成堆。"), submitted("我家3栋的二单元的3-12-2024门前垃圾成堆。")}
    dated = {submitted("2024-12-06的会议上说过要清运, 至今没人管。"), submitted("打了物业的电话0931-8123456, 没人接。")}
    read = []
    monkeypatch.setattr(search, "reindex", lambda messages: read.extend(messages.values_list("pk", flat=True)))
    importlib.import_module("minsheng.board.migrations.0038_search_text_without_names_ending_as_villages_and_flats_after_de"
                            ).reindex(apps, None)
    assert flats <= set(read)
    assert not dated & set(read)


@pytest.mark.parametrize("written, shown", [
    ("我的电话0931-8123456转802请回电", "我的电话0931-****3456转***请回电"),
    ("电话0931-8123456-802", "电话0931-****3456-***"),
    ("电话（0931）8123456 ext. 802。", "电话0931-****3456 ext. ***。"),
    ("电话8123456分机802", "电话****3456分机***"),
    ("联系电话：0931-8123456分机号802，谢谢", "联系电话：0931-****3456分机号***，谢谢"),
    ("手机13912345678转802", "手机139****5678转***"),
    # a mobile in dashed groups: no extension
    ("手机138-0000-0001", "手机138****0001"),
])
def test_a_public_text_hides_the_extension_with_the_number(written, shown):
    """Until 2026-12-08 the number was hidden and 转802 published after it."""
    assert mask(written) == shown


@pytest.mark.parametrize("written, shown", [
    ("电话0931-8123456 - 802", "电话0931-****3456 - ***"),
    ("电话0931-8123456—802", "电话0931-****3456-***"),  # the dash read as -, as in 0931—8123456
    ("电话8123456－802", "电话****3456-***"),
    ("电话8123456分机8", "电话****3456分机*"),
    ("电话0931-8123456 ext 8", "电话0931-****3456 ext *"),
])
def test_an_extension_after_a_dash_of_any_width_or_of_one_digit_after_its_name_is_hidden(written, shown):
    """Review of 2026-12-08: a dash typed — or － and spaces around it published the extension."""
    assert mask(written) == shown


@pytest.mark.parametrize("written, shown", [
    ("物业电话0931-8123456转3次都没人接", "物业电话0931-****3456转3次都没人接"),
    ("物业电话0931-8123456转12次都没人接", "物业电话0931-****3456转12次都没人接"),
    ("打0931-8123456转2楼物业办公室", "打0931-****3456转2楼物业办公室"),
    ("电话0931-8123456-2024年就打不通了", "电话0931-****3456-2024年就打不通了"),
    ("电话8123456 x 3天没人接", "电话****3456 x 3天没人接"),
    ("电话0931-8123456#3号楼", "电话0931-****3456#3号楼"),
    ("拨0931-8123456转1号楼的王师傅", "拨0931-****3456转1号楼的王师傅"),
    ("手机13912345678转2次才接通", "手机139****5678转2次才接通"),
])
def test_words_after_a_number_that_are_no_extension_stay(written, shown):
    """Review of 2026-12-08: 转3次 was published 转*次, 转2楼 转*楼, -2024年 -****年: after 转, x, # or a dash an
    extension is 2–6 digits not followed by a count's, a floor's or a date's word; one digit only after 分机 or ext."""
    assert mask(written) == shown


@pytest.mark.django_db
def test_board_0041_reindexes_the_dashed_extensions_and_not_a_building_or_a_size(personas, directory, monkeypatch):
    """Review of 2026-12-08: 0041 missed 8123456 - 802, 8123456—802 and 8123456－802, and read 3#楼 and 3x4米 as
    extensions."""
    import importlib

    from django.apps import apps

    from minsheng.board import search

    def submitted(body):
        m = actions.do_submit(personas["citizen"], title="门前垃圾一周没人清运", body=body, kind="help",
                              region=directory["lanzhou"], topic=directory["topic_build"])
        return m.pk

    extensions = {submitted(f"物业电话{number}, 没人接。") for number in (
        "8123456 - 802", "8123456—802", "8123456－802", "0931-8123456转802", "０９３１８１２３４５６分机８０２",
        # the words that name an extension before its digits (whole-diff review of 2026-12-08: 0041 missed them)
        "0931-8123456分机号802", "0931-8123456转分机802", "(0931)8123456 ext.802")}
    others = {submitted("3#楼门前垃圾成堆, 没人清运。"), submitted("门前挖了3x4米的坑, 垃圾成堆。")}
    read = []
    monkeypatch.setattr(search, "reindex", lambda messages: read.extend(messages.values_list("pk", flat=True)))
    migration = importlib.import_module("minsheng.board.migrations.0041_search_text_without_phone_extensions")
    migration.reindex(apps, None)
    assert extensions <= set(read)
    assert not others & set(read)
