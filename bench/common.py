"""Shared by the bench scripts: environment, a gunicorn server, a logged-in session, timing."""

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/dic_bench"
SERVER_ENV = {
    "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DB),
    "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/8"),
    "DEBUG": "0",
    "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-secret-key-not-for-production-0123456789abcdef"),
    "AUDIT_CHAIN_KEY": os.environ.get("AUDIT_CHAIN_KEY", "bench-audit-chain-key-not-for-production-0123456789"),
    # DEBUG=0 refuses to start without explicit identity keys (core/checks.py); these are for the bench only.
    "IDENTITY_KEYS": os.environ.get("IDENTITY_KEYS", "YmVuY2gtaWRlbnRpdHkta2V5LW5vdC1mb3ItcHJvZHU="),
    "IDENTITY_HASH_KEY": os.environ.get("IDENTITY_HASH_KEY", "bench-identity-hash-key-not-for-production-0123"),
    "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
    "SECURE_SSL_REDIRECT": "0",
    "SECURE_COOKIES": "0",
    "TWO_FACTOR_ROLES": "",
    "LOGIN_FAILURE_LIMIT": "1000",
    "SESSION_IDLE_MINUTES": "600",
    "DJANGO_SETTINGS_MODULE": "bench.settings",
}
PASSWORD = os.environ.get("DEMO_PASSWORD", "Demo@2026")


def setup_django() -> None:
    for key, value in SERVER_ENV.items():
        os.environ.setdefault(key, value)
    import django

    django.setup()


def loads_from_command_line(default: int) -> int:
    """`--loads` of a script that times work in this process; Django is set up on return."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--loads", type=int, default=default)
    loads = parser.parse_args().loads
    setup_django()
    return loads


def user_with_reach(username: str):
    """The user as a request loads them: with their reach (accounts/backends.py)."""
    from accounts.backends import ReachModelBackend
    from accounts.models import User

    return ReachModelBackend().get_user(User.objects.get(username=username).pk)


def base_url() -> str:
    return os.environ.get("BENCH_URL", "http://127.0.0.1:8765")


def against_server(run, *args) -> None:
    """`run(url, *args)` against the server BENCH_URL names (`make bench` starts one for every script), or against
    one of our own for this run."""
    if os.environ.get("BENCH_URL"):
        run(base_url(), *args)
    else:
        with Server() as server:
            run(server.url, *args)


def measure_from_command_line(run, *, requests: int, only_help: str) -> None:
    """The command line of a script that times pages: `--requests` each, `--only` those whose label holds a text;
    then `run(url, requests, only)` against the server (against_server)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=requests)
    parser.add_argument("--only", default="", help=only_help)
    args = parser.parse_args()
    setup_django()
    against_server(run, args.requests, args.only)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`gunicorn config.wsgi -w 2` (with bench.settings for the trivial page), started and stopped by us.

    `bare=True` serves bench/bare_settings.py instead: Django with no middleware, database or apps;
    `database_url` another database than the bench's."""

    def __init__(self, port: int | None = None, workers: int = 2, bare: bool = False, database_url: str | None = None):
        self.port = port or free_port()
        self.workers = workers
        self.bare = bare
        self.database_url = database_url
        self.process = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self):
        env = {**os.environ, **SERVER_ENV}
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        if self.bare:
            env["DJANGO_SETTINGS_MODULE"] = "bench.bare_settings"
        else:
            subprocess.run(
                [str(ROOT / ".venv/bin/python"), "manage.py", "collectstatic", "--no-input", "-v0"],
                cwd=ROOT,
                env=env,
                check=True,
            )
        self.process = subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "bench.bare_wsgi" if self.bare else "config.wsgi",
                "-w",
                str(self.workers),
                "-b",
                f"127.0.0.1:{self.port}",
            ]
            + ["--access-logfile", "/dev/null", "--error-logfile", "-", "--log-level", "warning", "--timeout", "120"],
            cwd=ROOT,
            env=env,
        )
        import requests

        for _ in range(100):
            try:
                requests.get(f"{self.url}/healthz", timeout=10)
                return self
            except requests.RequestException:  # refused while starting, or slow to answer on a busy machine
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError("gunicorn did not start")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        return [int(p) for p in out.split()]

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def login(url: str, username: str):
    import requests

    session = requests.Session()
    page = session.get(f"{url}/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{url}/login/",
        data={"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token},
        headers={"Referer": f"{url}/login/"},
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise RuntimeError(f"login of {username} failed ({response.status_code})")
    return session


def timed(session, url: str, count: int, budget_seconds: float = 120) -> tuple[float, float, int, int]:
    """p50 and p95 in ms of up to `count` sequential requests (after 5 warm-up requests), the status code and the
    number of requests made: a page slower than budget_seconds / count gets fewer requests (at least 20)."""
    warm = []
    for _ in range(5):
        start = time.perf_counter()
        response = session.get(url)
        warm.append(time.perf_counter() - start)
    count = max(20, min(count, int(budget_seconds / max(statistics.median(warm), 1e-6))))
    times = []
    for _ in range(count):
        start = time.perf_counter()
        response = session.get(url)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], response.status_code, count


def figure(name: str, value, unit: str = "") -> None:
    """One figure per line: `name: value unit` (bench/run_all.py collects them into the table)."""
    print(f"{name}: {value}{(' ' + unit) if unit else ''}", flush=True)
