#!/usr/bin/env python
"""The cost of one audit append (audit_record runs inside every transition), on the database of DATABASE_URL.

    DATABASE_URL=postgres://... .venv/bin/python bench/audit_append.py [--appends 2000] [--rounds 3]

Each append is its own committed transaction, as in a transition. The database must be migrated; the events
stay (the trail is append-only), so use a bench database. Prints the best round.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction

    from audit.services import audit_record

    rounds = []
    for _ in range(args.rounds):
        start = time.perf_counter()
        for number in range(args.appends):
            with transaction.atomic():
                audit_record(actor=None, action="bench.append", target=None, target_label="bench", number=number)
        rounds.append(time.perf_counter() - start)
    best = min(rounds)
    print(f"database: {connection.vendor}")
    print(f"appends per round: {args.appends}")
    print(f"best round: {best:.2f} s ({best / args.appends * 1e6:.0f} µs per append, {args.appends / best:.0f}/s)")
    print("rounds: " + ", ".join(f"{seconds:.2f} s" for seconds in rounds))


if __name__ == "__main__":
    main()
