"""minsheng find-duplicates --data F.csv --out pairs.csv [--min-similarity 0.5]"""

from django.core.management.base import BaseCommand, CommandError

from minsheng.insight import csvio
from minsheng.insight.similar import TextIndex, duplicate_pairs
from minsheng.progress import Progress

# messages: minutes at 100,000, most of it the reading of the texts; 4,326 (a reference file) take 10 s
PROGRESS_FROM = 1_000


class Command(BaseCommand):
    help = ("Near-duplicate messages (same problem, same place) in a CSV: 留言编号 pairs with their similarity. "
            "From 1,000 messages it counts the messages read, then those compared, on stderr; stdout gets one summary line.")

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, help="UTF-8 CSV with 留言主题 and/or 留言详情 (or title/body/留言/text); 留言编号 (or id) "
                                                            "names the rows, else their numbers ('-': standard input)")
        parser.add_argument("--out", required=True, help="output CSV (missing folders are created): 留言编号_a,留言编号_b,similarity,...")
        parser.add_argument("--min-similarity", type=float, default=0.5,
                            help="cosine similarity from which a pair is reported (default 0.5)")

    def handle(self, *args, data, out, min_similarity, **options):
        if not 0 < min_similarity <= 1:
            raise CommandError("--min-similarity 应在 0 与 1 之间")
        try:
            csvio.check_output(out, others=(data,))
            table, titles, bodies = csvio.read_messages(data)
            ids = csvio.unique_ids(table)
            del table  # every column of every row, read as text: not held while the pairs are sought
            with Progress(self.stderr, quiet=options.get("verbosity", 1) == 0) as progress:
                index = TextIndex.build(titles, bodies,
                                        progress=lambda done, total: self._progress(progress, done, total, "已读入"))
                pairs = duplicate_pairs(ids, titles, bodies, min_similarity, index=index,
                                        progress=lambda done, total: self._progress(progress, done, total, "已比较"))
            title_of = dict(zip(ids, titles, strict=True))
            n = csvio.write_rows(out, ["留言编号_a", "留言编号_b", "similarity", "留言主题_a", "留言主题_b"],
                                 ([a, b, f"{s:.4f}", title_of[a], title_of[b]] for a, b, s in pairs))
        except csvio.CSVError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{len(ids)} 条留言, {n} 对疑似重复 (相似度 ≥ {min_similarity}) → {out}")

    @staticmethod
    def _progress(progress, done, total, step):
        if total >= PROGRESS_FROM:
            progress(f"  {done}/{total} 条留言{step}", done, total)
