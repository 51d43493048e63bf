"""每年更新节假日: holidays and make-up working days (调休) entered by an operator, for a year
chinese-calendar does not know yet (1.11.0 stops at 2026), win over its tables."""

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from minsheng.board import deadlines
from minsheng.board.deadlines import SHANGHAI, add_working_days, due_after, is_working_day
from minsheng.board.models import CalendarDay
from minsheng.stats import facts

from .conftest import make_user

pytestmark = pytest.mark.django_db


def d(s):
    return dt.date.fromisoformat(s)


def test_a_holiday_entered_for_new_year_2027_moves_a_deadline_across_it():
    dispatched = dt.datetime(2026, 12, 31, 10, 0, tzinfo=SHANGHAI)  # Thursday
    assert due_after(dispatched, 1).date() == d("2027-01-01")  # the package knows no 2027: a Friday
    CalendarDay.objects.create(date=d("2027-01-01"), kind=CalendarDay.Kind.HOLIDAY, note="2027年元旦")
    assert not is_working_day(d("2027-01-01"))
    assert due_after(dispatched, 1) == dt.datetime(2027, 1, 4, 23, 59, 59, tzinfo=SHANGHAI)  # Monday
    assert due_after(dispatched, 3).date() == d("2027-01-06")


def test_a_make_up_working_saturday_counts():
    assert add_working_days(d("2027-01-08"), 1) == d("2027-01-11")  # Friday → Monday
    CalendarDay.objects.create(date=d("2027-01-09"), kind=CalendarDay.Kind.WORKDAY, note="调休上班")
    assert is_working_day(d("2027-01-09"))
    assert add_working_days(d("2027-01-08"), 1) == d("2027-01-09")


def test_an_entry_wins_over_chinese_calendar_in_a_year_it_knows():
    assert is_working_day(d("2026-02-14"))  # 调休 Saturday in the package
    CalendarDay.objects.create(date=d("2026-02-14"), kind=CalendarDay.Kind.HOLIDAY)
    assert not is_working_day(d("2026-02-14"))


def test_the_working_day_index_sees_an_entry_saved_by_another_process_within_the_check_time():
    """``facts.WORKDAYS`` (超期天数, days to reply) was filled once per process: a holiday entered
    later never reached it until a restart."""
    before = facts.WORKDAYS.days_between(d("2026-12-31"), d("2027-01-05"))
    assert before == 3  # 1, 4, 5 January
    # written by another worker: no signal reaches this process
    CalendarDay.objects.bulk_create([CalendarDay(date=d("2027-01-01"), kind=CalendarDay.Kind.HOLIDAY)])
    assert facts.WORKDAYS.days_between(d("2026-12-31"), d("2027-01-05")) == 3  # not asked again yet
    deadlines._ENTRIES.checked -= deadlines.CALENDAR_CHECK_SECONDS  # the check time has passed
    assert facts.WORKDAYS.days_between(d("2026-12-31"), d("2027-01-05")) == 2
    # saved in this process (the admin, minsheng holidays): at once
    CalendarDay.objects.create(date=d("2027-01-04"), kind=CalendarDay.Kind.HOLIDAY)
    assert facts.WORKDAYS.days_between(d("2026-12-31"), d("2027-01-05")) == 1
    CalendarDay.objects.filter(date=d("2027-01-04")).get().delete()
    assert facts.WORKDAYS.days_between(d("2026-12-31"), d("2027-01-05")) == 2


def run(*args):
    """`minsheng holidays ARGS` (call_command: the console script would close the test's database
    connection); a CommandError is the one line and exit status 1 of the console script."""
    out = io.StringIO()
    call_command("holidays", *args, stdout=out)
    return out.getvalue()


def test_the_command_adds_lists_and_removes():
    assert "已添加 2027-01-01 休息日/节假日 (元旦)" in run(
        "--add", "2027-01-01", "--kind", "holiday", "--note", "元旦"
    )
    assert not is_working_day(d("2027-01-01"))
    run("--add", "2027-02-20", "--kind", "workday", "--note", "春节调休")
    run("--add", "2028-01-01")
    assert run("--list", "--year", "2027").splitlines() == [
        "2027-01-01  休息日/节假日  元旦",
        "2027-02-20  调休上班日  春节调休",
    ]
    assert "已修改 2027-01-01 调休上班日" in run("--add", "2027-01-01", "--kind", "workday")
    assert CalendarDay.objects.count() == 3 and is_working_day(d("2027-01-01"))
    assert "已删除" in run("--remove", "2027-01-01")
    assert run("--list", "--year", "2026") == "2026 年没有节假日调整\n"


