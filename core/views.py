from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache

from accounts import jurisdiction
from cases.deadlines import nearing_limit

# The home page shows the first rows of each kind of work; "show all" opens one kind with all it found.
HOME_ROWS = 10


@login_required
def home(request):
    """The work list with its counts per kind: what the workflows ask of me now (`?work=<key>`: one kind)."""
    from cases.my_work import sections_for

    only = request.GET.get("work") or None
    sections = sections_for(request.user, only=only) if only else sections_for(request.user, shown=HOME_ROWS)
    return render(
        request,
        "core/home.html",
        {"sections": sections, "only": only, "today": timezone.localdate(), "nearing": nearing_limit()},
    )


@login_required
def profile(request):
    """My commissions and roles, my password, second factor and API tokens."""
    memberships = jurisdiction.memberships_of(request.user)
    return render(request, "core/profile.html", {"memberships": memberships})


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except Exception:
        return False


def _broker_ok() -> bool:
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        return False


@never_cache
def healthz(request):
    checks = {"database": _database_ok()}
    if settings.CELERY_BROKER_URL and not settings.CELERY_TASK_ALWAYS_EAGER:
        checks["broker"] = _broker_ok()
    healthy = all(checks.values())
    body = {
        "status": "ok" if healthy else "fail",
        "checks": {k: "ok" if v else "fail" for k, v in checks.items()},
    }
    return JsonResponse(body, status=200 if healthy else 503)
