"""minsheng detect-hotspots --data F.csv --out clusters.csv [--report hotspots.csv] [--top N]"""

import contextlib
import time

from django.core.management.base import BaseCommand, CommandError

from minsheng.insight import csvio
from minsheng.insight.hotspots import MAX_WINDOW_DAYS, WINDOW_DAYS, Item, cluster_batch, cluster_heat
from minsheng.progress import Progress

REQUIRED = ("留言编号", "留言主题", "留言时间", "留言详情")
REPORT_HEADER = ["热度排名", "热度指数", "时间范围", "地点/人群", "问题描述", "留言数", "留言用户数", "点赞数", "cluster_id",
                 "留言编号"]


class Command(BaseCommand):
    help = ("Cluster messages into hotspots (same concrete problem at the same place or for the same group) and "
            "rank them by heat. From 1,000 messages it counts the messages read, then those placed, on stderr; stdout "
            "gets a summary and the top five.")

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True,
                            help="UTF-8 CSV with 留言编号, 留言主题, 留言时间, 留言详情 (留言用户, 点赞数, 反对数 optional)"
                                 " ('-': standard input)")
        parser.add_argument("--out", required=True, help="output CSV (missing folders are created): 留言编号,cluster_id for every input row (a message alone has "
                                                            "its own cluster_id; 1 is the hottest)")
        parser.add_argument("--report", help="output CSV (missing folders are created) of hotspots (2+ messages) by heat: 热度排名, 热度指数, 时间范围, "
                                                   "地点/人群, 问题描述, 留言数, 留言用户数, 点赞数, cluster_id, 留言编号")
        parser.add_argument("--top", type=int, default=None, help="the N hottest in the report, N >= 1 (default: all with 2+ messages)")
        parser.add_argument("--window-days", type=int, default=WINDOW_DAYS,
                            help=f"sliding window: a hotspot idle longer than this takes no new messages but one "
                                 f"repeating it, up to twice as long (1 to {MAX_WINDOW_DAYS}; default {WINDOW_DAYS})")

    def handle(self, *args, data, out, report, top, window_days, **options):
        if top is not None and top < 1:
            raise CommandError("--top 应为正整数")
        if not 1 <= window_days <= MAX_WINDOW_DAYS:
            raise CommandError(f"--window-days 应为 1 至 {MAX_WINDOW_DAYS} 之间的整数")
        started = time.perf_counter()
        try:
            csvio.check_output(out, others=(data,))
            if report is not None:  # --report "": refused as an empty path, not taken for no report
                csvio.check_output(report, others=(data, out))
            table = csvio.read_table(data, required=REQUIRED)
            csvio.require_texts(table, [r["留言主题"] + r["留言详情"] for r in table.rows], "标题和正文")
            ids = csvio.unique_ids(table)
            items = []
            for i, (rid, row, line) in enumerate(zip(ids, table.rows, table.lines, strict=True), start=1):
                # 反对数 is not in the heat, but a count that is no count is a broken row
                csvio.parse_count(row.get("反对数", ""), table.path, i, "反对数", line)
                items.append(Item(
                    id=rid, title=row["留言主题"], body=row["留言详情"],
                    at=csvio.parse_time(row["留言时间"], table.path, i, "留言时间", line),
                    user=row.get("留言用户", "").strip(),
                    supports=csvio.parse_count(row.get("点赞数", ""), table.path, i, "点赞数", line),
                ))
            with Progress(self.stderr, quiet=options.get("verbosity", 1) == 0) as progress:
                index = cluster_batch(
                    items, window_days=window_days,
                    reading=lambda done, total: progress(f"  {done}/{total} 条留言已读入", done, total),
                    progress=lambda done, total: progress(f"  {done}/{total} 条留言已聚类", done, total))
            now = max(it.at for it in items)
            ranked = sorted(index.clusters.values(), key=lambda c: (-cluster_heat(c, now), -c.size, c.first_at))
            number = {c.id: n for n, c in enumerate(ranked, start=1)}
            cluster_of = {}
            for c in ranked:
                for member in c.members:
                    cluster_of.setdefault(member, number[c.id])
            hot = [c for c in ranked if c.size >= 2]
            if top is not None:
                hot = hot[:top]
            # both files or neither: a report that could not be written (a full disk) left a new --out behind.
            # --out written before the report's block is entered: a write of --out that failed in it
            # was told as the report's
            with csvio.replacing(out) as out_tmp:
                csvio.fill_csv(out_tmp, ["留言编号", "cluster_id"], ([it.id, cluster_of[it.id]] for it in items))
                with csvio.replacing(report) if report is not None else contextlib.nullcontext() as report_tmp:
                    if report is not None:
                        csvio.fill_csv(report_tmp, REPORT_HEADER, (
                            [rank, f"{cluster_heat(c, now):.2f}", f"{c.first_at:%Y/%m/%d} 至 {c.last_at:%Y/%m/%d}",
                             c.place_label(), index.title_of(c), c.size, len(c.users), c.supports, number[c.id],
                             " ".join(c.members)]
                            for rank, c in enumerate(hot, start=1)))
        except csvio.CSVError as exc:
            raise CommandError(str(exc)) from None
        elapsed = time.perf_counter() - started
        self.stdout.write(f"{len(items)} 条留言 → {len(ranked)} 个簇, 其中 {sum(c.size >= 2 for c in ranked)} 个有 2 条以上 "
                          f"(用时 {elapsed:.1f} 秒) → {out}" + (f", 报告 {report}" if report is not None else ""))
        for rank, c in enumerate(hot[:5] if options.get("verbosity", 1) else [], start=1):
            self.stdout.write(f"  {rank}. [{cluster_heat(c, now):.1f}] {index.title_of(c)} ({c.size} 条)")