@pytest.mark.parametrize(
    "args, says",
    [
        (["--add", "2027-13-01"], "日期 '2027-13-01' 无效"),
        (["--add", "2027/01/01"], "日期 '2027/01/01' 无效"),
        (["--remove", "2027-02-30"], "日期 '2027-02-30' 无效"),
        (["--remove", "2027-01-01"], "2027-01-01 没有节假日调整"),
        (["--add", "2027-01-01", "--note", "元旦\n放假"], "--note 最多 100 个字符"),
        (["--list", "--kind", "workday"], "--kind 和 --note 只用于 --add"),
        # a year datetime cannot hold was a ValueError traceback (2026-12-07)
        (["--list", "--year", "0"], "--year 应为 1 到 9999 之间的年份"),
        (["--list", "--year", "99999"], "--year 应为 1 到 9999 之间的年份"),
        (["--list", "--year", "-5"], "--year 应为 1 到 9999 之间的年份"),
        # --year with --add was dropped in silence, the date entered all the same
        (["--add", "2027-01-01", "--year", "2028"], "--year 只用于 --list"),
    ],
)
def test_the_command_refuses_in_one_line(args, says):
    with pytest.raises(CommandError) as refused:
        run(*args)
    assert says in str(refused.value) and "\n" not in str(refused.value)
    assert not CalendarDay.objects.exists()


def test_changing_an_entry_keeps_what_is_not_given():
    """--add on a date entered already reset what it did not give: a new --kind erased the note, and
    --note alone turned a 调休上班日 into a holiday."""
    run("--add", "2027-02-20", "--kind", "workday", "--note", "春节调休")
    run("--add", "2027-02-20", "--note", "春节调休 (周六上班)")
    # a 调休上班日 alone: 2027's holidays are still missing (said since 2026-12-05)
    assert run("--list", "--year", "2027").splitlines() == [
        "2027-02-20  调休上班日  春节调休 (周六上班)",
        UNKNOWN_2027,
    ]
    assert is_working_day(d("2027-02-20"))
    run("--add", "2027-02-20", "--kind", "holiday")
    assert run("--list", "--year", "2027").splitlines() == ["2027-02-20  休息日/节假日  春节调休 (周六上班)"]
    run("--add", "2027-02-20", "--note", "")
    assert run("--list", "--year", "2027").splitlines() == ["2027-02-20  休息日/节假日"]


def test_the_admin_lists_and_adds_entries(directory, login):
    client = login(make_user("platform_admin", is_superuser=True, is_staff=True))
    assert "节假日调整" in client.get("/admin/").content.decode()
    response = client.post(
        "/admin/board/calendarday/add/", {"date": "2027-01-01", "kind": "holiday", "note": "2027年元旦"}
    )
    assert response.status_code == 302
    assert not is_working_day(d("2027-01-01"))
    assert "2027年元旦" in client.get("/admin/board/calendarday/").content.decode()


UNKNOWN_2027 = "2027 年的法定节假日尚未录入: 期限暂按周末计算, 元旦、春节等将被算作工作日。请在「节假日调整」中录入国务院公布的安排"


def _this_year_unknown(monkeypatch) -> int:
    """chinese-calendar knows the years before this one alone (whatever the date the tests run)."""
    year = dt.datetime.now(SHANGHAI).year
    monkeypatch.setattr(deadlines, "CALENDAR_YEARS", range(2004, year))
    run("--add", f"{year + 1}-01-01")  # the next year entered (from November it is one too)
    return year


def test_the_years_deadlines_reach_and_nobody_entered():
    """This year, the next from 1 November; a year chinese-calendar knows, or with a 节假日 entry, is not
    one (a 调休上班日 alone is)."""
    assert deadlines.unentered_years(d("2026-10-31")) == []
    assert deadlines.unentered_years(d("2026-11-01")) == [2027]
    assert deadlines.unentered_years(d("2027-03-01")) == [2027]
    run("--add", "2027-02-20", "--kind", "workday")
    assert deadlines.unentered_years(d("2026-12-05")) == [2027]
    run("--add", "2027-01-01", "--note", "元旦")
    assert deadlines.unentered_years(d("2026-12-05")) == []
    assert deadlines.unentered_years(d("2027-11-01")) == [2028]


