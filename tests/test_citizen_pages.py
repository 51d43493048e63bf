"""Citizen pages through the HTTP client: posting (every field's bad input, photos
cleaned), my messages, withdraw, rate, reopen and the notification inbox."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import threading

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from PIL import Image, PngImagePlugin

from minsheng.board import actions
from minsheng.board.models import Assignment, Attachment, Event, Message, Notification, Support
from minsheng.board.views import citizen
from minsheng.board.workflow import Status
from minsheng.directory.models import Topic

from .conftest import make_user

pytestmark = pytest.mark.django_db

BODY = "城关区某小区3号楼电梯坏了三个月, 老人上下楼非常困难, 物业一直推诿, 请有关部门督促尽快维修。"
REPLY = "经核查, 已责成物业公司于本周内完成电梯维修, 并加强日常维护, 感谢您的监督。"




def image_bytes(fmt="JPEG", size=(64, 48), exif_gps=False, text=None, mode="RGB") -> bytes:
    img = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else None)
    out = io.BytesIO()
    kwargs = {}
    if exif_gps or fmt == "PNG":
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"  # Make
        exif[0x8825] = {2: (36.0, 3.0, 40.0), 1: "N"}  # GPS IFD
        if exif_gps:
            kwargs["exif"] = exif.tobytes()
    if fmt == "PNG" and text:
        info = PngImagePlugin.PngInfo()
        info.add_text("Comment", text)
        kwargs["pnginfo"] = info
    img.save(out, fmt, **kwargs)
    return out.getvalue()


def upload(name, data, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def form_data(d, **overrides):
    data = {"title": "小区电梯坏了三个月没人修", "body": BODY, "kind": "complain", "region": d["chengguan"].code,
            "addressee": "", "topic": d["topic_build"].code, "address": "城关区东岗西路 100 号"}
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def submit(user, d, **kw):
    fields = {"title": "小区电梯坏了三个月没人修", "body": BODY, "kind": "complain", "region": d["chengguan"],
              "topic": d["topic_build"]}
    fields.update(kw)
    return actions.do_submit(user, **fields)


def dispatch(p, d, m):
    actions.do_dispatch(p["dispatcher"], m, d["housing"])


def replied(p, d, m):
    dispatch(p, d, m)
    actions.do_sign(p["officer"], m, d["housing"])
    actions.do_reply(p["officer"], m, d["housing"], REPLY)


# --- posting ------------------------------------------------------------------------

def test_post_requires_login(client, directory):
    r = client.get("/post/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_post_message_with_photo_stores_everything(personas, directory, login):
    d, c = directory, login(personas["citizen"])
    data = form_data(d, addressee=str(d["mayor"].pk), latitude="36.061089", longitude="103.834304",
                     show_name="on")
    data["photos"] = [upload("a.jpg", image_bytes(exif_gps=True))]
    r = c.post("/post/", data)
    assert r.status_code == 302
    m = Message.objects.get()
    assert r["Location"] == f"/m/{m.public_id}/"
    assert (m.title, m.kind, m.region, m.addressee, m.topic) == (
        "小区电梯坏了三个月没人修", "complain", d["chengguan"], d["mayor"], d["topic_build"])
    assert m.show_name and m.status == Status.SUBMITTED and str(m.latitude) == "36.061089"
    assert m.contact_phone == "13800000001"
    assert list(m.events.values_list("kind", flat=True)) == [Event.Kind.SUBMITTED]
    photo = Attachment.objects.get(message=m)
    assert photo.content_type == "image/jpeg" and (photo.width, photo.height) == (64, 48)
    with Image.open(photo.file.path) as saved:
        assert not saved.getexif()  # GPS position and camera make are gone
    # the author sees it (not yet public), the public does not
    assert "仅您本人可见" in c.get(r["Location"]).content.decode()


def test_the_same_message_posted_again_is_not_a_second_message(personas, directory, login):
    """The back button after 提交留言 shows the form filled in again (the browser restores it);
    pressing 提交留言 there posted the same message a second time."""
    d, c = directory, login(personas["citizen"])
    first = c.post("/post/", form_data(d))
    again = c.post("/post/", form_data(d), follow=True)
    m = Message.objects.get()
    assert first["Location"] == f"/m/{m.public_id}/"
    assert again.redirect_chain[-1][0] == f"/m/{m.public_id}/"
    assert f"您刚才已提交过这条留言 (编号 {m.public_id}), 没有重复提交" in again.content.decode()
    # a different text, or the same one once the first is withdrawn, is a new message
    c.post("/post/", form_data(d, body=BODY + "补充: 物业电话打不通。"))
    actions.do_withdraw(personas["citizen"], m)
    c.post("/post/", form_data(d))
    assert Message.objects.count() == 3


@pytest.mark.parametrize("change", ["region", "addressee", "show_name", "kind"])
def test_the_same_text_sent_where_or_as_something_else_is_a_second_message(personas, directory, login, change):
    """The rule against a repeated post compared the title and body alone: the same text sent to a
    second region a moment later (a road on the boundary), to the mayor, under the citizen's name
    or as another kind was dropped, 「没有重复提交」 said over the first message's page."""
    d, c = directory, login(personas["citizen"])
    c.post("/post/", form_data(d))
    changed = {"region": {"region": d["qilihe"].code}, "addressee": {"addressee": str(d["mayor"].pk)},
               "show_name": {"show_name": "on"}, "kind": {"kind": "suggest"}}[change]
    again = c.post("/post/", form_data(d, **changed), follow=True)
    assert "没有重复提交" not in again.content.decode()
    assert Message.objects.count() == 2


def test_the_same_message_sent_again_after_it_was_not_accepted_is_a_new_one(personas, directory, login):
    """A first message 不予受理 within the half hour (wrong region, say) swallowed the one sent again:
    the citizen was led to the refused message and told 「没有重复提交」."""
    p, d, c = personas, directory, login(personas["citizen"])
    c.post("/post/", form_data(d))
    actions.do_reject(p["dispatcher"], Message.objects.get(), "请写明具体的楼栋和单元")
    again = c.post("/post/", form_data(d), follow=True)
    assert "没有重复提交" not in again.content.decode()
    assert Message.objects.count() == 2 and Message.objects.filter(status=Status.SUBMITTED).count() == 1


def test_the_same_text_sent_again_with_photos_keeps_them(personas, directory, login):
    """A citizen who went back to add the photos they forgot was told 「没有重复提交」, and the
    photos were dropped: a file box comes back empty, so photos sent are what the first lacked."""
    d, c = directory, login(personas["citizen"])
    c.post("/post/", form_data(d))
    again = c.post("/post/", {**form_data(d), "photos": [upload("a.jpg", image_bytes())]}, follow=True)
    assert "没有重复提交" not in again.content.decode()
    assert Attachment.objects.count() == 1 and Message.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_same_message_sent_from_two_tabs_at_once_is_one_message(personas, directory, monkeypatch):
    """Two tabs of the form sent at the same moment both looked for the message just sent before
    either had stored it, and both posted it."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks between threads need PostgreSQL (SQLite test database is in-memory)")
    both_looked = threading.Barrier(2, timeout=2)
    looked = citizen._just_posted

    def look_then_wait(user, cleaned):
        found = looked(user, cleaned)
        try:
            both_looked.wait()  # without a lock the other tab has looked too, and found nothing either
        except threading.BrokenBarrierError:
            pass  # the other tab waits for this one to be stored
        return found

    monkeypatch.setattr(citizen, "_just_posted", look_then_wait)
    codes = []

    def send():
        try:
            c = Client()
            c.force_login(personas["citizen"])
            codes.append(c.post("/post/", form_data(directory)).status_code)
        finally:
            connection.close()

    tabs = [threading.Thread(target=send) for _ in range(2)]
    for t in tabs:
        t.start()
    for t in tabs:
        t.join(20)
    assert codes == [302, 302] and Message.objects.count() == 1


def test_post_form_says_which_name_公开我的昵称_shows(directory, login):
    """Without a nickname, 公开我的昵称 shows the first digits of the phone number (138***):
    the form did not say so, only that the default is 匿名网友."""
    page = login(make_user("13800000009", phone="13800000009")).get("/post/").content.decode()
    assert "勾选后公开页面显示为“138***”" in page
    named = login(make_user("13800000008", phone="13800000008", display_name="老张")).get("/post/")
    assert "勾选后公开页面显示为“老张”" in named.content.decode()


def test_header_does_not_show_a_citizens_whole_phone_number(directory, login):
    """Without a nickname the header showed the whole phone number on every page, on the
    screenshots citizens share of their message's page too."""
    c = login(make_user("13800000009", phone="13800000009"))
    for url in ("/", "/me/messages/", "/post/"):
        page = c.get(url).content.decode()
        assert "13800000009" not in page and '<span class="name">138***</span>' in page
    named = login(make_user("13800000008", phone="13800000008", display_name="老张")).get("/").content.decode()
    assert '<span class="name">老张</span>' in named


