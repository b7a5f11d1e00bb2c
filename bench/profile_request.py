#!/usr/bin/env python
"""Where a request's time goes: cProfile around Django's WSGI handler (the full middleware stack, a real login),
for the trivial authenticated view and the report list. Prints the top functions by cumulative and own time.

    .venv/bin/python bench/profile_request.py [--requests 300] [--path /bench/trivial/] [--user yunnan-supervisor]
"""

import argparse
import cProfile
import io
import pstats
import re
import time

from common import PASSWORD, setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--path", action="append")
    parser.add_argument("--user", default="yunnan-supervisor")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    setup_django()
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    page = client.get("/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    response = client.post("/login/", {"username": args.user, "password": PASSWORD, "csrfmiddlewaretoken": token})
    assert response.status_code == 302, response.status_code
    for path in args.path or ["/bench/trivial/", "/reports/"]:
        for _ in range(20):
            assert client.get(path).status_code == 200
        profile = cProfile.Profile()
        start = time.perf_counter()
        profile.enable()
        for _ in range(args.requests):
            client.get(path)
        profile.disable()
        took = (time.perf_counter() - start) / args.requests * 1000
        print(f"== {path}: {took:.2f} ms per request (under cProfile) ==")
        for order in ("cumulative", "tottime"):
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats(order).print_stats(args.top)
            print(out.getvalue())


if __name__ == "__main__":
    main()
