"""The re-index migrations board 0036 and 0038 on generated messages: wall time, CPU time and the peak memory
of the process that runs each, for the code of this checkout and, to compare, of another (``--code``, e.g. a
worktree of the commit before the migrations re-indexed in batches).

    git worktree add --detach /tmp/minsheng-before 704168d4
    .venv/bin/python bench/reindex.py --db sqlite [--messages 20000] [--code /tmp/minsheng-before]
    .venv/bin/python bench/reindex.py --db postgres [--pg postgres://postgres@127.0.0.1:5432/minsheng_bench_reindex]

Data: its own database (SQLite under ``--var``, default /tmp/var-bench-reindex; PostgreSQL ``--pg``), never the
project's var/. On an empty one it migrates and adds ``--messages`` messages in bulk, their text put together from
the phrases below: about a third introduce a name (我叫, 邻居, 我爸爸 …) beside a place's last character, some a flat
after 的 and a dashed date, the rest neither; each stored with the index an older rule gave (the text unmasked), kept
aside in a table of its own (``bench_stale``) and put back before each run, so that every run re-indexes the same rows
from the same text.

Each run is a process of its own (``--run``) with the code under ``--code`` first on its path: it reads the
historical models at the migration, indexes one message (jieba's dictionary loaded: not the migration's cost), then
runs the migration's function as ``migrate`` does (in one transaction where the migration is atomic). It prints the
seconds, the CPU seconds, the process's resident memory before and its peak during the run (``VmHWM``, reset first), the rows whose text
it changed and a digest of every row's text after it (the same for two codes: the same rows to the same text), and for this checkout a second run over the rows just re-indexed (nothing to write).
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import json
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS = {
    "0036": "0036_search_text_without_own_names_ending_as_places",
    "0038": "0038_search_text_without_names_ending_as_villages_and_flats_after_de",
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "建晓春一大明华国志文秀英丽红军平海东"
PLACES = ["张掖路", "南关什字", "雁滩乡", "盐场堡", "小西湖", "西站", "安宁区", "七里河区", "城关区", "五泉镇",
          "阳光家园", "金城花园", "兰州新区", "东岗镇", "柳家村"]
PROBLEMS = [
    "楼下烧烤店每天晚上营业到凌晨两点, 油烟和噪音严重影响休息。",
    "小区门口的路灯已经坏了一个多月, 晚上出行很不安全。",
    "自来水最近经常发黄, 烧开后有明显的沉淀物。",
    "公交车站台的遮雨棚破损, 下雨天等车的人只能淋雨。",
    "物业费每年上涨, 但电梯多次困人, 维修不及时。",
    "道路施工围挡占用人行道, 老人和孩子只能走机动车道。",
    "垃圾清运不及时, 夏天气味很大, 招来很多苍蝇。",
    "暖气不热, 室温只有十四度, 多次联系热力公司没有结果。",
]
ASKS = ["希望有关部门尽快处理。", "请相关单位核实并答复。", "恳请领导重视, 谢谢!", "盼回复。"]


def log(text: str) -> None:
    print(text, flush=True)


def text(rng: random.Random, i: int) -> tuple[str, str]:
    """A message's title and body: a third introduce a name beside a place's last character (路, 村, 乡, 园 …), one in
    ten a flat after 的 and a dashed date, the rest neither."""
    place = rng.choice(PLACES)
    problem = rng.choice(PROBLEMS)
    name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice("路村乡巷园明华")
    roll = rng.random()
    if roll < 0.12:
        lead = f"我叫{name}, 住在{place}。"
    elif roll < 0.24:
        lead = f"我{rng.choice(['爸爸', '母亲', '儿子', '邻居'])}{name}住在{place}附近。"
    elif roll < 0.34:
        lead = f"联系人：{name}, 地址{place}。"
    elif roll < 0.44:
        lead = f"我住{place}{rng.randint(1, 30)}栋的{rng.randint(1, 6)}楼, {rng.randint(1, 28)}-12-2026发现问题。"
    else:
        lead = f"{place}{rng.randint(1, 99)}号附近。"
    body = lead + " ".join(rng.sample(PROBLEMS, rng.randint(1, 3))) + rng.choice(ASKS)
    return f"{place}{problem[:8]}"[:50], body


def build(messages: int) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    from minsheng.accounts.models import User
    from minsheng.board.models import Message
    from minsheng.directory.models import Region, Topic
    from minsheng.insight.text import search_terms

    call_command("migrate", verbosity=0)
    with connection.cursor() as cur:
        cur.execute("CREATE TABLE IF NOT EXISTS bench_stale (id integer PRIMARY KEY, search_text text NOT NULL)")
    have = Message.objects.count()
    if have >= messages:
        return
    started = time.monotonic()
    region, _ = Region.objects.get_or_create(code="620100", defaults={"name": "兰州市", "level": 2})
    topic, _ = Topic.objects.get_or_create(code="urban", defaults={"name": "城乡建设", "sort": 1})
    authors = [User.objects.get_or_create(username=f"1390000{k:04d}", defaults={"display_name": display})[0]
               for k, display in enumerate(["王建国", "李秀英", "小张", "市民", "张海东"])]
    rng, now = random.Random(2026), timezone.now()
    for start in range(have, messages, 2000):
        rows = []
        for i in range(start, min(start + 2000, messages)):
            title, body = text(rng, i)
            rows.append(Message(public_id=f"20261206{i:06d}", title=title, body=body, kind="complain", region=region,
                                topic=topic, author=authors[i % len(authors)], show_name=i % 7 == 0,
                                submitted_at=now, search_text=" " + " ".join(search_terms(f"{title} {body}")) + " "))
        with transaction.atomic():
            Message.objects.bulk_create(rows, batch_size=500)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("DELETE FROM bench_stale")
        cur.execute("INSERT INTO bench_stale (id, search_text) SELECT id, search_text FROM board_message")
    log(f"{messages - have} messages added: {time.monotonic() - started:.0f} s")


def restore() -> None:
    """Each message's older index put back (the one ``build`` stored)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("UPDATE board_message SET search_text = (SELECT s.search_text FROM bench_stale s "
                    "WHERE s.id = board_message.id) WHERE search_text <> (SELECT s.search_text FROM bench_stale s "
                    "WHERE s.id = board_message.id)")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE board_message")


