"""The live province dashboard (current month) timed in-process: p50, p95 and the SQL statements of the view.

Calls stats.views.dashboard with a RequestFactory request for the province supervisor, without gunicorn, the
session or the login middleware, so it measures the counting and the rendering alone, and it runs where the
served pages cannot (a bench database without the object-grant tables the user loader reads).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/dic_bench ../.venv/bin/python dashboard_view.py --requests 50
"""

import argparse
import statistics
import time

from common import figure, setup_django


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=50)
    args = parser.parse_args()
    setup_django()
    from django.contrib.messages.storage.fallback import FallbackStorage
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import Commission, CommissionLevel, User
    from stats import views

    province = Commission.objects.get(level=CommissionLevel.PROVINCIAL)
    user = User.objects.get(username="yunnan-supervisor")
    month = timezone.localdate().strftime("%Y-%m")

    def call():
        request = RequestFactory().get(f"/stats/{province.pk}/", {"month": month})
        request.user, request.session = user, {}
        request._messages = FallbackStorage(request)
        response = views.dashboard(request, province.pk)
        assert response.status_code == 200, response.status_code

    for _ in range(3):
        call()
    with CaptureQueriesContext(connection) as captured:
        call()
    times = []
    for _ in range(args.requests):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    label = "statistics dashboard view, province, current month (live, in-process)"
    figure(f"{label} statements", len(captured))
    figure(f"{label} p50", f"{statistics.median(times):.1f}", "ms")
    figure(f"{label} p95", f"{times[int(len(times) * 0.95) - 1]:.1f}", "ms")


if __name__ == "__main__":
    main()
