"""The demo world: `seed_demo` plus the few objects the route tests name, built once per test run.

Building it takes over a minute, so it is not built in a worker's test database (where every other test expects an
empty one) but in a database of its own, the run's template (`test_<db>_demo`). The first test of the run that asks
for the world builds it, under a PostgreSQL advisory lock: in an empty copy of its worker's test database taken
before any test ran, renamed to the template when seeded and marked with the run's id (the database's comment, which
also names the World's objects). A worker that finds the template marked by this run only reads the World from it:
with `-n 2` the world is built once, while the other worker goes on with its own tests. Each module that reads the
world then gets a fresh copy of the template (CREATE DATABASE ... TEMPLATE: a file copy, about a second, taken under
the same lock, since PostgreSQL copies a database only while nobody is connected to it) as its default database for as
long as it runs. A module's writes (a browser test's logins, the flush that ends a transactional test) stay in its
copy; the tests that run after see the database they expect. The copies are dropped when the worker's session ends,
the template when the run ends (by xdist's controller, or by the single process).

(Keeping the world's tests on one worker with xdist_group and --dist loadgroup does not work with pytest 9 and
xdist 3.8: the group is added to the test's id through an attribute pytest 9 no longer reads, and every test is
scheduled on its own.)
"""

import json
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.apps import apps
from django.core.management import call_command
from django.db import connection, connections

QUJING_PATH = "/530000/530300/"
INSIDER = "qujing-supervisor"  # reads Qujing and its counties


@dataclass
class World:
    objects: dict = field(default_factory=dict)

    def __getitem__(self, key):
        return self.objects[key]


def build_world() -> World:
    from accountability.models import AccountabilityCase, Complaint, Decision, Target
    from accounts.models import User
    from accounts.tokens import api_token_issue
    from cases.models import Attachment, IdentityAccess, Report
    from cases.services import Upload, attachment_add
    from clarification.models import FalseAccusationCase, JointBatch, Recommendation
    from stats.services import export_job_start

    call_command("seed_demo", "--i-know-this-is-not-production")
    report = Report.objects.filter(commission__path__startswith=QUJING_PATH).exclude(status="closed").first()
    intake = User.objects.get(username=f"{report.commission.memberships.filter(role='intake').first().user.username}")
    attachment_add(actor=intake, report=report, upload=Upload(name="材料.pdf", data=b"%PDF-1.4 route test"))
    in_qujing = {"commission__path__startswith": QUJING_PATH}
    w = World()
    w.objects = {
        "report": report,
        "subject": report.allegations.first().subject,
        "allegation": report.allegations.first(),
        "attachment": Attachment.objects.filter(report=report).first(),
        "identity_request": IdentityAccess.objects.filter(report__commission__path__startswith=QUJING_PATH).first(),
        "commission": report.commission,
        "recommendation": Recommendation.objects.filter(**in_qujing).first(),
        "batch": JointBatch.objects.filter(city__path__startswith=QUJING_PATH).first(),
        "false_case": FalseAccusationCase.objects.filter(**in_qujing).first(),
        "accountability_case": AccountabilityCase.objects.filter(**in_qujing).first(),
        "target": Target.objects.filter(case__commission__path__startswith=QUJING_PATH).first(),
        "decision": Decision.objects.filter(case__commission__path__startswith=QUJING_PATH).first(),
        "complaint": Complaint.objects.filter(case__commission__path__startswith=QUJING_PATH).first(),
        "export_job": export_job_start(actor=User.objects.get(username=INSIDER), kind="reports", fmt="csv", params={}),
        "api_token": api_token_issue(
            user=User.objects.get(username=INSIDER), name="routes", two_factor=False, actor=None, via="test"
        )[0],
        "notification": _notification_of(User.objects.get(username=INSIDER), report),
    }
    missing = [key for key, value in w.objects.items() if value is None]
    assert not missing, f"the demo data lacks {missing}"
    return w


def _notification_of(user, report):
    from django.urls import reverse

    from inbox.models import Kind, Notification
    from inbox.services import notify

    notify([user], kind=Kind.TASK_CREATED, target=report, url=reverse("cases:report-detail", args=[report.pk]))
    return Notification.objects.filter(recipient=user).first()


# --- the run's template ----------------------------------------------------------------------------------------


@contextmanager
def template_lock(template: str):
    """One process of the run at a time builds the template or copies it (a session-level advisory lock, held on a
    connection to the maintenance database, so the template itself stays free to copy)."""
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(hashtext(%s))", [template])
        try:
            yield
        finally:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [template])


def template_world(template: str, run: str, empty: str) -> World:
    """The World of this run's template, built first (seeding `empty`, then renaming it) unless this run did already.
    Call it holding `template_lock`."""
    mark = _comment(template)
    if mark is None or mark["run"] != run:
        with default_database(empty):
            built = build_world()
        objects = {key: [value._meta.label, value.pk] for key, value in built.objects.items()}
        drop_database(template)
        quote = connection.ops.quote_name
        with connection._nodb_cursor() as cursor:
            cursor.execute(f"ALTER DATABASE {quote(empty)} RENAME TO {quote(template)}")
            mark = json.dumps({"run": run, "objects": objects})
            cursor.execute(f"COMMENT ON DATABASE {quote(template)} IS %s", [mark])
        mark = _comment(template)
    # Read back from the template by every process, the builder too: the World is the template's, whoever built it.
    with default_database(template):
        world = World({key: apps.get_model(label).objects.get(pk=pk) for key, (label, pk) in mark["objects"].items()})
    return world


def _comment(name: str) -> dict | None:
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [name])
        row = cursor.fetchone()
    return json.loads(row[0]) if row and row[0] else None


# --- the databases ---------------------------------------------------------------------------------------------


def copy_database(source: str, target: str) -> None:
    """`target` becomes a copy of `source`, which nobody may be connected to while it is copied."""
    quote = connection.ops.quote_name
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {quote(target)} WITH (FORCE)")
        cursor.execute(f"CREATE DATABASE {quote(target)} TEMPLATE {quote(source)}")


def drop_database(name: str) -> None:
    with connection._nodb_cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(name)} WITH (FORCE)")


@contextmanager
def default_database(name: str):
    """Every connection of this process (the live server's threads too) opens `name` while inside."""
    saved = connection.settings_dict["NAME"]
    _point_at(name)
    try:
        yield
    finally:
        _point_at(saved)


def _point_at(name: str) -> None:
    from django.contrib.contenttypes.models import ContentType

    connections.close_all()
    # A thread's connection is made from these settings (one dict, shared with the connection already made).
    connections.settings[connection.alias]["NAME"] = name
    connection.settings_dict["NAME"] = name
    # Content type ids are cached per process; a flushed test database may number them differently.
    ContentType.objects.clear_cache()
