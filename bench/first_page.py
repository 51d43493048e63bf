"""A process's first load of a page: the wait of the first user to open it after a deploy or a
recycled worker (nothing cached in the process yet), on bench/pages.py's database.

    .venv/bin/python bench/first_page.py --db postgres --pg postgres://postgres@127.0.0.1:5432/minsheng_perf \
        [--var /tmp/var-bench-pages] [--page "dispatch queue" ...] [--runs 3] [--warm-up done|running] [--profile out.prof]

Each measurement is a new Python process that loads the app as a serving worker does
(``minsheng.wsgi``: Django, the middleware, jieba's dictionary), logs the page's user in, then
times one request of each ``--page`` (a label of bench/pages.py ``pages()``; default the
dispatch queue), in the order given: the first is the process's first request. ``--warm-up done`` runs the start-up
warm-up (``minsheng.insight.warmup.warm``) to its end before the requests: the page as opened
once the worker's warm-up is done; ``--warm-up running`` starts it in its thread and makes the
requests at once (or ``--after`` seconds later): a page opened while the worker warms up. ``--profile`` writes a cProfile of the first request of the
first run. The database must have been built by bench/pages.py (``--var`` and ``--pg`` as there).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def child(labels: list[str], warm_up: str | None, profile: str | None, after: float) -> None:
    from django.test import Client

    import minsheng.wsgi  # noqa: F401 - what a gunicorn worker loads before serving
    from minsheng.accounts.models import User
    from minsheng.insight import warmup

    sys.path.insert(0, str(ROOT / "bench"))
    from pages import pages

    known = {label: (label, username, url) for label, username, url in pages()}
    missing = [label for label in labels if label not in known]
    if missing:
        sys.exit(f"no such page: {missing[0]!r}")
    chosen = [known[label] for label in labels]
    clients = {}
    for _, username, _ in chosen:
        if username not in clients:
            clients[username] = Client()
            if username:
                clients[username].force_login(User.objects.get(username=username))
    warmed = warmup.warm() if warm_up == "done" else None
    if warm_up == "running":
        if warmup.start() is None:  # as gunicorn_conf starts it in a worker
            sys.exit("the warm-up did not start (a broker is set: it does not run there)")
        time.sleep(after)
    out = []
    for n, (label, username, url) in enumerate(chosen):
        profiler = None
        if profile and n == 0:
            import cProfile

            profiler = cProfile.Profile()
            profiler.enable()
        started = time.perf_counter()
        response = clients[username].get(url)
        if response.streaming:
            b"".join(response.streaming_content)
        ms = (time.perf_counter() - started) * 1000
        if profiler:
            profiler.disable()
            profiler.dump_stats(profile)
        out.append({"label": label, "status": response.status_code, "ms": ms})
    print(json.dumps({"warm_up_s": warmed, "pages": out}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/minsheng_perf")
    parser.add_argument("--var", default="/tmp/var-bench-pages", help="data folder (SQLite database, models)")
    parser.add_argument("--page", action="append", help="a page's label in bench/pages.py (repeatable)")
    parser.add_argument("--runs", type=int, default=3, help="processes started, one measurement each")
    parser.add_argument("--warm-up", choices=["done", "running"],
                        help="the start-up warm-up done before the requests, or running while they are made")
    parser.add_argument("--after", type=float, default=0.0,
                        help="with --warm-up running: seconds between its start and the requests")
    parser.add_argument("--profile", help="cProfile file of the first request of the first run")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    var = Path(args.var).resolve()
    if var == (ROOT / "var").resolve():
        parser.error("--var must not be the project's var/")
    if not var.is_dir():
        parser.error(f"--var {var}: no such folder (build the data with bench/pages.py first)")
    os.environ["MINSHENG_VAR_DIR"] = str(var)
    # a warm-up thread only with --warm-up running (--warm-up done runs it in line)
    os.environ["MINSHENG_WARMUP"] = "1" if args.warm_up == "running" else "0"
    if args.db == "postgres":
        os.environ["DATABASE_URL"] = args.pg
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    if args.child:
        child(args.page, args.warm_up, args.profile, args.after)
        return
    args.page = args.page or ["dispatch queue"]
    # the code compiled to bytecode once, as a deployment's install leaves it (this machine may set
    # PYTHONDONTWRITEBYTECODE): a first process, not counted, writes it under --var
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(var / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    times: dict[str, list[float]] = {}
    for run in range(-1, args.runs):
        command = [sys.executable, __file__, "--child", "--db", args.db, "--pg", args.pg, "--var", str(var),
                   *[part for label in args.page for part in ("--page", label)],
                   *(["--warm-up", args.warm_up] if args.warm_up else []), "--after", str(args.after),
                   *(["--profile", args.profile] if args.profile and run == 0 else [])]
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        if done.returncode:
            sys.exit(f"run {run + 1} failed: {(done.stderr.strip().splitlines() or ['?'])[-1]}")
        if run < 0:
            continue
        result = json.loads(done.stdout.strip().splitlines()[-1])
        warm = f" (warm-up {result['warm_up_s']:.1f} s first)" if result["warm_up_s"] is not None else ""
        print(f"run {run + 1}{warm}: " + ", ".join(f"{p['label']} {p['ms']:.0f} ms" + (
            "" if p["status"] == 200 else f" ({p['status']})") for p in result["pages"]), flush=True)
        for p in result["pages"]:
            times.setdefault(p["label"], []).append(p["ms"])
    print(f"\n{args.db}, a new process each run" + (f", warm-up {args.warm_up}" if args.warm_up else "") + ":")
    print("| page | runs ms | median ms |\n|---|---|---:|")
    for label, ms in times.items():
        print(f"| {label} | {', '.join(f'{t:.0f}' for t in ms)} | {statistics.median(ms):.0f} |")


if __name__ == "__main__":
    main()
