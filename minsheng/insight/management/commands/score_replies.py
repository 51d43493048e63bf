"""minsheng score-replies --data F.csv --out scores.csv"""

from django.core.management.base import BaseCommand, CommandError

from minsheng.insight import csvio
from minsheng.insight.quality import score_reply

REPLY_COLUMNS = ("答复意见", "reply")
ASKED_AT = ("留言时间", "submitted_at")
REPLIED_AT = ("答复时间", "replied_at")
HEADER = ["留言编号", "总分", "相关性", "完整性", "可解释性", "及时性", "套话", "原因"]


class Command(BaseCommand):
    help = "Score replies (relevance, completeness, interpretability, timeliness; boilerplate) with reasons."

    def add_arguments(self, parser):
        csvio.one_line_usage_errors(parser)
        parser.add_argument("--data", required=True, help="CSV like tipdm_replies.csv (答复意见 + 留言主题/留言详情)")
        parser.add_argument("--out", required=True, help="output CSV, one row per reply")

    def handle(self, *args, data, out, **options):
        try:
            csvio.check_output(out)
            header, rows = csvio.read_rows(data)
            reply_col = csvio.pick_column(header, REPLY_COLUMNS)
            if reply_col is None:
                raise csvio.CSVError(f"{data}: 缺少列 答复意见 (或 reply); 现有列: {', '.join(header)}")
            title_col = csvio.pick_column(header, csvio.TITLE_COLUMNS)
            body_col = csvio.pick_column(header, csvio.BODY_COLUMNS) or csvio.pick_column(header, csvio.TEXT_COLUMNS)
            if not title_col and not body_col:
                raise csvio.CSVError(f"{data}: 需要留言主题或留言详情列, 才能判断答复是否切题; 现有列: {', '.join(header)}")
            csvio.require_data(data, rows, [r[reply_col] for r in rows])
            asked_col, replied_col = csvio.pick_column(header, ASKED_AT), csvio.pick_column(header, REPLIED_AT)
            ids = csvio.row_ids(header, rows)
            results = []
            for i, row in enumerate(rows, start=1):
                asked = csvio.parse_time(row[asked_col], data, i, asked_col) if asked_col and row[asked_col].strip() else None
                replied = (csvio.parse_time(row[replied_col], data, i, replied_col)
                           if replied_col and row[replied_col].strip() else None)
                results.append(score_reply(row.get(title_col, "") if title_col else "",
                                           row.get(body_col, "") if body_col else "", row[reply_col], asked, replied))
            csvio.write_rows(out, HEADER, (
                [rid, r["score"], r["relevance"], r["completeness"], r["interpretability"],
                 "" if r["timeliness"] is None else r["timeliness"], "是" if r["boilerplate"] else "否",
                 "；".join(r["reasons"])]
                for rid, r in zip(ids, results, strict=True)))
        except csvio.CSVError as exc:
            raise CommandError(str(exc)) from None
        boiler = sum(r["boilerplate"] for r in results)
        mean = sum(r["score"] for r in results) / len(results)
        self.stdout.write(f"{len(results)} replies scored, mean score {mean:.1f}, {boiler} boilerplate -> {out}")