def test_addressee_defaults_to_competent_department_and_show_name_off(personas, directory, login):
    d, c = directory, login(personas["citizen"])
    assert c.post("/post/", form_data(d)).status_code == 302
    m = Message.objects.get()
    assert m.addressee is None and m.show_name is False


@pytest.mark.parametrize("value", ["1e999", "-1e999", "123456789"])
def test_a_latitude_out_of_range_gets_one_error_not_two(personas, directory, login, value):
    """1e999 broke both the range and the digit count: the two errors stood run together
    (「纬度应在 -90 至 90 之间纬度格式不正确」)."""
    c = login(personas["citizen"])
    page = c.post("/post/", form_data(directory, latitude=value, longitude="103.8")).content.decode()
    assert "纬度应在 -90 至 90 之间" in page and "纬度格式不正确" not in page
    assert Message.objects.count() == 0


@pytest.mark.parametrize("field, value, error", [
    ("title", "电梯坏", "标题至少 5 个字"),
    ("title", "电" * 51, "标题最多 50 个字"),
    ("title", None, "请填写标题"),
    ("body", "电梯坏了请修", "内容至少 20 个字"),
    ("body", "电" * 3001, "内容最多 3000 字"),
    ("kind", None, "请选择留言类型"),
    ("kind", "praise", "请选择有效的留言类型"),
    ("region", None, "请选择留言所在的区划"),
    ("region", "999999", "请选择有效的区划"),
    ("topic", "no-such-topic", "所选的领域不存在, 请重新选择"),
    ("latitude", "91", "纬度应在 -90 至 90 之间"),
    ("longitude", "abc", "经度应为数字"),
    ("title", "小区电梯\x00坏了三个月", "含有无法识别的控制字符, 请删除后重试"),  # not Django's 「不允许是用空字符串」
    ("body", BODY + "\x00", "含有无法识别的控制字符, 请删除后重试"),
    ("address", "城关区\x00东岗西路", "含有无法识别的控制字符, 请删除后重试"),
])
def test_bad_input_is_shown_next_to_the_field_and_nothing_typed_is_lost(personas, directory, login, field,
                                                                           value, error):
    d, c = directory, login(personas["citizen"])
    data = form_data(d, **{field: value})
    r = c.post("/post/", data)
    page = r.content.decode()
    assert r.status_code == 200
    assert error in page
    assert Message.objects.count() == 0
    if field != "title":
        assert 'value="小区电梯坏了三个月没人修"' in page
    if field != "body":
        assert BODY in page
    if field != "address":
        assert "城关区东岗西路 100 号" in page


@pytest.mark.parametrize("topic, said", [("no-such-topic", "所选的领域不存在, 请重新选择"),
                                         ("environment", "所选的领域「环境保护」已停用, 请重新选择")])
def test_a_topic_that_is_none_is_said_beside_the_topic_box_and_the_rest_is_kept(personas, directory, login,
                                                                                topic, said):
    """A 领域 code that names no topic (a hand-made POST), or one switched off while the form was open, came back as
    「请选择有效的领域」 above a box showing 「不确定」, as if the citizen had chosen nothing wrong. Since 2026-12-07 the
    box's own error says the topic chosen does not exist (or is switched off) and asks to choose again; everything
    else typed is kept: title, body, type, region, 留言对象, address, position, 公开我的昵称."""
    d = directory
    Topic.objects.filter(code="environment").update(is_active=False)
    c = login(personas["citizen"])
    data = form_data(d, topic=topic, kind="help", addressee=str(d["mayor"].pk), show_name="on",
                     latitude="36.061100", longitude="103.834300")
    r = c.post("/post/", data)
    page = r.content.decode()
    assert r.status_code == 200 and Message.objects.count() == 0
    box = re.search(r'<div class="field has-error">\s*<label for="id_topic">.*?</select>', page, re.S)
    assert box, "the topic box has no error beside it"
    assert f'<ul class="errorlist" id="id_topic_error"><li>{said} (不确定的可选「不确定」, 由工作人员判断)</li></ul>' in box.group(0)
    assert 'aria-describedby="id_topic_error"' in box.group(0) and " selected" not in box.group(0)
    assert f'<a href="#id_topic">领域 (选填): {said}' in page  # the summary at the top links to it
    assert 'value="小区电梯坏了三个月没人修"' in page and BODY in page and "城关区东岗西路 100 号" in page
    assert re.search(r'<input type="radio" name="kind" value="help"[^>]* checked>', page)
    assert '<option value="620102" selected>城关区' in page
    assert f'<option value="{d["mayor"].pk}" selected>兰州市市长</option>' in page
    assert 'value="36.061100"' in page and 'value="103.834300"' in page
    assert re.search(r'<input type="checkbox" name="show_name"[^>]* checked>', page)


def test_line_breaks_count_one_character_as_the_text_box_counts_them(personas, directory, login):
    """The text box (maxlength, and the counter of forms.js) counts a line break as one character,
    but the browser sends it as CR LF: a letter in paragraphs, 「已达 3000 字上限」 on the page, was
    refused as 「内容最多 3000 字 (现在 3060 个)」; the same for a 300-character 重办理由."""
    p, d = personas, directory
    c = login(p["citizen"])
    paragraphs = "\n".join([BODY] * 70)
    body = paragraphs[:2990].rstrip()
    body += "完" * (3000 - len(body))
    assert len(body) == 3000 and body.count("\n") > 50  # what the box holds and its counter says
    r = c.post("/post/", form_data(d, body=body.replace("\n", "\r\n")))  # what the browser sends
    assert r.status_code == 302, r.content.decode()
    assert Message.objects.get().body == body

    m = submit(p["citizen"], d, body=BODY + "补充说明")
    replied(p, d, m)
    rate(c, m, resolution="unsatisfied")
    reason = "\n".join(["电梯至今仍然无法使用"] * 40)[:300]
    r = c.post(f"/m/{m.public_id}/reopen/", {"reason": reason.replace("\n", "\r\n")}, follow=True)
    assert "已申请重办" in r.content.decode() and "重办理由最多 300 字" not in r.content.decode()


def test_a_text_box_without_scripts_never_cuts_what_the_server_takes(personas, directory, login):
    """The box's maxlength counts UTF-16 units, an emoji as two: a letter of 3000 characters with emoji,
    which the server takes, was cut short. The box says its limit in characters (data-max-chars, which
    forms.js enforces) and, for a page without scripts, a maxlength of twice that; the server refuses
    what is longer, saying by how much."""
    c = login(personas["citizen"])
    page = c.get("/post/").content.decode()
    box = re.search(r'<textarea name="body"[^>]*>', page).group(0)
    assert 'data-max-chars="3000"' in box and 'maxlength="6000"' in box
    title = re.search(r'<input type="text" name="title"[^>]*>', page).group(0)
    assert 'data-max-chars="50"' in title and 'maxlength="100"' in title
    letter = ("电梯坏了😀" * 700)[:3000]
    assert len(letter.encode("utf-16-le")) // 2 == 3600  # past 3000 in the browser's units
    r = c.post("/post/", form_data(directory, body=letter + "好"))
    assert r.status_code == 200 and "内容最多 3000 字 (现在 3001 个)" in r.content.decode()
    r = c.post("/post/", form_data(directory, body=letter))
    assert r.status_code == 302 and Message.objects.get().body == letter


