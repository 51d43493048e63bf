"""minsheng score-replies --data F.csv --out scores.csv"""

from django.core.management.base import BaseCommand, CommandError

from minsheng.insight import csvio
from minsheng.insight.quality import score_reply
from minsheng.progress import Progress

REPLY_COLUMNS = ("答复意见", "reply")
ASKED_AT = ("留言时间", "submitted_at")
REPLIED_AT = ("答复时间", "replied_at")
KIND_COLUMNS = ("留言类型", "问题类型", "类型", "type", "kind")  # 问题类型: the reference data's (training.KIND_FOR_LABEL)
THANKS = {"感谢", "thanks"}  # a 感谢 is charged no completeness, as the reply form charges none (since 2026-12-06)
HEADER = ["留言编号", "总分", "相关性", "完整性", "可解释性", "及时性", "套话", "原因"]


class Command(BaseCommand):
    help = ("Score replies (relevance, completeness, interpretability, timeliness; boilerplate) with reasons. A "
            "file over 1,000 rows counts its progress on stderr; stdout gets one summary line.")

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="UTF-8 CSV like tipdm_replies.csv: 答复意见 (or reply) and 留言主题/留言详情; "
                                                            "留言编号, 留言时间, 答复时间 used when present; a type column (留言类型, 问题类型, 类型, type "
                                                            "or kind) whose value 感谢 (or thanks) marks a thanks message, "
                                                            "charged no completeness (完整性 1.0) ('-': standard input)")
        parser.add_argument("--out", required=True, help="output CSV (missing folders are created), one row per reply: 留言编号 (or the row number), 总分, 相关性, 完整性, "
                                                            "可解释性, 及时性, 套话, 原因")

    def handle(self, *args, data, out, **options):
        try:
            csvio.check_output(out, others=(data,))
            table = csvio.read_table(data)
            header, rows = table.header, table.rows
            reply_col = csvio.pick_column(header, REPLY_COLUMNS)
            if reply_col is None:
                raise csvio.CSVError(f"{table.path}: 缺少列 答复意见 (或 reply); 现有列: {csvio.columns_text(header)}")
            if not csvio.pick_column(header, csvio.TITLE_COLUMNS + csvio.BODY_COLUMNS + csvio.TEXT_COLUMNS):
                raise csvio.CSVError(f"{table.path}: 需要留言主题或留言详情列, 才能判断答复是否切题; 现有列: {csvio.columns_text(header)}")
            titles, bodies = csvio.message_columns(table)
            csvio.require_texts(table, [r[reply_col] for r in rows], "答复意见")
            csvio.require_texts(table, [t + b for t, b in zip(titles, bodies, strict=True)], "标题和正文")
            ids = csvio.unique_ids(table)
            asked_col, replied_col = csvio.pick_column(header, ASKED_AT), csvio.pick_column(header, REPLIED_AT)
            kind_col = csvio.pick_column(header, KIND_COLUMNS)
            results = []
            with Progress(self.stderr, quiet=options.get("verbosity", 1) == 0) as progress:
                # scoring reads about 300 replies a second, so a count every 1,000 (a few seconds), each tenth
                # of the way in a log; classify's 10,000 left a file of 9,000 replies half a minute in silence
                count = csvio.row_counter(progress, len(rows), "条答复已评分", every=1_000)
                for i, (row, title, body, line) in enumerate(zip(rows, titles, bodies, table.lines, strict=True),
                                                             start=1):
                    asked, replied = [csvio.parse_time(row[col], table.path, i, col, line) if col and row[col].strip()
                                      else None for col in (asked_col, replied_col)]
                    thanks = kind_col is not None and row[kind_col].strip().casefold() in THANKS
                    results.append(score_reply(title, body, row[reply_col], asked, replied, thanks=thanks))
                    if count:
                        count(i)
            csvio.write_rows(out, HEADER, (
                [rid, r["score"], r["relevance"], r["completeness"], r["interpretability"],
                 "" if r["timeliness"] is None else r["timeliness"], "是" if r["boilerplate"] else "否",
                 "；".join(r["reasons"])]
                for rid, r in zip(ids, results, strict=True)))
        except csvio.CSVError as exc:
            raise CommandError(str(exc)) from None
        boiler = sum(r["boilerplate"] for r in results)
        mean = sum(r["score"] for r in results) / len(results)
        self.stdout.write(f"{len(results)} 条答复已评分, 平均 {mean:.1f} 分, 套话 {boiler} 条 → {out}")