def test_the_year_of_an_open_cases_deadline_is_one(case_due_2099, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(deadlines, "CALENDAR_YEARS", range(2004, 2099))
    assert deadlines.unentered_years(d("2098-06-01")) == [2099]
    with django_assert_num_queries(0):  # the latest deadline kept, the entries in memory
        assert deadlines.unentered_years(d("2098-06-01")) == [2099]


@pytest.fixture
def case_due_2099(personas, directory):
    from minsheng.board import actions

    message = actions.do_submit(
        personas["citizen"],
        title="路灯不亮",
        body="小区门口的路灯坏了一个多月了。",
        kind="help",
        region=directory["qilihe"],
    )
    actions.do_dispatch(
        personas["dispatcher"],
        message,
        directory["housing"],
        at=dt.datetime(2099, 6, 1, 10, 0, tzinfo=SHANGHAI),
    )
    return message


def test_the_list_says_a_year_nobody_entered_in_one_line(monkeypatch):
    assert run("--list", "--year", "2027") == UNKNOWN_2027 + "\n"
    assert run("--list", "--year", "2026") == "2026 年没有节假日调整\n"
    run("--add", "2027-01-01")
    assert run("--list", "--year", "2027") == "2027-01-01  休息日/节假日\n"
    year = _this_year_unknown(monkeypatch)
    assert run("--list").splitlines()[-1] == deadlines.unentered_warning([year])


def test_the_admin_and_the_supervisors_pages_warn_of_a_year_nobody_entered(personas, login, monkeypatch):
    """Nothing told anyone that 元旦 counted as a working day in a year nobody entered."""
    year = _this_year_unknown(monkeypatch)
    warning = f"{year} 年的法定节假日尚未录入: 期限暂按周末计算, 元旦、春节等将被算作工作日"
    admin = login(make_user("platform_admin", is_superuser=True, is_staff=True))
    for url in ("/admin/", "/admin/board/calendarday/"):
        page = admin.get(url).content.decode()
        assert warning in page and 'href="/admin/board/calendarday/">前往录入' in page
    supervisor = login(personas["supervisor"])
    for url in ("/staff/supervision/", "/stats/dashboard/"):
        page = supervisor.get(url).content.decode()
        assert warning in page and "由系统管理员在后台录入" in page and "前往录入" not in page
    run("--add", f"{year}-10-01", "--note", "国庆节")  # seen at once
    for client, url in (
        (admin, "/admin/"),
        (supervisor, "/staff/supervision/"),
        (supervisor, "/stats/dashboard/"),
    ):
        assert "尚未录入" not in client.get(url).content.decode()


def test_the_system_check_warns_of_a_year_nobody_entered(monkeypatch, db):
    from django.core import checks

    def found():
        return [w.msg for w in checks.run_checks(include_deployment_checks=True) if w.id == "minsheng.W005"]

    year = _this_year_unknown(monkeypatch)
    assert found() == [deadlines.unentered_warning([year])]
    # a deploy check: not a block of text above every command's output (a CLI error stays one line)
    assert not [w for w in checks.run_checks() if w.id == "minsheng.W005"]
    run("--add", f"{year}-10-01")
    assert found() == []


def test_a_holiday_of_several_days_is_entered_in_one_command():
    """A year's schedule is some 30 dates, most of them in runs (春节 2027-02-06 to 02-13): one command, one
    transaction and one recomputation per run, where each date took a command of its own (walk of 2026-12-06:
    about 9 s each)."""
    said = run("--add", "2027-02-06..2027-02-13", "--note", "春节")
    assert said.splitlines()[0] == "已添加 2027-02-06 至 2027-02-13 (8 天) 休息日/节假日 (春节)"
    assert [str(day.date) for day in CalendarDay.objects.all()] == [f"2027-02-{n:02d}" for n in range(6, 14)]
    assert {day.note for day in CalendarDay.objects.all()} == {"春节"}
    assert not is_working_day(d("2027-02-08")) and is_working_day(d("2027-02-15"))
    run("--add", "2027-02-07", "--kind", "workday")  # one of them changed alone
    assert is_working_day(d("2027-02-07"))
    said = run("--add", "2027-02-06..2027-02-08")  # a run is a holiday unless --kind says otherwise
    assert said.splitlines()[0] == "已修改 2027-02-06 至 2027-02-08 (3 天) 休息日/节假日 (春节)"
    for bad, says in (
        ("2027-02-13..2027-02-06", "结束日期 2027-02-06 早于开始日期 2027-02-13"),
        ("2027-01-01..2027-03-01", "一次最多 31 天"),
        ("2027-02-06..2027-02-30", "日期 '2027-02-30' 无效"),
    ):
        with pytest.raises(CommandError) as refused:
            run("--add", bad)
        assert says in str(refused.value) and "\n" not in str(refused.value)
    assert CalendarDay.objects.count() == 8 and not is_working_day(d("2027-02-07"))
