import os
import uuid

import pytest
from django.db.backends.postgresql.operations import DatabaseOperations

from accounts.roles import Role

from . import demo_world
from .factories import build_tree, member

# Playwright's sync API runs an event loop in the test thread; the tests themselves stay synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
    "--no-sandbox",
]


@pytest.fixture
def tree(db):
    return build_tree()


@pytest.fixture
def zhanyi_intake(tree):
    return member("zhanyi-intake", tree["zhanyi"], Role.INTAKE, "letters_visits")


@pytest.fixture
def zhanyi_investigator(tree):
    return member("zhanyi-investigator", tree["zhanyi"], Role.INVESTIGATOR, "investigation")


@pytest.fixture
def zhanyi_supervisor(tree):
    return member("zhanyi-supervisor", tree["zhanyi"], Role.SUPERVISOR)


@pytest.fixture
def qilin_investigator(tree):
    return member("qilin-investigator", tree["qilin"], Role.INVESTIGATOR, "investigation")


@pytest.fixture
def qujing_supervisor(tree):
    return member("qujing-supervisor", tree["qujing"], Role.SUPERVISOR)


@pytest.fixture
def qujing_admin(tree):
    return member("qujing-admin", tree["qujing"], Role.ADMIN)


@pytest.fixture
def kunming_supervisor(tree):
    return member("kunming-supervisor", tree["kunming"], Role.SUPERVISOR)


# --- the demo world (tests/demo_world.py) -------------------------------------------------------------------


# Modules that xdist's controller sends whole to one worker (`--dist load` otherwise sends test by test, and both
# workers may build a module's costly fixture). The first group is sent first: the modules that read the demo world,
# which their worker builds (a minute) while the other runs the rest of the suite, then copies once a module, and
# the accessibility walk (a minute, a module fixture of its own). Tests keep their order within a group.
GROUPS = [
    {
        "tests/test_demo.py",
        "tests/test_security_no_store.py",
        "tests/test_security_routes.py",
        "tests/test_accessibility_browser.py",
    },
    {"tests/test_api_schemathesis.py"},  # its seeded database
]


def pytest_xdist_make_scheduler(config, log):
    """`--dist load` (make test's), with the GROUPS sent whole."""
    if config.getvalue("dist") != "load":
        return None
    from xdist.scheduler import LoadScheduling

    class Scheduling(LoadScheduling):
        # By index into the collection, as LoadScheduling does: schemathesis gives its tests one node id.
        ordered = False

        def _group(self, index):
            module = self.collection[index].split("::", 1)[0]
            return next((number for number, group in enumerate(GROUPS) if module in group), None)

        def _send_tests(self, node, num):
            if not self.ordered:
                self.ordered = True
                self.pending.sort(key=lambda index: self._group(index) != 0)  # (a stable sort)
            chosen = self.pending[:num]
            groups = {self._group(index) for index in chosen} - {None}
            chosen += [index for index in self.pending[num:] if self._group(index) in groups]
            sent = set(chosen)
            self.pending[:] = [index for index in self.pending if index not in sent]
            if chosen:
                self.node2pending[node].extend(chosen)
                node.send_runtest_some(chosen)

    return Scheduling(config, log)


def pytest_configure_node(node):
    """xdist's controller names the run's demo template for its workers (and drops it when the run ends)."""
    node.workerinput["demo_template"] = _controller_template()
    node.workerinput["demo_run"] = node.workerinput["testrunuid"]


def pytest_sessionfinish(session):
    if session.config.pluginmanager.hasplugin("dsession"):  # xdist's controller: every worker has finished
        from pytest_django.plugin import blocking_manager_key

        with session.config.stash[blocking_manager_key].unblock():
            demo_world.drop_database(_controller_template())


