"""`minsheng import-staff`: a city's hundreds of officers from one CSV file (docs/deploy.md §5),
not one by one in the admin. A dry run unless --commit, one line per problem, nothing written
on any, the initial passwords printed once, and a second import updates instead of adding."""

import io
import re
import unicodedata
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from minsheng.accounts.models import Membership, User
from minsheng.directory.models import Unit

from .test_deploy import EXAMPLE, import_directory

DEPLOY = Path(__file__).resolve().parent.parent / "docs" / "deploy.md"
HEADER = "username,display_name,role,unit_name,region_code,phone,email,password\n"


def import_staff(path, *args) -> str:
    out = io.StringIO()
    call_command("import_staff", "--data", str(path), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def staff_errors(path) -> list[str]:
    err = io.StringIO()
    before = (User.objects.count(), Membership.objects.count())
    with pytest.raises(CommandError, match="未做任何修改"):
        call_command("import_staff", "--data", str(path), "--commit", stdout=io.StringIO(), stderr=err)
    assert (User.objects.count(), Membership.objects.count()) == before
    return err.getvalue().splitlines()


@pytest.fixture
def huzhou(db):
    import_directory(EXAMPLE, "--commit")


def test_the_example_staff_of_docs_deploy_import_as_it_says(huzhou, client):
    """The commands and output of docs/deploy.md §5, on docs/example-city/staff.csv."""
    section = DEPLOY.read_text(encoding="utf-8").split("## 5. Staff accounts")[1].split("## 6.")[0]
    commands, output = re.findall(r"```(?:sh)?\n(.*?)```", section, re.S)[:2]
    assert [c.split("#")[0].split() for c in commands.strip().splitlines()] == [
        ["minsheng", "import-staff", "--data", "docs/example-city/staff.csv"],
        ["minsheng", "import-staff", "--data", "docs/example-city/staff.csv", "--commit"]]
    staff = EXAMPLE / "staff.csv"
    assert "试运行 (未写入" in import_staff(staff) and not User.objects.exists()
    out = import_staff(staff, "--commit").splitlines()
    documented = output.strip().splitlines()
    assert out[:3] == documented[:3]
    shown = {line.split()[0]: line.split()[1] for line in out[3:]}
    assert [line.split()[0] for line in documented[3:5]] == list(shown)[:2] and len(shown) == 7
    # each printed password signs its user in, and the 工作台 greets them by 昵称
    assert client.login(username="hz_zhujian_wang", password=shown["hz_zhujian_wang"])
    assert "市住建局王芳" in client.get("/staff/").content.decode()
    wang = User.objects.get(username="hz_zhujian_wang")
    assert (wang.phone, wang.email) == ("13700001001", "wangfang@example.gov.cn")
    xu = User.objects.get(username="yuehe_xu")
    assert sorted(xu.memberships.values_list("role", flat=True)) == ["dispatcher", "officer"]
    assert User.objects.get(username="hz_paidan").memberships.get().region.name == "湖州市"
    # again: nothing new, nothing printed
    assert import_staff(staff, "--commit").splitlines()[1] == "已导入: 账号: 新增 0, 更新 0, 未变 7; 角色: 新增 0, 删除 0"
    assert Membership.objects.count() == 8


def test_importing_again_moves_an_officer_instead_of_adding_a_unit(huzhou, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + "wangfang,王芳,承办人员,湖州市住房和城乡建设局,,,,Hz-2026-wangfang\n", encoding="utf-8")
    assert "新增 1" in import_staff(path, "--commit")
    assert User.objects.get(username="wangfang").check_password("Hz-2026-wangfang")
    path.write_text(HEADER + "wangfang,市生态环境局王芳,officer,湖州市生态环境局,,,,\n", encoding="utf-8-sig")  # a BOM
    assert "账号: 新增 0, 更新 1, 未变 0; 角色: 新增 1, 删除 1" in import_staff(path, "--commit")
    user = User.objects.get(username="wangfang")
    assert [m.unit.name for m in user.memberships.all()] == ["湖州市生态环境局"]
    assert user.display_name == "市生态环境局王芳" and user.check_password("Hz-2026-wangfang")  # kept


def test_a_dry_run_writes_nothing_and_shows_no_password(huzhou):
    out = import_staff(EXAMPLE / "staff.csv")
    assert "账号: 新增 7" in out and "初始密码" not in out
    assert not User.objects.exists() and not Membership.objects.exists()


def test_each_mistake_is_one_line_and_nothing_is_written(huzhou, tmp_path):
    User.objects.create_user("13700009999", phone="13700009999")
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + "\n".join([
        "ok_user,张三,派单员,,330500,,,",
        "a1,科长甲,科长,,,,,",
        "a2,,承办人员,湖州市信访局,,,,",
        "a3,,承办人员,湖州市教育局,330500,,,",
        "a4,,派单员,,,,,",
        "a 5,,派单员,,330500,,,",
        "a6,,督办员,,330500,,,",
        "a6,,督办员,,330500,,,",
        "a7,,派单员,,330500,137 0000 9999,,",
        "a8,,平台管理员,,330500,,,",
    ]) + "\n", encoding="utf-8")
    assert staff_errors(path) == [
        "staff.csv:3: 角色 '科长' 不存在 (应为 承办人员、单位负责人、派单员、督办员、平台管理员, 或 officer, head, dispatcher, "
        "supervisor, admin)",
        "staff.csv:4: 单位 湖州市信访局 不存在 (先用 minsheng import-directory 导入 units.csv)",
        "staff.csv:5: 承办人员按单位办理, region_code 留空",
        "staff.csv:6: 派单员须指定负责的区划 region_code",
        "staff.csv:7: 用户名 'a 5' 只能由字母、数字和 @ . + - _ 组成 (不超过 150 字符)",
        "staff.csv:9: 与第 8 行重复",
        "staff.csv:10: 手机号 13700009999 已是账号 13700009999 的手机号",
        "staff.csv:11: 平台管理员管理全平台, unit_name 和 region_code 留空",
    ]
    assert not User.objects.filter(username="ok_user").exists()


