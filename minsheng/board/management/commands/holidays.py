"""`minsheng holidays --add DATE [--kind holiday|workday] [--note TEXT] | --list [--year Y] | --remove DATE
| --recompute`: the operators' holidays and make-up working days (调休), for the years chinese-calendar
does not know yet (每年更新节假日, docs/deploy.md §11). The admin's 节假日调整 edits the same table. A change
recomputes the running deadlines of open cases in the same transaction, and judges again the misses of the
units that gave a case up (``recompute.recompute_deadlines``); so does --recompute, for every date."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from minsheng.board import deadlines
from minsheng.board.models import CalendarDay
from minsheng.board.recompute import entries_before_change, recompute_deadlines, saved_cause

KINDS = {"holiday": CalendarDay.Kind.HOLIDAY, "workday": CalendarDay.Kind.WORKDAY}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise CommandError(f"日期 {text!r} 无效: 应为 YYYY-MM-DD, 如 2027-01-01") from None


MAX_RUN = 31  # days one --add FROM..TO enters: a holiday, not a year by mistake


def _dates(text: str) -> list[dt.date]:
    """The date of --add, or each date of a run FROM..TO (both included; since 2026-12-06)."""
    first, sep, last = text.partition("..")
    if not sep:
        return [_date(text)]
    first, last = _date(first), _date(last)
    if last < first:
        raise CommandError(f"结束日期 {last:%Y-%m-%d} 早于开始日期 {first:%Y-%m-%d}")
    if (last - first).days >= MAX_RUN:
        raise CommandError(
            f"{first:%Y-%m-%d}..{last:%Y-%m-%d} 超过 {MAX_RUN} 天: 一次最多 {MAX_RUN} 天 (一个假期)"
        )
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


class Command(BaseCommand):
    help = (
        "Enter a public holiday or make-up working day (调休) by hand; it wins over chinese-calendar for its "
        "date. The running deadlines of open cases that depend on the date are computed again (those "
        "already answered, or past before and after, are kept); --recompute does it for every date, "
        "after pip install -U chinese-calendar brought a new year."
    )

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument(
            "--add",
            metavar="DATE",
            help="the date (YYYY-MM-DD) to enter, or to change if entered; FROM..TO (e.g. "
            "2027-02-06..2027-02-13) enters each date of a holiday at once, at most 31 days",
        )
        action.add_argument("--list", action="store_true", help="list the entries, by date")
        action.add_argument("--remove", metavar="DATE", help="delete the entry for the date (YYYY-MM-DD)")
        action.add_argument(
            "--recompute",
            action="store_true",
            help="compute the running deadlines of open cases again with the calendar in use, "
            "and judge again the misses (误期未答复) of the units that gave a case up",
        )
        parser.add_argument(
            "--kind",
            choices=sorted(KINDS),
            help="with --add: holiday (休息日/节假日, the default for a new entry) or workday "
            "(调休上班日); left out, an entered date keeps its kind",
        )
        parser.add_argument(
            "--note",
            help="with --add: e.g. 2027年元旦 (at most 100 characters); left out, an "
            "entered date keeps its note (--note '' clears it)",
        )
        parser.add_argument("--year", type=int, help="with --list: that year's entries alone")

    def handle(self, *args, add=None, remove=None, kind=None, note=None, year=None, **opts):
        if add is None and (kind is not None or note is not None):
            raise CommandError("--kind 和 --note 只用于 --add")
        if year is not None and not opts["list"]:
            raise CommandError("--year 只用于 --list")
        if year is not None and not 1 <= year <= 9999:  # datetime's years: 0 or 99999 was a traceback
            raise CommandError(f"--year 应为 1 到 9999 之间的年份, 不是 {year}")
        with transaction.atomic():  # the entry and the deadlines it moves together, said once committed
            said = self._handle(add=add, remove=remove, kind=kind, note=note, year=year, **opts)
        for line in said or ():
            self.stdout.write(line)

    @staticmethod
    def _moved(before, cause) -> list[str]:
        return recompute_deadlines(before, cause=cause).lines()

    def _handle(self, *, add, remove, kind, note, year, **opts):
        if opts["list"]:
            rows = CalendarDay.objects.all()
            if year is not None:
                rows = rows.filter(date__year=year)
            for row in rows:
                self.stdout.write(f"{row.date:%Y-%m-%d}  {row.get_kind_display()}  {row.note}".rstrip())
            # a year neither chinese-calendar knows nor has a 节假日 entry (deadlines.unentered_years): said
            if year is None:
                unentered = deadlines.unentered_warning(deadlines.unentered_years())
            else:
                unentered = "" if deadlines.year_known(year) else deadlines.unentered_warning([year])
            if not rows and not unentered:
                self.stdout.write(f"{year} 年没有节假日调整" if year is not None else "没有节假日调整")
            if unentered:
                self.stdout.write(unentered)
            return
        if opts["recompute"]:
            return self._moved(None, "按当前节假日重新计算")
        before = entries_before_change()
        if remove is not None:
            day = _date(remove)
            deleted, _ = CalendarDay.objects.filter(date=day).delete()
            if not deleted:
                raise CommandError(
                    f"{day:%Y-%m-%d} 没有节假日调整, 无需删除 (minsheng holidays --list 列出全部)"
                )
            return [
                f"已删除 {day:%Y-%m-%d} 的节假日调整",
                *self._moved(before, f"删除 {day:%Y-%m-%d} 的节假日调整"),
            ]
        days = _dates(add)
        if (
            len(days) > 1 and kind is None
        ):  # a run is a holiday: a 调休上班日 entered inside it is one no more
            kind = "holiday"
        if note is not None:
            note = note.strip()
            if len(note) > 100 or any(not ch.isprintable() for ch in note):
                raise CommandError("--note 最多 100 个字符, 不能含换行或控制字符")
        # a date entered already keeps what is not given: changing its kind kept no note, and --note alone
        # turned a 调休上班日 into a holiday
        changed = {**({"kind": KINDS[kind]} if kind else {}), **({"note": note} if note is not None else {})}
        saved = [
            CalendarDay.objects.update_or_create(
                date=day, defaults=changed, create_defaults={"kind": KINDS["holiday"], "note": "", **changed}
            )
            for day in days
        ]
        row, created = saved[0]
        if len(saved) == 1:
            return [
                f"已{'添加' if created else '修改'} {row}",
                *self._moved(before, saved_cause(row, created)),
            ]
        # a run of days (春节): one transaction, one recomputation, one line (since 2026-12-06)
        new = sum(created for _, created in saved)
        what = (
            "添加"
            if new == len(saved)
            else "修改"
            if not new
            else f"添加 {new} 天、修改 {len(saved) - new} 天:"
        )
        span = f"{days[0]:%Y-%m-%d} 至 {days[-1]:%Y-%m-%d} ({len(days)} 天) {str(row)[11:]}".rstrip()
        return [f"已{what} {span}", *self._moved(before, f"{what} {span}")]