@pytest.mark.parametrize("path, box, limit", [
    ("/post/", '<input type="text" name="address"', 200),  # a form's field (forms.CountedField)
    ("/accounts/me/", '<input type="text" name="display_name"', 30),
    ("/api/tokens/", '<input id="token-name"', 60),  # written in a template ({% max_chars %})
    ("/browse/", '<input type="search" name="q"', 100),
])
def test_a_one_line_input_takes_its_limit_in_characters(personas, directory, login, path, box, limit):
    """A one-line input's maxlength counted an emoji as two: 昵称 (30) took 15 emoji, a token's
    名称 (60) 30, while the server takes 30 and 60. It says its limit as the text boxes do."""
    page = login(personas["citizen"]).get(path).content.decode()
    tag = re.search(re.escape(box) + r"[^>]*>", page).group(0)
    assert f'data-max-chars="{limit}"' in tag and f'maxlength="{2 * limit}"' in tag


@pytest.mark.parametrize("field, limit, refusal", [
    ("address", 200, "地点最多 200 个字 (现在 {n} 个)"),
    ("display_name", 30, "昵称最多 30 个字 (现在 {n} 个)"),
    ("name", 60, "名称最多 60 个字 (现在 {n} 个)"),
    ("comment", 500, "评价内容最多 500 字 (现在 {n} 个)"),
    ("reason", 300, "重办理由最多 300 字 (现在 {n} 个)"),
])
def test_a_field_past_its_limit_says_by_how_much(personas, directory, login, field, limit, refusal):
    """Without scripts a field takes twice its limit (the browser's maxlength, above) and only the
    server refuses the rest: 「地点最多 200 个字」 left the citizen counting a 250-character address
    by hand. Each such refusal says how long the text is, as 标题 and 内容 did."""
    p, d = personas, directory
    c = login(p["citizen"])
    n = limit + limit // 2  # past the limit, within the page's maxlength
    text = ("敦煌路" * limit)[:n]
    if field == "address":
        r = c.post("/post/", form_data(d, address=text))
    elif field == "display_name":
        r = c.post("/accounts/me/", {"display_name": text})
    elif field == "name":
        r = c.post("/api/tokens/", {"name": text})
    else:
        m = submit(p["citizen"], d)
        replied(p, d, m)
        if field == "comment":
            r = c.post(f"/m/{m.public_id}/rate/", {"resolution": "unsatisfied", "attitude": "basic",
                                                   "speed": "basic", "comment": text})
        else:
            rate(c, m, resolution="unsatisfied", comment="电梯还是坏的")
            r = c.post(f"/m/{m.public_id}/reopen/", {"reason": text})
    assert r.status_code in (200, 400) and refusal.format(n=n) in r.content.decode()  # /api/tokens/: 400


def test_only_one_coordinate_is_refused(personas, directory, login):
    r = login(personas["citizen"]).post("/post/", form_data(directory, latitude="36.06"))
    assert "经纬度需同时填写" in r.content.decode() and Message.objects.count() == 0


def coordinates_box(page: str) -> str:
    """The post form's 「手动填写坐标」 <details>, from its opening tag to its end."""
    found = re.search(r"<details[^>]*class=\"coords\"[^>]*>.*?</details>", page, re.S)
    assert found, "no 手动填写坐标 box"
    return found.group(0)


def test_the_coordinates_are_folded_into_手动填写坐标_and_reachable_without_scripts(personas, directory, login):
    """The post form showed 纬度 and 经度 as two raw number boxes. They are folded in a <details> 「手动填写坐标」, a
    summary any browser opens without scripts, the boxes inside as before; no place taken, no line about it."""
    page = login(personas["citizen"]).get("/post/").content.decode()
    box = coordinates_box(page)
    assert "<summary>手动填写坐标</summary>" in box and " open" not in box.split(">")[0]
    assert 'name="latitude"' in box and 'name="longitude"' in box and '<label for="id_latitude">纬度</label>' in box
    assert '<span id="locate-status" role="status"></span>' in page


@pytest.mark.parametrize("latitude, longitude, error", [
    ("abc", "103.8", "纬度应为数字"),
    ("91", "103.8", "纬度应在 -90 至 90 之间"),
    ("36.06", "", "经纬度需同时填写"),
])
def test_bad_coordinates_open_手动填写坐标_with_their_chinese_error(personas, directory, login, latitude, longitude,
                                                                  error):
    """A number refused is told beside its box, and the box is shown open: folded, the error summary's link led to
    a box out of sight."""
    r = login(personas["citizen"]).post("/post/", form_data(directory, latitude=latitude, longitude=longitude))
    box = coordinates_box(r.content.decode())
    assert r.status_code == 200 and error in box and " open" in box.split(">")[0]
    assert Message.objects.count() == 0


def test_a_form_sent_back_with_a_position_says_the_place_in_words(personas, directory, login):
    """Sent back for its text (内容至少 20 个字), the form keeps the position taken and says it in words,
    「已取得位置: 北纬 36.0611°, 东经 103.8343°」; the numbers stay in the folded boxes, to be sent again."""
    r = login(personas["citizen"]).post("/post/", form_data(directory, body="电梯坏了", latitude="36.061089",
                                                            longitude="103.834304"))
    page = re.sub(r"\s+", " ", r.content.decode())
    assert "内容至少 20 个字" in page
    assert "已取得位置: 北纬 36.0611°, 东经 103.8343°" in page
    box = coordinates_box(page)
    assert " open" not in box.split(">")[0] and 'value="36.061089"' in box and 'value="103.834304"' in box


def test_addressee_of_another_region_is_refused(personas, directory, login):
    d = directory
    r = login(personas["citizen"]).post("/post/", form_data(d, region=d["dingxi"].code,
                                                             addressee=str(d["mayor"].pk)))
    assert "不受理定西市的留言" in r.content.decode() and Message.objects.count() == 0


def test_seven_photos_are_refused(personas, directory, login):
    data = form_data(directory)
    data["photos"] = [upload(f"p{i}.jpg", image_bytes()) for i in range(7)]
    r = login(personas["citizen"]).post("/post/", data)
    page = r.content.decode()
    assert "最多上传 6 张照片" in page
    assert "照片需要重新选择" in page
    assert Message.objects.count() == 0 and Attachment.objects.count() == 0


def test_six_photos_are_accepted(personas, directory, login):
    data = form_data(directory)
    data["photos"] = [upload(f"p{i}.png", image_bytes("PNG", size=(10 + i, 10)), "image/png") for i in range(6)]
    assert login(personas["citizen"]).post("/post/", data).status_code == 302
    assert Attachment.objects.count() == 6


def test_the_photo_box_is_a_chinese_button_that_works_without_scripts(personas, directory, login):
    """The browser's own file box said 「Choose Files」/「No file chosen」 on a Chinese page. 「选择照片」 is a label
    of the box (pressed, it opens the picker in any browser), and 「未选择照片」 a line the box is described by; the
    box is still a file box named photos, and what it sends is stored."""
    page = re.sub(r"\s+", " ", login(personas["citizen"]).get("/post/").content.decode())
    assert re.search(r'<label for="id_photos" class="button[^"]*"[^>]*>选择照片</label>', page)
    assert re.search(r'<[a-z]+ [^>]*id="id_photos_chosen"[^>]*>(<span [^>]*>)?未选择照片<', page)
    field = re.search(r'<input type="file" name="photos"[^>]*>', page).group(0)
    assert 'aria-describedby="id_photos_chosen id_photos_helptext"' in field
    data = form_data(directory, latitude="36.061089", longitude="103.834304")
    data["photos"] = [upload("门口.jpg", image_bytes())]
    assert login(personas["citizen"]).post("/post/", data).status_code == 302
    assert Attachment.objects.count() == 1 and str(Message.objects.get().latitude) == "36.061089"