def test_a_file_saved_by_excel_or_with_other_columns_is_one_line(huzhou, tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes((EXAMPLE / "staff.csv").read_text(encoding="utf-8").encode("gbk"))
    assert staff_errors(path) == [
        "staff.csv:2: 不是 UTF-8 编码, 看来是 GBK 编码 (Excel「CSV (逗号分隔)」的默认格式); 请在 Excel 中另存为「CSV UTF-8 "
        "(逗号分隔)」, 或在 WPS、记事本中以 UTF-8 编码保存"]
    path.write_text("用户名,昵称,角色\nhz,张三,派单员\n", encoding="utf-8")
    assert staff_errors(path) == ["staff.csv:1: 缺少列 username, role; 未知列 用户名, 昵称, 角色 "
                                  "(应为 username,display_name,role,unit_name,region_code,phone,email,password)"]
    assert staff_errors(tmp_path / "missing.csv") == [f"{tmp_path / 'missing.csv'}: 文件不存在"]
    assert Unit.objects.count() == 15



def test_a_weak_password_is_said_in_chinese(huzhou, tmp_path):
    """Django's "too short" message has no Chinese in its catalogue: the line read
    "密码不可用: This password is too short. It must contain at least 8 characters. 这个密码太常见了。"."""
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + "a1,,派单员,,330500,,,1234\n", encoding="utf-8")
    assert staff_errors(path) == ["staff.csv:2: 密码不可用: 密码至少 8 位; 密码太常见, 请换一个; 密码不能全是数字"]
    assert not User.objects.filter(username="a1").exists()

def test_a_password_like_the_username_names_the_username(huzhou, tmp_path):
    """An account of the file has no phone and is no "您": the line said 「密码与您的手机号、邮箱或昵称
    太相似」 for a password made of its username (Django's own message named the username)."""
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + "wangfang2024,,派单员,,330500,,,wangfang2024x\n", encoding="utf-8")
    assert staff_errors(path) == ["staff.csv:2: 密码不可用: 密码与用户名太相似"]


def test_hundreds_of_accounts_count_on_stderr(huzhou):
    """A password's hash takes about half a second: 300 accounts took two minutes without a word."""
    out, err = io.StringIO(), io.StringIO()
    call_command("import_staff", "--data", str(EXAMPLE / "staff.csv"), "--commit", stdout=out, stderr=err)
    assert err.getvalue().splitlines()[-1] == "  账号 7/7"
    assert "账号 7/7" not in out.getvalue()


