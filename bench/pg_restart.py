"""PostgreSQL restarted under load: requests fail for the restart's duration only, and the application
recovers without being restarted (Django's connection health checks). Usage:
    .venv/bin/python bench/pg_restart.py
Restarts the machine's PostgreSQL cluster: do not run it while other work uses the database.
"""

import subprocess
import threading
import time
from pathlib import Path

from common import Server, figure, login, setup_django


def restart_postgres() -> None:
    version = sorted(Path("/etc/postgresql").iterdir())[0].name
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True)


def main():
    setup_django()
    results, stop = [], threading.Event()
    with Server(workers=2) as server:
        session = login(server.url, "zhanyi-investigator")

        def hammer():
            while not stop.is_set():
                started = time.monotonic()
                try:
                    ok = session.get(f"{server.url}/reports/", timeout=10).status_code == 200
                except Exception:
                    ok = False
                results.append((started, ok))
                time.sleep(0.02)

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(5)
        restart_began = time.monotonic()
        restart_postgres()
        restart_ended = time.monotonic()
        time.sleep(10)
        stop.set()
        for thread in threads:
            thread.join()
    failures = [t for t, ok in results if not ok]
    after = [ok for t, ok in results if t > restart_ended + 2]
    figure("pg restart took", round(restart_ended - restart_began, 2), "s")
    figure("requests during run", len(results))
    figure("failed requests", len(failures))
    figure("failure window", round((max(failures) - min(failures)) if failures else 0, 2), "s")
    figure(
        "failures outside the restart (+2 s)", sum(1 for t in failures if t < restart_began or t > restart_ended + 2)
    )
    figure("recovered without restart", "yes" if after and all(after) else "no")


if __name__ == "__main__":
    main()