def test_image_over_5_mb_is_refused_with_what_a_phone_can_do(personas, directory, login):
    """Without scripts a photo over the limit reaches the server (with them, static/js/photos.js
    shrinks it first, to the limit the page gives it): 「请压缩后再上传」 left a citizen on a
    phone with nothing to do."""
    noise = Image.frombytes("RGB", (1500, 1500), os.urandom(1500 * 1500 * 3))
    out = io.BytesIO()
    noise.save(out, "PNG", compress_level=0)
    assert len(out.getvalue()) > 6 * 1024 * 1024 * 0.95
    data = form_data(directory)
    data["photos"] = [upload("big.png", out.getvalue(), "image/png")]
    page = login(personas["citizen"]).post("/post/", data).content.decode()
    assert "「big.png」超过 5 MB: 可在手机相机设置中选较低的分辨率重拍, 或截图后上传" in page
    assert Message.objects.count() == 0
    assert 'data-max-bytes="5242880" data-max-side="2560"' in page


@pytest.mark.parametrize("name, data, error", [
    ("fake.jpg", "这不是图片, 只是一段文字。".encode() * 20, "不是有效的图片文件"),
    ("anim.gif", None, "不是 JPEG 或 PNG 图片"),
    ("cut.jpg", image_bytes()[:60], "不是有效的图片文件"),
])
def test_fake_or_unsupported_images_are_refused(personas, directory, login, name, data, error):
    if data is None:
        out = io.BytesIO()
        Image.new("RGB", (8, 8)).save(out, "GIF")
        data = out.getvalue()
    form = form_data(directory)
    form["photos"] = [upload(name, data)]
    r = login(personas["citizen"]).post("/post/", form)
    assert error in r.content.decode() and Message.objects.count() == 0


def test_decompression_bomb_is_refused(personas, directory, login):
    out = io.BytesIO()
    Image.new("1", (10000, 10000)).save(out, "PNG")  # tiny file, 100 megapixels
    form = form_data(directory)
    form["photos"] = [upload("bomb.png", out.getvalue(), "image/png")]
    r = login(personas["citizen"]).post("/post/", form)
    assert "「bomb.png」像素过大: 可在手机相机设置中选较低的分辨率重拍" in r.content.decode()
    assert Message.objects.count() == 0


def test_png_metadata_is_stripped_on_save(personas, directory, login):
    raw = image_bytes("PNG", text="住址: 城关区某小区 5 单元 301, 电话 13800000001")
    with Image.open(io.BytesIO(raw)) as original:
        assert "Comment" in original.info  # the fixture really carries metadata
    form = form_data(directory)
    form["photos"] = [upload("shot.png", raw, "image/png")]
    assert login(personas["citizen"]).post("/post/", form).status_code == 302
    photo = Attachment.objects.get()
    stored = photo.file.read()
    assert b"13800000001" not in stored and "城关区某小区".encode() not in stored
    with Image.open(io.BytesIO(stored)) as saved:
        assert saved.format == "PNG" and "Comment" not in saved.info and not saved.getexif()
    assert photo.content_type == "image/png"


def test_region_picker_cascades(personas, directory, login):
    d, c = directory, login(personas["citizen"])
    r = c.get("/post/where/", {"changed": "2", "region_level_1": "620000", "region_level_2": "620100",
                               "region_level_3": "620102"})
    page = r.content.decode()
    # level 3 is ignored because level 2 changed: the picker now offers 兰州市's counties
    assert 'name="region" value="620100"' in page
    assert "城关区" in page and "七里河区" in page and "定西市" in page
    assert d["mayor"].title in page  # addressees of the region and above
    r = c.get("/post/where/", {"changed": "1", "region_level_1": "620000", "region_level_2": "620100"})
    assert 'name="region" value="620000"' in r.content.decode()
    assert d["mayor"].title not in r.content.decode()
    assert "显示下一级区划" not in r.content.decode()  # only for pages without scripts


def test_region_can_be_chosen_without_scripts(personas, directory, login):
    """Without JavaScript the hidden region field never follows the select boxes: the
    "显示下一级区划" button re-renders the form one level deeper, keeping what was typed,
    and the boxes decide the region when the message is sent."""
    d, c = directory, login(personas["citizen"])
    assert "显示下一级区划" in c.get("/post/").content.decode()
    data = form_data(d, region="", action="refine", region_level_1="620000")
    r = c.post("/post/", data)
    page = r.content.decode()
    assert r.status_code == 200 and not Message.objects.exists()
    assert 'name="region_level_2"' in page and "兰州市" in page and "定西市" in page
    assert "小区电梯坏了三个月没人修" in page and "errorlist" not in page
    # a stale level 3 (城关区, under 兰州市) after level 2 changed to 定西市 is ignored
    data = form_data(d, region="", region_level_1="620000", region_level_2="621100", region_level_3="620102")
    r = c.post("/post/", data)
    assert r.status_code == 302
    assert Message.objects.get().region == d["dingxi"]


def test_post_page_works_without_similar_endpoint(personas, directory, login):
    r = login(personas["citizen"]).get("/post/")
    assert r.status_code == 200 and 'hx-post="/similar/"' in r.content.decode()


# --- my messages ---------------------------------------------------------------------

def test_my_messages_lists_all_my_statuses_and_nobody_elses(personas, directory, login,
                                                           django_assert_max_num_queries):
    d, p = directory, personas
    mine = [submit(p["citizen"], d, title=f"我的第{i}条留言标题") for i in range(3)]
    actions.do_withdraw(p["citizen"], mine[0])
    actions.do_reject(p["dispatcher"], mine[1], "重复留言")
    submit(p["other_citizen"], d, title="别人的留言不该出现")
    c = login(p["citizen"])
    with django_assert_max_num_queries(8):
        page = c.get("/me/messages/").content.decode()
    for m in mine:
        assert m.title in page
    assert "已撤回" in page and "未受理" in page and "别人的留言不该出现" not in page
    assert "去评价" not in page
    replied(p, d, mine[2])
    assert f'href="/m/{mine[2].public_id}/rate/">去评价' in c.get("/me/messages/").content.decode()
    page = c.get("/me/messages/", {"status": "withdrawn"}).content.decode()
    assert mine[0].title in page and mine[2].title not in page


def test_my_messages_filtered_to_a_status_with_none_does_not_say_i_have_no_messages(personas, directory, login):
    """我的留言 under 已答复 with nothing answered yet said 「您还没有留言」 above a citizen's
    pending messages: read as if they were lost. It names the status and leads back to 全部."""
    submit(personas["citizen"], directory, title="还在等待审核的一条留言")
    c = login(personas["citizen"])
    page = c.get("/me/messages/", {"status": "replied"}).content.decode()
    assert "您还没有留言" not in page
    assert "没有「已答复」的留言" in page and 'href="/me/messages/">查看全部留言' in page
    assert "您还没有留言" in login(personas["other_citizen"]).get("/me/messages/").content.decode()
    page = c.get("/me/messages/", {"supported": "1", "status": "closed"}).content.decode()
    assert "没有「已办结」的留言" in page and 'href="/me/messages/?supported=1">' in page



def test_my_messages_under_a_status_it_does_not_filter_by_says_what_an_empty_list_means(personas, login):
    """A status the list does not filter by (a mistyped address, or 待审核 under 我也遇到的, which lists public
    messages alone) was kept as the page's status: with no message to list, the page said nothing at all, neither
    「您还没有留言」 nor a status (review, 2026-12-05). It lists as 全部 does, and says so when empty."""
    c = login(personas["citizen"])
    assert "您还没有留言" in c.get("/me/messages/", {"status": "nonsense"}).content.decode()
    assert "您还没有点过“我也遇到”" in c.get("/me/messages/", {"supported": "1", "status": "submitted"}).content.decode()