def test_a_deactivated_account_listed_again_is_named_and_reactivated_when_asked(huzhou, tmp_path, client):
    """Someone deactivated (有效 unticked in the admin) who is back in the staff file could not sign
    in after the import, which said 「未变」 of them. The import names them and leaves them stopped (an
    admin may have stopped them on purpose); --reactivate re-enables them. Their API tokens, revoked
    then, stay revoked."""
    from minsheng.api.models import ApiToken

    path = tmp_path / "staff.csv"
    path.write_text(HEADER + "wangfang,王芳,承办人员,湖州市住房和城乡建设局,,,,Hz-2026-wangfang\n", encoding="utf-8")
    import_staff(path, "--commit")
    user = User.objects.get(username="wangfang")
    token, _ = ApiToken.issue(user, "我的脚本")
    user.is_active = False
    user.save()
    out = import_staff(path, "--commit")
    assert "未变 1; 角色: 新增 0, 删除 0; 1 个已停用账号仍停用 (wangfang; 加 --reactivate 重新启用)" in out
    assert not User.objects.get(username="wangfang").is_active
    assert "重新启用 1 个账号 (wangfang)" in import_staff(path, "--reactivate")  # the dry run says so, and writes nothing
    assert not User.objects.get(username="wangfang").is_active
    out = import_staff(path, "--commit", "--reactivate")
    assert "已导入: 账号: 新增 0, 更新 1, 未变 0; 角色: 新增 0, 删除 0; 重新启用 1 个账号 (wangfang)" in out
    assert client.login(username="wangfang", password="Hz-2026-wangfang")
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "停用" not in import_staff(path, "--commit")  # active now: 未变


def test_a_phone_the_import_changes_ends_the_officers_sessions(huzhou, tmp_path):
    """A staff member signs in with their phone or email too: a file that gives a new one ends the
    account's sessions and revokes its API tokens, as the admin's change does (since 2026-12-05); a file
    that leaves them as they are keeps them."""
    from django.test import Client

    from minsheng.api.models import ApiToken

    path = tmp_path / "staff.csv"
    row = "wangfang,王芳,承办人员,湖州市住房和城乡建设局,,{phone},wangfang@example.gov.cn,Hz-2026-wangfang\n"
    path.write_text(HEADER + row.format(phone="13700001001"), encoding="utf-8")
    import_staff(path, "--commit")
    token, _ = ApiToken.issue(User.objects.get(username="wangfang"), "我的脚本")
    browser = Client()
    assert browser.login(username="13700001001", password="Hz-2026-wangfang")
    assert "未变 1" in import_staff(path, "--commit")
    assert browser.get("/staff/").status_code == 200
    path.write_text(HEADER + row.format(phone="13700001009"), encoding="utf-8")
    dry = import_staff(path)  # a dry run ends nothing, and says what --commit would end, not that it ended
    assert "更新 1" in dry and "1 个账号的手机号或邮箱将更改: 其登录将全部退出, 1 个 API 令牌将撤销" in dry
    assert "已" not in dry.split("手机号或邮箱")[1]
    assert browser.get("/staff/").status_code == 200
    out = import_staff(path, "--commit")
    assert "账号: 新增 0, 更新 1, 未变 0; 角色: 新增 0, 删除 0; 1 个账号的手机号或邮箱已更改: 其登录已全部退出, 1 个 API 令牌已撤销" in out
    assert browser.get("/staff/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert Client().login(username="13700001009", password="Hz-2026-wangfang")


def test_a_phone_filled_in_where_there_was_none_keeps_the_api_tokens(huzhou, tmp_path):
    """A first file without phones, a later one with them filled in: no phone was lost, none can hold the
    account's tokens, so a unit's script keeps working (they were all revoked, review 2026-12-05); the sessions
    end, as the sign-in names changed, and the summary says so without claiming a token revoked."""
    from django.test import Client

    from minsheng.api.models import ApiToken

    from .test_account_takeover import ME
    from .test_api_auth import token_client

    path = tmp_path / "staff.csv"
    row = "wangfang,王芳,承办人员,湖州市住房和城乡建设局,,{phone},,Hz-2026-wangfang\n"
    path.write_text(HEADER + row.format(phone=""), encoding="utf-8")
    import_staff(path, "--commit")
    _, key = ApiToken.issue(User.objects.get(username="wangfang"), "本单位的脚本")
    path.write_text(HEADER + row.format(phone="13700001001"), encoding="utf-8")
    out = import_staff(path, "--commit")
    assert "1 个账号的手机号或邮箱已更改: 其登录已全部退出" in out and "令牌" not in out
    assert token_client(key).get(ME).status_code == 200
    assert Client().login(username="13700001001", password="Hz-2026-wangfang")


def test_a_new_name_imported_is_sorted_by_at_once(huzhou, tmp_path):
    """import-staff writes a new 昵称 with save(update_fields=…): the 承办人 sort key (User.name_key) follows it,
    a surname alone read as one (曾 zeng); a row changing the phone alone leaves the key as it was."""
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + "zeng,王芳,承办人员,湖州市住房和城乡建设局,,,,Hz-2026-wangfang\n", encoding="utf-8")
    import_staff(path, "--commit")
    assert User.objects.get(username="zeng").name_key == "wang2 fang1"
    path.write_text(HEADER + "zeng,曾,officer,湖州市住房和城乡建设局,,,,\n", encoding="utf-8")
    import_staff(path, "--commit")
    assert User.objects.get(username="zeng").name_key == "zeng1"
    path.write_text(HEADER + "zeng,,officer,湖州市住房和城乡建设局,,13700001009,,\n", encoding="utf-8")
    import_staff(path, "--commit")
    zeng = User.objects.get(username="zeng")
    assert (zeng.display_name, zeng.phone, zeng.name_key) == ("曾", "13700001009", "zeng1")


