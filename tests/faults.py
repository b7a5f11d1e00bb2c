"""Real services started and stopped by the fault tests: a Redis of their own, a Celery worker."""

import os
import signal
import socket
import subprocess
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import connection


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A throwaway redis-server on its own port, so stopping it does not disturb the suite's Redis."""

    def __init__(self):
        self.port = free_port()
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


def database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@contextmanager
def celery_on(broker_url: str):
    """Point this process's Celery app at a real broker (the suite otherwise runs tasks eagerly)."""
    from config.celery import app

    keys = ("task_always_eager", "broker_url", "result_backend", "result_backend_transport_options")
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(task_always_eager=False, broker_url=broker_url, result_backend=broker_url)
    _reset_pools(app)
    try:
        yield app
    finally:
        app.conf.update(**saved)
        _reset_pools(app)


def _reset_pools(app) -> None:
    """Forget connections to the previous broker so the next publish connects to the new one."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None
    # kombu keeps producer pools per connection in a global group: drop them too, or the next publish (an eager one
    # included: it takes a producer for the serializer) finds the pool closed above ("Acquire on closed pool").
    from kombu import pools

    pools.reset()
    app.backend  # noqa: B018  (touch, then drop the cached result backend)
    app._local.__dict__.pop("backend", None)


def start_worker(broker_url: str, *extra_env_pairs, queues: str = "celery,exports,batch") -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "REDIS_URL": broker_url,
        "CELERY_BROKER_URL": broker_url,
        "CELERY_RESULT_BACKEND": broker_url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DB_CONN_MAX_AGE": "0",
        **dict(extra_env_pairs),
    }
    return subprocess.Popen(
        [
            str(settings.BASE_DIR / ".venv/bin/celery"),
            "-A",
            "config",
            "worker",
            "-P",
            "solo",
            "-Q",
            queues,
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "WARNING",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def stop_worker(worker: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if worker is None or worker.poll() is not None:
        return
    os.killpg(worker.pid, sig)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)


def wait_for(condition, timeout: float = 60, step: float = 0.25) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False
