"""50 concurrent users on a mix of pages and writes for 5 minutes, against gunicorn on PostgreSQL.

Prints requests served, errors (must be 0) and p95. Usage:
    .venv/bin/python bench/load_mix.py [--users 50] [--seconds 300]
Uses the benchmark database (DATABASE_URL, default dic_bench); loads the demo data there when it is empty.
"""

import argparse
import random
import re
import statistics
import subprocess
import threading
import time
import uuid

from common import ROOT, SERVER_ENV, Server, figure, login, setup_django

# Every reader reaches the Zhanyi reports the mix opens (a 404 would count as an error).
READERS = ["zhanyi-investigator", "zhanyi-supervisor", "qujing-supervisor", "zhanyi-reviewer", "zhanyi-intake"]
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def ensure_data() -> list[int]:
    setup_django()
    from cases.models import Report

    if not Report.objects.filter(commission__division_code="530303").exists():
        env = {**SERVER_ENV}
        subprocess.run(
            [str(ROOT / ".venv/bin/python"), "manage.py", "migrate", "-v0"],
            cwd=ROOT,
            check=True,
            env={**__import__("os").environ, **env},
        )
        subprocess.run(
            [str(ROOT / ".venv/bin/python"), "manage.py", "seed_demo", "--i-know-this-is-not-production"],
            cwd=ROOT,
            check=True,
            env={**__import__("os").environ, **env},
        )
    return list(
        Report.objects.filter(commission__division_code="530303").order_by("-id").values_list("pk", flat=True)[:200]
    )


def register_form(session, url: str) -> int:
    page = session.get(f"{url}/reports/new/")
    token = CSRF.search(page.text).group(1)
    commission = re.search(r'<option value="(\d+)" selected>', page.text) or re.search(
        r'name="commission"[^>]*>\s*<option value="(\d+)"', page.text
    )
    data = {
        "csrfmiddlewaretoken": token,
        "commission": commission.group(1),
        "received_on": time.strftime("%Y-%m-%d"),
        "channel": "letter",
        "area": "procurement",
        "summary": "压力测试：反映应急物资采购中串通投标问题",
        "is_anonymous": "on",
        "submission_token": str(uuid.uuid4()),
        "allegations-TOTAL_FORMS": "1",
        "allegations-INITIAL_FORMS": "0",
        "allegations-MIN_NUM_FORMS": "1",
        "allegations-MAX_NUM_FORMS": "30",
        "allegations-0-kind": "person",
        "allegations-0-name": "压测对象",
        "allegations-0-unit": "沾益区应急管理局",
        "allegations-0-category": "integrity",
        "allegations-0-text": "串通投标",
    }
    return session.post(f"{url}/reports/new/", data=data, headers={"Referer": f"{url}/reports/new/"}).status_code


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=300)
    args = parser.parse_args()
    report_ids = ensure_data()
    times, errors, lock = [], [], threading.Lock()
    with Server(workers=4) as server:
        url = server.url
        sessions = {name: login(url, name) for name in READERS}
        deadline = time.monotonic() + args.seconds

        def user(index: int):
            rng = random.Random(index)
            name = READERS[index % len(READERS)]
            session = login(url, name)
            while time.monotonic() < deadline:
                roll = rng.random()
                start = time.perf_counter()
                try:
                    if roll < 0.05 and name == "zhanyi-intake":
                        status = register_form(session, url)
                    else:
                        path = rng.choice(
                            [
                                "/reports/",
                                "/api/my-work/",
                                f"/reports/{rng.choice(report_ids)}/",
                                "/reports/?q=采购",
                                "/api/reports/",
                                "/",
                            ]
                        )
                        status = session.get(f"{url}{path}").status_code
                    ok = status < 400
                except Exception as error:  # a refused connection counts as an error
                    ok, status = False, repr(error)[:80]
                elapsed = (time.perf_counter() - start) * 1000
                with lock:
                    times.append(elapsed)
                    if not ok:
                        errors.append(status)

        threads = [threading.Thread(target=user, args=(i,)) for i in range(args.users)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        del sessions
    times.sort()
    figure("load users", args.users)
    figure("load duration", args.seconds, "s")
    figure("load requests served", len(times))
    figure("load errors", len(errors))
    figure("load p50", round(statistics.median(times), 1), "ms")
    figure("load p95", round(times[int(len(times) * 0.95) - 1], 1), "ms")
    if errors:
        figure("load first errors", errors[:5])


if __name__ == "__main__":
    main()