def test_an_email_another_account_signs_in_with_is_refused_and_stored_in_lower_case(huzhou, tmp_path, client):
    """Staff sign in with their email, and 忘记密码 sends its code there: an email two accounts
    share signs only one of them in (the other's 忘记密码 reaches the wrong person). The file's
    emails are checked as its phones are, whatever their case (walk of 2026-12-06: a second
    account with a citizen's email, or with a colleague's in capitals, was created)."""
    User.objects.create_user("resident@example.com", email="resident@example.com", password="Citizen-pass-1")
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + "\n".join([
        "hz_a,,承办人员,湖州市教育局,,,Resident@Example.com,",
        "hz_b,,承办人员,湖州市教育局,,,lin@example.gov.cn,",
        "hz_c,,承办人员,湖州市教育局,,,LIN@example.gov.cn,",
        "hz_d,,承办人员,湖州市教育局,,,hz_b,",
    ]) + "\n", encoding="utf-8")
    assert staff_errors(path) == [
        "staff.csv:2: 邮箱 resident@example.com 已被账号 resident@example.com 用于登录",
        "staff.csv:4: 邮箱 lin@example.gov.cn 与第 3 行的 hz_b 相同",
        "staff.csv:5: 邮箱 'hz_b' 格式不正确",
    ]
    path.write_text(HEADER + "hz_b,,承办人员,湖州市教育局,,,Lin@Example.gov.cn,\n"
                    "hz_b,,派单员,,330500,,lin@example.gov.cn,\n", encoding="utf-8")
    import_staff(path, "--commit")
    assert User.objects.get(username="hz_b").email == "lin@example.gov.cn"
    assert "未变 1" in import_staff(path, "--commit")


def test_a_user_name_that_is_another_accounts_phone_or_email_is_refused(huzhou, tmp_path):
    """One signs in with a user name, a phone or an email (``users_named``): a staff account named after a
    citizen's phone number or email would share that sign-in with the citizen (operator walk, 2026-12-06: the
    import checked the file's phones and emails, not its user names)."""
    User.objects.create_user("citizen_a", phone="13700005555", email="mei@example.com", password="Citizen-pass-1")
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + "\n".join([
        "13700005555,,承办人员,湖州市教育局,,,,",
        "Mei@Example.com,,承办人员,湖州市教育局,,,,",
        "hz_ok,,承办人员,湖州市教育局,,,,",
    ]) + "\n", encoding="utf-8")
    assert staff_errors(path) == [
        "staff.csv:2: 用户名 13700005555 已是账号 citizen_a 的手机号",
        "staff.csv:3: 用户名 Mei@Example.com 已是账号 citizen_a 的邮箱",
    ]
    assert not User.objects.filter(username__in=["13700005555", "hz_ok"]).exists()


def columns(line: str) -> int:
    """The terminal columns ``line`` takes: a wide (CJK) character two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)


def test_the_new_passwords_line_up_under_chinese_user_names(huzhou, tmp_path):
    """A city may name its accounts in Chinese (王芳, 市住建局李建国): the list of new passwords padded each name
    by its characters, not the columns a terminal gives them, so a password stood further right the longer
    the Chinese name before it (2026-12-06). Each password now begins in the same column."""
    path = tmp_path / "staff.csv"
    path.write_text(HEADER + "\n".join([
        "王芳,,承办人员,湖州市住房和城乡建设局,,,,",
        "hz_zhujian_li,,承办人员,湖州市住房和城乡建设局,,,,",
        "市住建局李建国,,承办人员,湖州市住房和城乡建设局,,,,",
    ]) + "\n", encoding="utf-8")
    out = import_staff(path, "--commit").splitlines()
    listed = out[out.index("新账号的初始密码 (只显示这一次, 请妥善转交本人):") + 1:]
    assert [line.split()[0] for line in listed] == ["王芳", "hz_zhujian_li", "市住建局李建国"]
    starts = {columns(line[:line.index(line.split()[1])]) for line in listed}
    assert len(starts) == 1, f"the passwords begin in columns {sorted(starts)}:\n" + "\n".join(listed)
    for line in listed:  # each printed password is the account's
        username, password = line.split()[:2]
        assert User.objects.get(username=username).check_password(password)
