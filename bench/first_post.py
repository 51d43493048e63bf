"""The wait of the first message a citizen posts after the server starts, with and without the
start-up warm-up (minsheng.insight.warmup), against the demo as ``make demo`` serves it.

    MINSHENG_VAR_DIR=var .venv/bin/python bench/first_post.py [--port 8106] [--settle 10]

For each setting (MINSHENG_WARMUP=0, then 1) it starts ``minsheng serve --workers 1`` on the
demo database, waits until the home page answers, waits ``--settle`` seconds more (a citizen
typing), then posts three messages through the REST API as the demo citizen 13900000001 and
prints the seconds each took. ``--settle 0`` posts as soon as the server answers. The messages
stay in the database (a demo's, not a deployment's).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request

MESSAGES = [
    ("小区六层住宅希望加装电梯", "我们小区建于1995年, 六层住宅没有电梯, 老人上下楼非常困难, 希望尽快加装电梯。"),
    ("城关区某路段路灯不亮", "城关区临夏路附近路灯已经坏了两个星期, 晚上行人出行很不安全, 请尽快维修。"),
    ("小区门口垃圾无人清运", "小区门口的垃圾堆了好几天没有人清运, 气味很大, 希望环卫部门尽快处理。"),
]


def token() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    import django

    django.setup()
    from minsheng.accounts.models import User
    from minsheng.api.models import ApiToken

    user = User.objects.get(username="13900000001")
    return ApiToken.issue(user, "bench/first_post.py")[1]


def post(base: str, key: str, title: str, body: str) -> float:
    data = json.dumps({"title": title, "body": body, "kind": "help", "region": "620103"}).encode()
    request = urllib.request.Request(f"{base}/api/v1/messages/", data=data, method="POST", headers={
        "Authorization": f"Token {key}", "Content-Type": "application/json"})
    began = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
        assert response.status == 201, response.status
    return time.perf_counter() - began


def run(port: int, settle: float, warm: bool, key: str) -> list[float]:
    env = {**os.environ, "MINSHENG_WARMUP": "1" if warm else "0", "DEBUG": "0"}
    server = subprocess.Popen([sys.executable, "-m", "minsheng.cli", "serve", "--port", str(port), "--workers", "1",
                               "--no-collectstatic"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                with urllib.request.urlopen(base + "/", timeout=5):
                    break
            except OSError:
                time.sleep(0.25)
        time.sleep(settle)
        return [post(base, key, title, body) for title, body in MESSAGES]
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8106)
    parser.add_argument("--settle", type=float, default=10.0, help="seconds between start-up and the first post")
    args = parser.parse_args()
    key = token()
    for warm in (False, True):
        times = run(args.port, args.settle, warm, key)
        print(f"MINSHENG_WARMUP={int(warm)} settle {args.settle:g} s: "
              + ", ".join(f"post {i} {t:.2f} s" for i, t in enumerate(times, 1)))


if __name__ == "__main__":
    main()