def test_my_messages_paginate(personas, directory, login, django_assert_max_num_queries):
    for i in range(25):
        submit(personas["citizen"], directory, title=f"分页测试留言第{i:02d}号")
    c = login(personas["citizen"])
    with django_assert_max_num_queries(8):
        first = c.get("/me/messages/").content.decode()
    second = c.get("/me/messages/", {"page": 2}).content.decode()
    assert first.count("分页测试留言第") == 20 and second.count("分页测试留言第") == 5


# --- withdraw ------------------------------------------------------------------------

def test_withdraw_before_dispatch(personas, directory, login):
    m = submit(personas["citizen"], directory)
    c = login(personas["citizen"])
    r = c.post(f"/m/{m.public_id}/withdraw/", {})
    assert "请勾选确认后再撤回" in r.content.decode()
    r = c.post(f"/m/{m.public_id}/withdraw/", {"confirm": "on"})
    assert r.status_code == 302
    m.refresh_from_db()
    assert m.status == Status.WITHDRAWN
    assert m.events.filter(kind=Event.Kind.WITHDRAWN, actor=personas["citizen"]).exists()


def test_withdrawing_a_public_message_says_it_comes_down(personas, directory, login):
    """Accepted, a message is public and others may have said 我也遇到: the page said
    「也不会公开」, as if no one had seen it."""
    p, d = personas, directory
    m = submit(p["citizen"], d)
    c = login(p["citizen"])
    assert "也不会公开" in c.get(f"/m/{m.public_id}/withdraw/").content.decode()
    actions.do_accept(p["dispatcher"], m)
    actions.do_support(p["other_citizen"], m)
    page = c.get(f"/m/{m.public_id}/withdraw/").content.decode()
    assert "也不会公开" not in page
    assert "这条留言已经公开, 1 人点了“我也遇到”。撤回后留言不再办理, 公开页面也将撤下, 他们将收到撤回的通知" in page


def test_the_withdraw_form_again_after_withdrawing_says_it_is_withdrawn(personas, directory, login):
    """The back button (or a second tap) after 撤回 opened the form again, which answered
    「留言派单后不能撤回」 in red about a message that was never dispatched."""
    m = submit(personas["citizen"], directory)
    c = login(personas["citizen"])
    c.post(f"/m/{m.public_id}/withdraw/", {"confirm": "on"})
    for again in (c.get(f"/m/{m.public_id}/withdraw/", follow=True),
                  c.post(f"/m/{m.public_id}/withdraw/", {"confirm": "on"}, follow=True)):
        page = again.content.decode()
        assert again.redirect_chain[-1][0] == f"/m/{m.public_id}/"
        assert '<li class="info">这条留言已撤回</li>' in page and "派单后不能撤回" not in page
    assert m.events.filter(kind=Event.Kind.WITHDRAWN).count() == 1


def test_withdraw_after_dispatch_is_refused(personas, directory, login):
    m = submit(personas["citizen"], directory)
    dispatch(personas, directory, m)
    c = login(personas["citizen"])
    r = c.post(f"/m/{m.public_id}/withdraw/", {"confirm": "on"}, follow=True)
    assert "派单后不能撤回" in r.content.decode()
    m.refresh_from_db()
    assert m.status == Status.DISPATCHED and not m.events.filter(kind=Event.Kind.WITHDRAWN).exists()


def test_other_citizen_cannot_withdraw_rate_or_reopen(personas, directory, login):
    m = submit(personas["citizen"], directory)
    c = login(personas["other_citizen"])
    for action in ("withdraw", "rate", "reopen"):
        assert c.post(f"/m/{m.public_id}/{action}/", {"confirm": "on"}).status_code == 404
    m.refresh_from_db()
    assert m.status == Status.SUBMITTED


# --- rating and reopen ----------------------------------------------------------------

def rate(c, m, resolution="satisfied", attitude="satisfied", speed="basic", comment="物业已经修好了"):
    return c.post(f"/m/{m.public_id}/rate/", {"resolution": resolution, "attitude": attitude, "speed": speed,
                                              "comment": comment}, follow=True)


def test_rate_before_reply_is_refused(personas, directory, login):
    m = submit(personas["citizen"], directory)
    dispatch(personas, directory, m)
    r = rate(login(personas["citizen"]), m)
    assert "只能在收到答复后评价" in r.content.decode()
    assert not m.evaluations.exists()


def test_rating_form_shows_the_answer_being_rated(personas, directory, login):
    """我的留言's 去评价 leads straight to the rating form, which showed only the title: on a
    phone the citizen rated an answer they could not see without going back."""
    m = submit(personas["citizen"], directory)
    replied(personas, directory, m)
    page = login(personas["citizen"]).get(f"/m/{m.public_id}/rate/").content.decode()
    assert REPLY in page and directory["housing"].name in page
    assert page.index(REPLY) < page.index("提交评价")


def test_rating_needs_every_score(personas, directory, login):
    m = submit(personas["citizen"], directory)
    replied(personas, directory, m)
    r = login(personas["citizen"]).post(f"/m/{m.public_id}/rate/", {"resolution": "satisfied"})
    page = r.content.decode()
    # next to each of the two missing scores, and again in the summary that links to them
    assert page.count('<li>请选择满意、基本满意或不满意</li>') == 2
    assert '<a href="#id_attitude_0">办理态度: 请选择满意、基本满意或不满意</a>' in page
    assert '<a href="#id_speed_0">办理速度: 请选择满意、基本满意或不满意</a>' in page
    assert not m.evaluations.exists()


def test_rating_form_states_the_configured_reopen_period(personas, directory, login, settings):
    settings.MINSHENG_REOPEN_DAYS = 15
    m = submit(personas["citizen"], directory)
    replied(personas, directory, m)
    page = login(personas["citizen"]).get(f"/m/{m.public_id}/rate/").content.decode()
    assert "可在评价后 15 天内申请重办一次" in page and "7 天" not in page


def test_satisfied_rating_closes_and_cannot_be_repeated(personas, directory, login):
    m = submit(personas["citizen"], directory)
    replied(personas, directory, m)
    c = login(personas["citizen"])
    r = rate(c, m)
    assert "感谢您的评价" in r.content.decode()
    m.refresh_from_db()
    assert m.status == Status.CLOSED
    ev = m.evaluations.get()
    assert (ev.resolution, ev.speed, ev.comment) == ("satisfied", "basic", "物业已经修好了")
    r = rate(c, m, resolution="unsatisfied")
    assert "您已评价过这条答复" in r.content.decode()
    assert m.evaluations.count() == 1
    r = c.post(f"/m/{m.public_id}/reopen/", {"reason": "问题又出现了"}, follow=True)
    assert "只能在“不满意”评价后" in r.content.decode()


def test_reopen_form_shows_the_answer_and_until_when(personas, directory, login):
    """申请重办 showed the title and an empty box: on a phone the citizen asked to reopen an answer
    they could not see, with no word of what to write or by when, and a reason too short was refused
    without its count (as 标题 and 内容 have)."""
    m = submit(personas["citizen"], directory)
    replied(personas, directory, m)
    c = login(personas["citizen"])
    rate(c, m, resolution="unsatisfied", comment="电梯还是坏的")
    page = c.get(f"/m/{m.public_id}/reopen/").content.decode()
    assert REPLY in page and directory["housing"].name in page
    assert page.index(REPLY) < page.index('name="reason"')
    deadline = timezone.localtime(m.evaluations.get().created_at + dt.timedelta(days=7)).strftime("%Y-%m-%d %H:%M")
    assert f"可在 {deadline} 前申请" in page and "请写明答复后问题哪里仍未解决" in page
    page = c.post(f"/m/{m.public_id}/reopen/", {"reason": "没修"}).content.decode()
    assert "重办理由至少 5 个字 (现在 2 个)" in page and REPLY in page


