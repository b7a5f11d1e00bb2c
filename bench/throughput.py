#!/usr/bin/env python
"""Requests per second of the report list, of a trivial view (bench/urls.py: same middleware, login, one query)
and of a bare Django view (bench/bare_settings.py: no middleware, no database, served by a second gunicorn),
with wrk at the same concurrency in the same run, each against gunicorn -w 2. The ratios to the bare view say
what the product costs over Django itself and move less with the machine's load than requests per second.

    .venv/bin/python bench/throughput.py [--seconds 15] [--connections 8]
"""

import argparse
import os
import re
import shutil
import subprocess

from common import Server, base_url, figure, login, setup_django


def wrk(url: str, cookie: str, seconds: int, connections: int) -> float:
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", *headers, url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{url}: {errors.group(1)} failed responses")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def run(url: str, bare_url: str, seconds: int, connections: int) -> None:
    session = login(url, "yunnan-supervisor")
    cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items())
    session.get(f"{url}/reports/")
    # One after the other in the same run, with the same wrk settings: the ratios compare like with like.
    bare = wrk(f"{bare_url}/bench/bare/", "", seconds, connections)
    trivial = wrk(f"{url}/bench/trivial/", cookie, seconds, connections)
    listing = wrk(f"{url}/reports/", cookie, seconds, connections)
    figure(f"bare Django view throughput ({connections} connections)", f"{bare:.1f}", "req/s")
    figure(f"trivial view throughput ({connections} connections)", f"{trivial:.1f}", "req/s")
    figure(f"report list throughput ({connections} connections)", f"{listing:.1f}", "req/s")
    figure("throughput ratio trivial view / bare Django (target >= 0.25)", f"{trivial / bare:.3f}")
    figure("throughput ratio report list / bare Django (target >= 0.05)", f"{listing / bare:.3f}")
    figure("throughput ratio report list / trivial view", f"{listing / trivial:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    setup_django()
    with Server(bare=True) as bare:
        if os.environ.get("BENCH_URL"):
            run(base_url(), bare.url, args.seconds, args.connections)
        else:
            with Server() as server:
                run(server.url, bare.url, args.seconds, args.connections)


if __name__ == "__main__":
    main()