def _controller_template() -> str:
    return f"{demo_world.connection.creation._get_test_db_name()}_demo"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The worker's test database, and beside it an empty copy in which the demo world may be built, taken now: a
    database is copied only while nobody is connected to it, and nothing is yet."""
    with django_db_blocker.unblock():
        name = demo_world.connection.settings_dict["NAME"]
        demo_world.connections.close_all()
        demo_world.copy_database(name, f"{name}_empty")
    yield
    with django_db_blocker.unblock():
        demo_world.drop_database(f"{name}_empty")  # (unless it became the run's template)


@pytest.fixture(scope="session")
def demo_template(request, django_db_setup, django_db_blocker):
    """The run's demo database, seeded once for the run by whichever process first needs it (tests/demo_world.py):
    (its name, the World naming its objects, this process's copies).

    The copies are dropped when the session ends: dropping a database makes PostgreSQL write a checkpoint, seconds
    on a busy machine, once for all of them rather than after every module."""
    worker = getattr(request.config, "workerinput", None)
    copies = []
    with django_db_blocker.unblock():
        own = demo_world.connection.settings_dict["NAME"]
        template = worker["demo_template"] if worker else f"{own}_demo"
        run = worker["demo_run"] if worker else uuid.uuid4().hex
        with demo_world.template_lock(template):
            built = demo_world.template_world(template, run, empty=f"{own}_empty")
    yield template, built, copies
    with django_db_blocker.unblock():
        for copy in copies:
            demo_world.drop_database(copy)
        if worker is None:
            demo_world.drop_database(template)


@pytest.fixture(scope="module")
def world(request, demo_template, django_db_blocker):
    """The demo data for the module: a fresh copy of the seeded database, the module's default database while it
    runs (its writes stay in the copy)."""
    template, built, copies = demo_template
    worker = getattr(request.config, "workerinput", {}).get("workerid", "main")
    copy = f"{template}_{worker}_{len(copies) + 1}"
    copies.append(copy)
    with django_db_blocker.unblock():
        with demo_world.template_lock(template):
            demo_world.copy_database(template, copy)
    with demo_world.default_database(copy):
        yield built


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def browser_login(page, live_server, username: str) -> None:
    from django.conf import settings

    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", settings.DEMO_PASSWORD)
    page.click("form.form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


# Rows that data migrations put in the database (beat schedules, the exemption catalogue). A transactional
# test (live server, real worker) empties every table when it ends; put them back for the tests after it.
MIGRATION_DATA = [
    ("accountability.migrations.0002_yunnan_catalogue", "load"),
    ("accountability.migrations.0004_measures_allowed", "load"),
    ("clarification.migrations.0002_monthly_batch_schedule", "create_schedule"),
    ("clarification.migrations.0005_yunnan_evaluative_phrases", "load"),
    ("stats.migrations.0002_monthly_snapshot_schedule", "create_schedule"),
    ("stats.migrations.0004_export_expiry_schedule", "create_schedule"),
    ("stats.migrations.0007_resume_orphaned_exports_schedule", "create"),
    ("core.migrations.0003_outbox_schedule", "create"),
    ("audit.migrations.0006_checkpoint_schedule", "create"),
    ("audit.migrations.0008_chain_schedule", "create"),
    ("core.migrations.0005_catch_up_schedule", "create"),
    ("inbox.migrations.0002_reminder_schedule", "create_schedule"),
]


def _flush_then_restore(execute_sql_flush):
    """The flush that ends a transactional test: with triggers off, then the migration data put back.

    The audit trail refuses TRUNCATE (audit/migrations/0004_refuse_truncate.py) and the flush is a TRUNCATE, so
    it runs with triggers off, as only a superuser (the test's) can. The data is put back here, right after the
    flush: a fixture's teardown runs before pytest-django's flush and would restore nothing.
    """

    def flush(self, sql_list):
        execute_sql_flush(self, ["SET LOCAL session_replication_role = replica", *sql_list] if sql_list else sql_list)
        from importlib import import_module

        from django.apps import apps

        for module, function in MIGRATION_DATA:
            getattr(import_module(module), function)(apps, None)

    return flush


def _delete_instead_of_truncate(sql_flush):
    """The flush as one batch of DELETEs: a TRUNCATE gives each of the hundred-odd tables and their indexes new files,
    about a third of a second after every transactional test, while a test leaves a few rows in a few tables. With
    triggers off (above) the foreign keys do not order the DELETEs. Sequences are reset by TRUNCATE only."""

    def flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if reset_sequences or not tables:
            return sql_flush(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        return ["; ".join(f"DELETE FROM {self.quote_name(table)}" for table in tables)]

    return flush


DatabaseOperations.execute_sql_flush = _flush_then_restore(DatabaseOperations.execute_sql_flush)
DatabaseOperations.sql_flush = _delete_instead_of_truncate(DatabaseOperations.sql_flush)