def test_reopen_once_after_unsatisfied(personas, directory, login):
    p, d = personas, directory
    m = submit(p["citizen"], d)
    replied(p, d, m)
    c = login(p["citizen"])
    rate(c, m, resolution="unsatisfied", comment="电梯还是坏的")
    m.refresh_from_db()
    assert m.status == Status.EVALUATED
    assert "申请重办" in c.get(f"/m/{m.public_id}/").content.decode()
    r = c.post(f"/m/{m.public_id}/reopen/", {"reason": "短"})
    assert "重办理由至少 5 个字" in r.content.decode()
    r = c.post(f"/m/{m.public_id}/reopen/", {"reason": "电梯至今仍无法使用"}, follow=True)
    assert "已申请重办" in r.content.decode()
    m.refresh_from_db()
    assert m.status == Status.DISPATCHED and m.reopen_count == 1
    new = m.assignments.filter(state=Assignment.State.ACTIVE).get()
    assert new.unit == d["housing"] and new.round == 2
    assert m.events.filter(kind=Event.Kind.REOPENED).count() == 1
    # second round: an unsatisfied rating now closes the case, no second reopen
    m = Message.objects.get(pk=m.pk)
    actions.do_sign(p["officer"], m, d["housing"])
    actions.do_reply(p["officer"], m, d["housing"], REPLY + "(第二次)")
    rate(c, m, resolution="unsatisfied")
    m.refresh_from_db()
    assert m.status == Status.CLOSED
    r = c.post(f"/m/{m.public_id}/reopen/", {"reason": "还是没修好啊"}, follow=True)
    assert "这条留言已申请过重办 (每条留言只能申请重办一次)" in r.content.decode()
    assert m.events.filter(kind=Event.Kind.REOPENED).count() == 1


def test_the_rating_and_reopen_forms_again_say_what_was_already_sent(personas, directory, login):
    """Back on 评价答复 after rating, or on 申请重办 after reopening, the citizen read
    「只能在收到答复后评价一次」 / 「只能在“不满意”评价后 7 天内申请重办一次」 in red, as if what
    they had just sent had not arrived."""
    p, d = personas, directory
    m = submit(p["citizen"], d)
    replied(p, d, m)
    c = login(p["citizen"])
    rate(c, m, resolution="unsatisfied", comment="电梯还是坏的")
    page = c.get(f"/m/{m.public_id}/rate/", follow=True).content.decode()
    assert '<li class="info">您已评价过这条答复, 评价见本页</li>' in page and "只能在收到答复后" not in page
    c.post(f"/m/{m.public_id}/reopen/", {"reason": "电梯至今仍无法使用"})
    page = c.get(f"/m/{m.public_id}/reopen/", follow=True).content.decode()
    assert '<li class="info">这条留言已申请过重办 (每条留言只能申请重办一次), 办理进展见本页</li>' in page
    assert "只能在“不满意”评价后" not in page
    assert m.events.filter(kind=Event.Kind.REOPENED).count() == 1


@pytest.mark.parametrize("reason", ["😡😡😡😡😡", "。。。。。。", "\u200b" * 6])
def test_reopen_reason_without_words_is_refused(personas, directory, login, reason):
    """A reason of emoji, punctuation or invisible characters passed the 5-character rule and
    sent the case back to the unit with nothing it could act on."""
    p, d = personas, directory
    m = submit(p["citizen"], d)
    replied(p, d, m)
    c = login(p["citizen"])
    rate(c, m, resolution="unsatisfied", comment="电梯还是坏的")
    r = c.post(f"/m/{m.public_id}/reopen/", {"reason": reason})
    assert r.status_code == 200 and "重办理由需要有文字, 不能只有符号、表情或不可见字符" in r.content.decode()
    m.refresh_from_db()
    assert m.status == Status.EVALUATED and m.reopen_count == 0


def test_reopen_after_seven_days_is_refused(personas, directory, login):
    p, d = personas, directory
    m = submit(p["citizen"], d)
    replied(p, d, m)
    actions.do_evaluate(p["citizen"], m, resolution="unsatisfied", attitude="basic", speed="basic",
                        at=timezone.now() - dt.timedelta(days=8))
    r = login(p["citizen"]).post(f"/m/{m.public_id}/reopen/", {"reason": "电梯至今仍无法使用"}, follow=True)
    assert "7 天内申请重办一次" in r.content.decode()
    m.refresh_from_db()
    assert m.status == Status.EVALUATED and m.reopen_count == 0


def test_stale_form_gets_a_clear_message(personas, directory, login, monkeypatch):
    """Two actions racing: the loser sees the Conflict text, not a 500."""
    p, d = personas, directory
    m = submit(p["citizen"], d)
    real = actions.do_withdraw

    def racing(actor, message, at=None):
        actions.do_accept(p["dispatcher"], Message.objects.get(pk=message.pk))  # someone acts first
        return real(actor, message, at=at)

    monkeypatch.setattr(actions, "do_withdraw", racing)
    r = login(p["citizen"]).post(f"/m/{m.public_id}/withdraw/", {"confirm": "on"}, follow=True)
    assert r.status_code == 200 and "刚刚被其他人处理过" in r.content.decode()
    m.refresh_from_db()
    assert m.status == Status.ACCEPTED


# --- notifications --------------------------------------------------------------------

