#!/usr/bin/env python
"""What a request costs before and beside its view, in this process (no HTTP, one request at a time, best of three
runs): the round trips of the trivial authenticated view (bench/urls.py) one by one, the whole request through
Django's test client and what taking each middleware out saves; and the plan of the report list's oldest-first
page since a received date, with and without walking the ids (core/keyset.paginate, `walk`). The figures behind
bench/results/README.md, "2026-12-01".

    DJANGO_SETTINGS_MODULE=bench.settings .venv/bin/python bench/request_parts.py [--loads 2000]
"""

import datetime
import re
import timeit

from common import figure, loads_from_command_line, user_with_reach


def best_ms(call, loads: int) -> float:
    call()
    return min(timeit.repeat(call, number=loads, repeat=3)) / loads * 1000


def round_trips(loads: int, username: str) -> None:
    from django.conf import settings
    from django.contrib.sessions.backends.base import SessionBase
    from django.db import connection
    from django.utils.module_loading import import_string

    from accounts.backends import ReachModelBackend, _user_row
    from accounts.models import Commission

    user = user_with_reach(username)
    store: SessionBase = import_string(f"{settings.SESSION_ENGINE}.SessionStore")()
    store["bench"] = 1
    store.save()
    figure(
        "trivial request part, the user's row (accounts/backends._user_row)",
        f"{best_ms(lambda: _user_row(user.pk), loads):.3f}",
        "ms",
    )
    backend = ReachModelBackend()
    figure(
        "trivial request part, the user with their reach (get_user)",
        f"{best_ms(lambda: backend.get_user(user.pk), loads):.3f}",
        "ms",
    )
    engine = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    figure(
        f"trivial request part, the session ({settings.SESSION_ENGINE})",
        f"{best_ms(lambda: engine(store.session_key).load(), loads):.3f}",
        "ms",
    )
    first = Commission.objects.values_list("pk", flat=True)
    figure("trivial request part, the view's own query", f"{best_ms(lambda: first.all().first(), loads):.3f}", "ms")
    figure(
        "trivial request part, the connection health check (is_usable)",
        f"{best_ms(connection.is_usable, loads):.3f}",
        "ms",
    )
    store.delete()


def middleware(loads: int, username: str) -> None:
    from django.conf import settings
    from django.test import Client, override_settings

    from accounts.models import User

    user = User.objects.get(username=username)

    def request_ms(stack) -> float:
        with override_settings(MIDDLEWARE=stack):
            client = Client(HTTP_HOST="127.0.0.1")
            client.force_login(user)
            assert client.get("/bench/trivial/").status_code == 200
            return best_ms(lambda: client.get("/bench/trivial/"), loads // 4)

    needed = ("SessionMiddleware", "AuthenticationMiddleware", "OTPMiddleware")
    stacks = {"every middleware": list(settings.MIDDLEWARE)}
    for name in settings.MIDDLEWARE:
        if not name.endswith(needed):
            stacks[name.rsplit(".", 1)[1]] = [m for m in settings.MIDDLEWARE if m != name]
    # Three rounds, each stack once a round, the best of each kept: one run of a stack differed from the next by
    # more than any one middleware costs.
    best = {label: request_ms(stack) for label, stack in stacks.items()}
    for _ in range(2):
        for label, stack in stacks.items():
            best[label] = min(best[label], request_ms(stack))
    whole = best.pop("every middleware")
    figure("trivial request through the test client, every middleware", f"{whole:.3f}", "ms")
    for label, without in best.items():
        figure(f"trivial request without {label}: saves", f"{whole - without:.3f}", "ms")


def oldest_first_plan(username: str) -> None:
    from django.db import connection
    from django.http import QueryDict
    from django.test.utils import CaptureQueriesContext

    from cases import selectors
    from core.keyset import paginate

    user = user_with_reach(username)
    since = datetime.date.today() - datetime.timedelta(days=90)
    _form, queryset = selectors.reports_filtered(user, QueryDict(f"received_from={since}&sort=id"))
    for walk in (True, False):
        with CaptureQueriesContext(connection) as captured:
            paginate(queryset, keys=["id"], kinds=[int], cursor=None, size=25, walk=walk)
        sql = next(q["sql"] for q in captured.captured_queries if q["sql"].startswith('SELECT "cases_report"'))
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE) " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        index = re.search(r"(?:Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)", plan)
        removed = sum(int(n) for n in re.findall(r"Rows Removed by Filter: (\d+)", plan))
        took = re.search(r"Execution Time: ([\d.]+) ms", plan).group(1)
        label = "walking the ids" if walk else "through the window (walk=False)"
        figure(
            f"report list, received within 90 days, oldest first, {label}",
            f"{took} ms, index {index.group(1) if index else '-'}, rows removed by filter {removed:,}",
        )


def main() -> None:
    loads = loads_from_command_line(2000)
    from targets import find

    t = find()
    round_trips(loads, "yunnan-supervisor")
    middleware(loads, "yunnan-supervisor")
    oldest_first_plan(t.city_supervisor)


if __name__ == "__main__":
    main()
