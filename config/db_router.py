"""Send statistics and export reads to a read replica (the `replica` database alias) when one is configured.

Enabled by the block at the end of config/settings.py when DATABASE_REPLICA_URL is set. Only reads of the kept
monthly snapshots and reads made inside `with replica_reads():` (the statistics dashboard and the export
runner are the places to wrap) go to the replica; every write, and every other read, stays on the primary,
so a user never reads their own write from a lagging replica. Migrations run on the primary only.
"""

import threading
from contextlib import contextmanager

from django.conf import settings

REPLICA = "replica"
_state = threading.local()
# Models read from the replica always: kept monthly figures, written once and never read back by their writer.
# (Export jobs are not here: the worker reads a job right after the web process wrote it.)
REPLICA_MODELS = frozenset({"stats.snapshot", "stats.snapshotitems"})


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


@contextmanager
def replica_reads():
    """Within this block, reads of any model go to the replica (for long statistics queries and exports)."""
    depth = getattr(_state, "depth", 0)
    _state.depth = depth + 1
    try:
        yield
    finally:
        _state.depth = depth


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        if not replica_configured():
            return None
        if getattr(_state, "depth", 0) or model._meta.label_lower in REPLICA_MODELS:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"