def test_notifications_after_dispatch_reply_and_close(personas, directory, login,
                                                      django_capture_on_commit_callbacks,
                                                      django_assert_max_num_queries):
    p, d = personas, directory
    m = submit(p["citizen"], d)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(p, d, m)
    c = login(p["citizen"])
    page = c.get("/me/notifications/").content.decode()
    assert "已交由相关单位办理" in page and "已收到答复" not in page
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_sign(p["officer"], m, d["housing"])
        actions.do_reply(p["officer"], m, d["housing"], REPLY)
    assert "已收到答复, 欢迎评价" in c.get("/me/notifications/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        rate(c, m)
    with django_assert_max_num_queries(8):
        page = c.get("/me/notifications/").content.decode()
    assert "已办结" in page
    assert '<span class="count">3<span class="visually-hidden"> 条未读</span></span>' in page
    # other citizens see none of it
    assert "已交由相关单位办理" not in login(p["other_citizen"]).get("/me/notifications/").content.decode()
    # opening one marks it read and leads to the message
    note = Notification.objects.filter(user=p["citizen"], kind="replied").get()
    r = c.get(f"/me/notifications/{note.pk}/")
    assert r.status_code == 302 and r["Location"] == f"/m/{m.public_id}/"
    assert Notification.objects.filter(user=p["citizen"], read_at__isnull=True).count() == 2
    c.post("/me/notifications/read-all/")
    assert not Notification.objects.filter(user=p["citizen"], read_at__isnull=True).exists()
    assert '<span class="count"' not in c.get("/me/notifications/").content.decode()


def test_who_said_i_have_it_too_hears_of_the_answer(personas, directory, login,
                                                    django_capture_on_commit_callbacks):
    """我也遇到 and a message merged into another are ways to follow a case instead of
    posting again: those citizens are told of its answer and its closing too, and find it
    under 我的留言 → 我也遇到的."""
    p, d = personas, directory
    third = make_user("13800000003", phone="13800000003", display_name="小张")
    fourth = make_user("13800000004", phone="13800000004", display_name="小赵")
    m = submit(p["citizen"], d)
    dispatch(p, d, m)
    again = submit(third, d, title="三号楼电梯又坏了")  # posted anyway; the dispatcher merges it
    actions.do_merge(p["dispatcher"], again, m)
    actions.do_support(p["other_citizen"], m)
    actions.do_support(fourth, again)  # supported the merged one: waits for the same answer
    actions.do_support(third, m)  # told once, as the author of the merged message
    r = login(p["other_citizen"]).post(f"/m/{m.public_id}/support/", follow=True)
    assert "您已经点过“我也遇到”" in r.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_sign(p["officer"], m, d["housing"])
        actions.do_reply(p["officer"], m, d["housing"], REPLY)
    notes = {u: list(Notification.objects.filter(user=u, kind="replied")) for u in (p["other_citizen"], third, fourth)}
    assert [n.text for n in notes[p["other_citizen"]]] == [f"您也遇到的问题「{m.title}」已收到答复"]
    assert [n.text for n in notes[fourth]] == [f"您也遇到的问题「{m.title}」已收到答复"]
    assert [n.text for n in notes[third]] == [f"您的留言「{again.title}」已与「{m.title}」合并办理, 已收到答复"]
    assert Notification.objects.filter(user=p["citizen"], kind="replied").count() == 1  # the author's own note
    # opening the note leads a citizen to the public page, not to the staff case page
    c = login(p["other_citizen"])
    assert c.get(f"/me/notifications/{notes[p['other_citizen']][0].pk}/")["Location"] == f"/m/{m.public_id}/"
    assert login(third).get(f"/me/notifications/{notes[third][0].pk}/")["Location"] == f"/m/{again.public_id}/"
    with django_capture_on_commit_callbacks(execute=True):
        rate(login(p["citizen"]), m)
    assert Notification.objects.filter(user=p["other_citizen"], kind="closed").get().text == \
        f"您也遇到的问题「{m.title}」已办结"
    # 我的留言 → 我也遇到的 lists it; my own list does not
    page = c.get("/me/messages/", {"supported": "1"}).content.decode()
    assert f'href="/m/{m.public_id}/"' in page and "您点过“我也遇到”的留言" in page
    assert f'href="/m/{m.public_id}/"' not in c.get("/me/messages/").content.decode()
    assert f'href="/m/{m.public_id}/"' not in c.get("/me/messages/", {"supported": "1", "status": "replied"}).content.decode()


def test_a_follower_reads_the_main_message_title_as_the_public_does(personas, directory, mailoutbox,
                                                                    django_capture_on_commit_callbacks):
    """Another citizen's note (and email) names the message as its public page does: the
    phone number its author wrote into the title stays hidden."""
    p, d = personas, directory
    p["other_citizen"].email = "xiaowang@example.com"
    p["other_citizen"].save(update_fields=["email"])
    m = submit(p["citizen"], d, title="电梯坏了请回电13912345678")
    dispatch(p, d, m)
    actions.do_support(p["other_citizen"], m)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_sign(p["officer"], m, d["housing"])
        actions.do_reply(p["officer"], m, d["housing"], REPLY)
    note = Notification.objects.get(user=p["other_citizen"], kind="replied")
    assert note.text == "您也遇到的问题「电梯坏了请回电139****5678」已收到答复"
    mail = next(e for e in mailoutbox if e.to == ["xiaowang@example.com"])
    assert "13912345678" not in mail.subject + mail.body
    # the author's own note keeps the title as written
    assert Notification.objects.get(user=p["citizen"], kind="replied").text.startswith("您的留言「电梯坏了请回电13912345678」")


@pytest.mark.parametrize("then", ["replied", "closed"])
def test_a_message_merged_after_the_answer_hears_of_it(personas, directory, then, django_capture_on_commit_callbacks):
    """A duplicate merged into a case that is already answered shows that answer at once:
    its author and supporters are told then (notify.replied went out before they followed),
    and those who were told already are not told again."""
    p, d = personas, directory
    fourth = make_user("13800000004", phone="13800000004", display_name="小赵")
    m = submit(p["citizen"], d)
    dispatch(p, d, m)
    actions.do_support(p["other_citizen"], m)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_sign(p["officer"], m, d["housing"])
        actions.do_reply(p["officer"], m, d["housing"], REPLY)
        if then == "closed":
            actions.do_evaluate(p["citizen"], m, resolution="satisfied", attitude="satisfied", speed="satisfied")
    late = submit(p["other_citizen"], d, title="三号楼电梯还是坏的")
    actions.do_accept(p["dispatcher"], late)
    actions.do_support(fourth, late)
    before = Notification.objects.filter(user=p["other_citizen"]).count()
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_merge(p["dispatcher"], late, m)
    word = "已收到答复" if then == "replied" else "已办结"
    assert list(Notification.objects.filter(user=fourth).values_list("kind", "text")) == [
        (then, f"您也遇到的问题「{m.title}」{word}")]
    # the supporter of the main case was told already; now they are told nothing more
    assert Notification.objects.filter(user=p["other_citizen"]).count() == before
    assert not Notification.objects.filter(user=p["citizen"], kind="replied").exclude(message=m).exists()


def test_a_merged_authors_own_late_merge_note(personas, directory, django_capture_on_commit_callbacks):
    p, d = personas, directory
    third = make_user("13800000003", phone="13800000003", display_name="小张")
    m = submit(p["citizen"], d)
    with django_capture_on_commit_callbacks(execute=True):
        replied(p, d, m)
    late = submit(third, d, title="三号楼电梯还是坏的")
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_merge(p["dispatcher"], late, m)
    note = Notification.objects.get(user=third)
    assert (note.kind, note.message, note.text) == (
        "replied", late, f"您的留言「{late.title}」已与「{m.title}」合并办理, 已收到答复")


def test_i_have_it_too_on_a_closed_case_promises_no_notes(personas, directory, login):
    """我也遇到 on a closed case (or a message merged into one) said 「有答复和办结时会通知您」:
    no note ever came, it was closed already. Now the citizen is told where the answer is
    and that they may post again; on an answered case, that the answer is on the page."""
    p, d = personas, directory
    third = make_user("13800000003", phone="13800000003", display_name="小张")
    m = submit(p["citizen"], d)
    again = submit(third, d, title="三号楼电梯又坏了")
    dispatch(p, d, m)
    actions.do_merge(p["dispatcher"], again, m)
    actions.do_sign(p["officer"], m, d["housing"])
    actions.do_reply(p["officer"], m, d["housing"], REPLY)
    c = login(p["other_citizen"])
    page = c.post(f"/m/{m.public_id}/support/", follow=True).content.decode()
    assert "已记录: 您也遇到了这个问题。已有答复, 见本页; 再有答复和办结时会通知您" in page
    actions.do_evaluate(p["citizen"], m, resolution="satisfied", attitude="satisfied", speed="satisfied")
    for n, message in enumerate((m, again)):
        page = login(make_user(f"1380000001{n}")).post(f"/m/{message.public_id}/support/", follow=True).content.decode()
        assert "有答复和办结时会通知您" not in page
        assert "已记录: 您也遇到了这个问题。该问题已办结, 答复见本页, 不会再有新的通知; 如问题仍未解决, 可以另行留言" in page


def test_i_have_it_too_lists_what_i_supported_last_first(personas, directory, login):
    """我也遇到的 was sorted by the messages' dates: what I said 我也遇到 on today sank below a
    newer message I supported a month ago. Now the order is mine, and each item says when."""
    p, d = personas, directory
    older, newer, third = (submit(p["citizen"], d, title=f"小区电梯坏了第{i}次") for i in range(3))
    Message.objects.filter(pk=older.pk).update(submitted_at=older.submitted_at - dt.timedelta(days=60))
    now = timezone.now()
    for message, days_ago in ((newer, 30), (third, 10), (older, 1)):
        dispatch(p, d, message)
        actions.do_support(p["other_citizen"], message)
        Support.objects.filter(message=message).update(created_at=now - dt.timedelta(days=days_ago))
    page = login(p["other_citizen"]).get("/me/messages/", {"supported": "1"}).content.decode()
    order = [m.public_id for m in (older, third, newer)]
    assert sorted(order, key=lambda public_id: page.index(f'href="/m/{public_id}/"')) == order
    day = timezone.localtime(now - dt.timedelta(days=1)).date().isoformat()
    assert f"您于 {day} 点了“我也遇到”" in page
    assert "点了“我也遇到”" not in login(p["citizen"]).get("/me/messages/").content.decode()


def test_i_have_it_too_tabs_are_the_statuses_such_a_message_can_have(personas, directory, login):
    """我也遇到的 lists public messages only: no tab for 待审核, 未受理 or 已撤回, which
    could never list anything there; 我发的留言 keeps them."""
    p, d = personas, directory
    m = submit(p["citizen"], d)
    dispatch(p, d, m)
    actions.do_support(p["other_citizen"], m)
    c = login(p["other_citizen"])
    page = c.get("/me/messages/", {"supported": "1"}).content.decode()
    tabs = re.search(r'<nav class="tabs" aria-label="按状态筛选">(.*?)</nav>', page, re.S).group(1)
    labels = re.findall(r">([^<]+)</a>", tabs)
    assert "待审核" not in labels and "未受理" not in labels and "已撤回" not in labels
    assert "待签收" in labels and "已办结" in labels
    assert f"supported=1&amp;status={Status.DISPATCHED.value}" in tabs
    mine = login(p["citizen"]).get("/me/messages/").content.decode()
    assert f"?status={Status.WITHDRAWN.value}" in mine


def test_staff_notes_still_open_the_case_page(personas, directory, login, django_capture_on_commit_callbacks):
    m = submit(personas["citizen"], directory)
    with django_capture_on_commit_callbacks(execute=True):
        dispatch(personas, directory, m)
    note = Notification.objects.get(user=personas["officer"], kind="case_arrived")
    r = login(personas["officer"]).get(f"/me/notifications/{note.pk}/")
    assert r["Location"] == f"/staff/case/{m.public_id}/"


def test_notification_of_someone_else_is_404(personas, directory, login):
    note = Notification.objects.create(user=personas["citizen"], kind="x", text="私人消息")
    assert login(personas["other_citizen"]).get(f"/me/notifications/{note.pk}/").status_code == 404


def test_the_author_searching_the_number_of_a_message_not_yet_public_is_led_to_it(personas, directory, login):
    """「留言已提交 (编号 …)」, then the number typed in the search box answered 「没有找到相关留言。
    请检查错别字」 while the message waited for review (or was withdrawn). The author is led to it;
    anyone else reads no word of whether it exists, and where a message of theirs would be."""
    p, d = personas, directory
    m = submit(p["citizen"], d)
    page = login(p["citizen"]).get("/browse/", {"q": m.public_id}).content.decode()
    assert f"编号 {m.public_id} 是您的留言 (待审核), 目前仅您本人可见" in page
    assert f'href="/m/{m.public_id}/"' in page
    assert "请检查错别字" not in page  # the number was right
    for c in (login(p["other_citizen"]), Client()):
        page = c.get("/browse/", {"q": m.public_id}).content.decode()
        assert "目前仅您本人可见" not in page and f'href="/m/{m.public_id}/"' not in page
        assert "审核通过前和未公开的留言不在公开列表中; 如果这是您的留言" in page
    page = login(p["citizen"]).get("/browse/", {"q": "电梯"}).content.decode()  # not a number: no such word
    assert "目前仅您本人可见" not in page and "审核通过前" not in page


def test_a_message_sent_again_names_the_one_not_accepted_to_its_author(personas, directory, login):
    """The old message's page linked to the copy; the copy's page said nothing of the old one (the API names
    both ways, ``resubmission_of``): its author could not get back to the reason it was not accepted. Others
    read nothing of the old message, which only its author sees (an API walk, 2026-12-06)."""
    p, d, c = personas, directory, login(personas["citizen"])
    c.post("/post/", form_data(d))
    old = Message.objects.get()
    actions.do_reject(p["dispatcher"], old, "请写明具体的楼栋和单元")
    c.post("/post/", form_data(d, body=BODY + " 具体是3号楼2单元。", again=old.public_id))
    new = Message.objects.exclude(pk=old.pk).get()
    page = c.get(f"/m/{new.public_id}/").content.decode()
    assert "本留言是未受理留言的修改后重新提交" in page and f'href="/m/{old.public_id}/"' in page
    actions.do_accept(p["dispatcher"], new)
    for other in (Client(), login(p["other_citizen"])):
        page = other.get(f"/m/{new.public_id}/").content.decode()
        assert "修改后重新提交" not in page and old.public_id not in page


def test_a_message_resubmitted_says_so_and_is_not_resubmitted_twice(personas, directory, login):
    """After 修改后重新提交, the old message's page still offered the button, and pressing it again posted
    yet another copy (past the half hour the rule against a repeated post no longer caught it: walk,
    2026-12-06). The old page now says it was resubmitted and links to the new message; a second
    resubmission of it is refused, in words."""
    p, d, c = personas, directory, login(personas["citizen"])
    c.post("/post/", form_data(d))
    old = Message.objects.get()
    actions.do_reject(p["dispatcher"], old, "请写明具体的楼栋和单元")
    form = c.get("/post/", {"again": old.public_id}).content.decode()
    assert f'name="again" value="{old.public_id}"' in form
    c.post("/post/", form_data(d, body=BODY + " 具体是3号楼2单元。", again=old.public_id))
    new = Message.objects.exclude(pk=old.pk).get()
    page = c.get(f"/m/{old.public_id}/").content.decode()
    assert "修改后重新提交</a>" not in page and f"?again={old.public_id}" not in page
    assert "已修改后重新提交" in page and f'href="/m/{new.public_id}/"' in page
    # pressed again from a tab left open, an hour later: refused, no third message
    Message.objects.filter(pk=new.pk).update(submitted_at=timezone.now() - dt.timedelta(hours=1))
    r = c.post("/post/", form_data(d, body=BODY + " 是3号楼。", again=old.public_id), follow=True)
    assert f"该留言已修改后重新提交 (新留言编号 {new.public_id}), 不能再次重新提交" in r.content.decode()
    assert Message.objects.count() == 2
    again = c.get("/post/", {"again": old.public_id}, follow=True).content.decode()
    assert "不能再次重新提交" in again and 'name="again"' not in again


def test_an_overdue_message_tells_its_author_what_now(client, login, personas, directory):
    """小李's message, signed for by 住建局, passed its 答复期限 unanswered: its page said 「已超期」 and 「尚未答复」
    and nothing more, no action to take (the demo's 铁路家园加装电梯问题, two months late). Its author reads what the
    late case means and whom to ask: the unit handling it, by its 联系电话; others read the badge alone."""
    p, d = personas, directory
    d["housing"].contact_phone = "0931-8817957"
    d["housing"].save(update_fields=["contact_phone"])
    m = submit(p["citizen"], d)
    dispatch(p, d, m)
    actions.do_sign(p["officer"], m, d["housing"])
    page = login(p["citizen"]).get(f"/m/{m.public_id}/").content.decode()
    assert "已超期" not in page and "已超过答复期限" not in page  # in time: nothing to say
    due = timezone.now() - dt.timedelta(days=3)
    Message.objects.filter(pk=m.pk).update(due_at=due)
    Assignment.objects.filter(message=m).update(due_at=due)
    page = re.sub(r"\s+", " ", login(p["citizen"]).get(f"/m/{m.public_id}/").content.decode())
    day = timezone.localtime(due).date().isoformat()
    assert f"已超过答复期限 ({day}), 仍未答复" in page
    assert "兰州市住房和城乡建设局" in page and "0931-8817957" in page and "督办" in page
    other = login(p["other_citizen"]).get(f"/m/{m.public_id}/").content.decode()
    assert "已超期" in other and "已超过答复期限" not in other and "0931-8817957" not in other


def test_a_place_given_by_its_position_alone_is_on_its_author_s_page(client, login, personas, directory):
    """小李 pressed 使用我当前的位置 and wrote no 地点: the message kept the position, but its page showed no place at
    all, as if it had been lost (地点 is shown only when typed). Its author reads the position sent; the public page
    shows no coordinates still (a phone's position may be the author's home)."""
    p, d = personas, directory
    c = login(p["citizen"])
    response = c.post("/post/", form_data(d, address="", latitude="36.061089", longitude="103.834304"))
    m = Message.objects.get(author=p["citizen"])
    assert response.status_code == 302 and str(m.latitude) == "36.061089"
    page = re.sub(r"\s+", " ", c.get(f"/m/{m.public_id}/").content.decode())
    # in words, to the ten metres its four decimals give (six read as a raw number, 2026-12-06)
    assert "<dt>位置</dt><dd>北纬 36.0611°, 东经 103.8343°</dd>" in page and "36.061089" not in page
    actions.do_accept(p["dispatcher"], m)
    public = client.get(f"/m/{m.public_id}/").content.decode()
    assert "36.061089" not in public and "<dt>位置</dt>" not in public