def rss_mb(field: str = "VmRSS") -> float:
    """The process's resident memory now (``VmRSS``) or at its peak since ``reset_peak`` (``VmHWM``), MB."""
    with open("/proc/self/status") as status:
        kb = next(line.split()[1] for line in status if line.startswith(f"{field}:"))
    return int(kb) / 1024


def reset_peak() -> None:
    """The peak resident memory (``VmHWM``) set back to the memory now (Linux: ``/proc/<pid>/clear_refs``), so that
    the peak read after a run is the run's, not that of reading the migrations before it."""
    gc.collect()
    with open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def run(migration: str) -> dict:
    """One run of ``migration``'s function, as ``migrate`` runs it (this process: ``--run``)."""
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    from minsheng.board import search

    name = MIGRATIONS[migration]
    apps = MigrationLoader(connection).project_state(("board", name), at_end=False).apps
    module = importlib.import_module(f"minsheng.board.migrations.{name}")
    search.terms_for("热身", "我叫王一路, 住在张掖路。")  # jieba's dictionary loaded
    reset_peak()
    rss = rss_mb()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    with connection.schema_editor(atomic=module.Migration.atomic) as editor:
        module.reindex(apps, editor)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    return {"seconds": seconds, "cpu": (after.ru_utime + after.ru_stime) - (usage.ru_utime + usage.ru_stime),
            "rss_mb": rss, "peak_mb": rss_mb("VmHWM"), "atomic": module.Migration.atomic}


def measured(code: Path, migration: str, options: list[str]) -> dict:
    """A run in a process of its own, and the rows whose text it changed (read here, not in its process)."""
    from minsheng.board.models import Message

    before = dict(Message.objects.values_list("pk", "search_text"))
    out = subprocess.run([sys.executable, __file__, *options, "--run", migration],
                         env={**os.environ, "PYTHONPATH": str(code)},
                         capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    after = dict(Message.objects.values_list("pk", "search_text"))
    result["changed"] = sum(before[pk] != t for pk, t in after.items())
    result["digest"] = hashlib.sha256(json.dumps(sorted(after.items()), ensure_ascii=False).encode()).hexdigest()[:12]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/minsheng_bench_reindex")
    parser.add_argument("--var", default="/tmp/var-bench-reindex", help="data folder (SQLite database)")
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--code", type=Path, help="another checkout whose migrations to run too, to compare")
    parser.add_argument("--run", choices=sorted(MIGRATIONS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    var = Path(args.var).resolve()
    if var == (ROOT / "var").resolve():
        parser.error("--var must not be the project's var/")
    var.mkdir(parents=True, exist_ok=True)
    os.environ["MINSHENG_VAR_DIR"] = str(var)
    if args.db == "postgres":
        os.environ["DATABASE_URL"] = args.pg
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    if args.run:  # a run's own process: the code on PYTHONPATH first
        sys.path.insert(0, os.environ["PYTHONPATH"])
        import django

        django.setup()
        log(json.dumps(run(args.run)))
        return
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from minsheng.board.models import Message

    build(args.messages)
    log(f"{args.db}: {Message.objects.count()} messages")
    options = ["--db", args.db, "--pg", args.pg, "--var", str(var)]
    codes = [("this checkout", ROOT)] + ([("--code " + str(args.code), args.code.resolve())] if args.code else [])
    log("| migration | code | atomic | rows changed | texts after (sha256) | s | CPU s | RSS before MB | peak RSS MB |\n"
        "|---|---|---|---:|---|---:|---:|---:|---:|")
    for migration in MIGRATIONS:
        for label, code in codes:
            restore()
            r = measured(code, migration, options)
            log(f"| {migration} | {label} | {r['atomic']} | {r['changed']} | {r['digest']} | {r['seconds']:.1f} | "
                f"{r['cpu']:.1f} | {r['rss_mb']:.0f} | {r['peak_mb']:.0f} |")
            if code == ROOT:  # run again over the rows it just wrote
                r = measured(code, migration, options)
                log(f"| {migration} | {label}, again | {r['atomic']} | {r['changed']} | {r['digest']} | "
                    f"{r['seconds']:.1f} | {r['cpu']:.1f} | {r['rss_mb']:.0f} | {r['peak_mb']:.0f} |")
        restore()


if __name__ == "__main__":
    main()
