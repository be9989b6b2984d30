"""Test configuration shared by every app.

Services: tests marked ``redis`` need Redis and a real Celery worker, ``postgres`` need
PostgreSQL, ``browser`` need Debian's Chromium. Without the service they are skipped with the
reason; with ``REQUIRE_SERVICES=1`` a missing service fails the run at start instead.
"""

from __future__ import annotations

import copy
import importlib
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from sportloket.constants import Role

from .factories import StaffProfileFactory
from .s3 import s3_bucket, s3_server, s3_storage  # noqa: F401 - fixtures for every app

CHROMIUM = "/usr/bin/chromium"
# How long a real Celery worker may take to start: generous, as a CI machine under load can be
# many times slower than a laptop; a worker that dies earlier fails the test at once.
WORKER_START_TIMEOUT = 180
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
REDIS_URL = os.environ.get("REDIS_URL", "")
BASE_DIR = Path(__file__).resolve().parent.parent


def _redis_reachable() -> bool:
    if not REDIS_URL:
        return False
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


def _on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


SERVICES = {
    "browser": (lambda: Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM}"),
    "redis": (_redis_reachable, "Redis not reachable (set REDIS_URL)"),
    "postgres": (_on_postgres, "not running on PostgreSQL (set DATABASE_URL)"),
}


def pytest_configure(config):
    if not REQUIRE_SERVICES:
        return
    missing = [reason for check, reason in SERVICES.values() if not check()]
    if missing:
        raise pytest.UsageError("REQUIRE_SERVICES=1 but: " + "; ".join(missing))


def pytest_collection_modifyitems(config, items):
    available = {name: check() for name, (check, _) in SERVICES.items()}
    for item in items:
        for name, (_, reason) in SERVICES.items():
            if name in item.keywords and not available[name]:
                item.add_marker(pytest.mark.skip(reason=reason))


# --- Users per role ---------------------------------------------------------------------------


@pytest.fixture
def club_supporter(db):
    return StaffProfileFactory(club_supporter=True, user__username="clubondersteuner").user


@pytest.fixture
def policy_staff(db):
    return StaffProfileFactory(policy_staff=True, user__username="beleid").user


@pytest.fixture
def pos_staff(db):
    return StaffProfileFactory(pos_staff=True, user__username="posmedewerker").user


@pytest.fixture
def administrator(db):
    return StaffProfileFactory(administrator=True, user__username="beheerder").user


@pytest.fixture
def user_for_role(db):
    """Make a user of a role: ``user_for_role(Role.POLICY_STAFF, municipality=...)``."""

    def make(role: Role, **kwargs):
        trait = {Role(role).value: True}
        return StaffProfileFactory(**trait, **kwargs).user

    return make


# --- Real Celery workers ----------------------------------------------------------------------


@pytest.fixture
def celery_workers(transactional_db, tmp_path):
    """Start real Celery worker processes on Redis against the test database.

    Yields a function ``start(n=1) -> queue name``; tasks must be sent to that queue (a unique
    one per test, so concurrent runs on one Redis never steal each other's messages). E-mail
    sent by the workers lands as files in ``tmp_path / "mail"``.

    ``start`` returns once every worker it started has signalled "ready" itself (a file
    written from Celery's ``worker_ready`` signal, see tests/celery_worker.py), not after a
    broadcast ping, which a busy machine may leave unanswered. ``start.round_trip()`` sends a
    probe task to the queue and waits until it ran: with one worker, a barrier behind every
    message published before it.
    """
    from sportloket.celery import app

    from .celery_worker import READY_FILE

    db = settings.DATABASES["default"]
    db_url = (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or 'localhost'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )
    queue = f"test-{uuid.uuid4().hex[:12]}"
    processes: list[subprocess.Popen] = []
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sportloket.settings.test",
        "DATABASE_URL": db_url,
        "CELERY_BROKER_URL": REDIS_URL,
        # What a worker publishes itself (the sends of an outbox sweep) stays on this queue.
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "DJANGO_EMAIL_FILE_PATH": str(tmp_path / "mail"),
    }

    def start(n: int = 1, extra_env: dict[str, str] | None = None) -> str:
        """Start ``n`` more workers (``extra_env`` on top of the test environment, e.g. another
        ``CELERY_BROKER_URL``); the processes are in ``start.processes`` (e.g. to kill one
        with SIGKILL)."""
        started = []
        for _ in range(n):
            i = len(processes)
            log = (tmp_path / f"worker{i}.log").open("w")
            ready = tmp_path / f"worker{i}.ready"
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "celery",
                        "-A",
                        "tests.celery_worker",
                        "worker",
                        "-Q",
                        queue,
                        "-c",
                        "1",
                        "-P",
                        "solo",
                        "-n",
                        f"{queue}-{i}@%h",
                        "--without-gossip",
                        "--without-mingle",
                        "--without-heartbeat",
                        "-l",
                        "INFO",
                    ],
                    cwd=BASE_DIR,
                    env={**env, **(extra_env or {}), READY_FILE: str(ready)},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            started.append((i, processes[-1], ready))
        deadline = time.monotonic() + WORKER_START_TIMEOUT
        for i, process, ready in started:
            output = tmp_path / f"worker{i}.log"
            while not ready.exists():
                if process.poll() is not None:
                    pytest.fail(
                        f"Celery worker {i} exited ({process.returncode}):\n" + output.read_text()
                    )
                if time.monotonic() > deadline:
                    pytest.fail(f"Celery worker {i} not ready in time:\n" + output.read_text())
                time.sleep(0.1)
        return queue

    def round_trip(*, broker: str | None = None, timeout: float = 120) -> None:
        """Send a probe task to the queue (through ``broker`` when the workers use another
        one) and wait until a worker ran it."""
        marker = tmp_path / f"probe-{uuid.uuid4().hex}"
        if broker is None or broker == REDIS_URL:
            app.send_task("tests.worker_probe", args=[str(marker)], queue=queue)
        else:
            with app.connection_for_write(broker) as connection:
                app.send_task(
                    "tests.worker_probe", args=[str(marker)], queue=queue, connection=connection
                )
        wait_until(marker.exists, timeout=timeout, interval=0.1)

    start.processes = processes
    start.round_trip = round_trip
    previous_eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    yield start
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    app.conf.task_always_eager = previous_eager


def wait_until(condition, timeout: float = 30, interval: float = 0.2):
    """Poll ``condition`` until it returns a truthy value; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")


# --- Browser ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, locale="nl-NL")
    # Generous: on a shared 2-core machine under load an admin page can take seconds to serve.
    context.set_default_timeout(int(os.environ.get("SPORTLOKET_BROWSER_TIMEOUT_MS", "30000")))
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def login(page):
    """Log in through the real login form: ``login(username, password)``."""

    def do(username: str, password: str = "geheim-wachtwoord-123"):  # noqa: S107
        page.goto("/account/login/")
        page.get_by_label("Gebruikersnaam").fill(username)
        page.get_by_label("Wachtwoord").fill(password)
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_url("**/")
        return page

    return do


@pytest.fixture(scope="session", autouse=True)
def _no_stray_connections(django_db_setup, django_db_blocker):
    """Threads of the live server may keep a PostgreSQL session open after the last test, which
    would stop pytest-django from dropping the test database; end them before it tries."""
    yield
    if not _on_postgres():
        return
    from django.db import connection

    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _reference_data(request, django_db_setup, django_db_blocker):
    """Transactional tests (live server, real workers) flush the database when they end, and
    with it the reference data of the data migration; load it again for the tests after them."""
    uses_database = request.node.get_closest_marker("django_db") or {
        "db",
        "transactional_db",
        "live_server",
    }.intersection(request.fixturenames)
    if not uses_database:
        return
    with django_db_blocker.unblock():
        _load_reference_data()


def _load_reference_data() -> None:
    from django.apps import apps

    from poskantoor.models import ProcessVersion
    from sportloket.models import Municipality

    if not Municipality.objects.exists():
        importlib.import_module("sportloket.migrations.0002_reference_data").load(apps, None)
    if not ProcessVersion.objects.exists():
        importlib.import_module("poskantoor.migrations.0006_process_version_1").create_version_1(
            apps
        )


@pytest.fixture(scope="module")
def _module_world(django_db_setup, django_db_blocker):
    """The rows of ``world``, built once per module in a transaction rolled back after it."""
    from django.db import transaction

    from .hardening.world import build_world

    atomic = transaction.atomic()
    with django_db_blocker.unblock():  # only while building and rolling back, not in between
        _load_reference_data()
        atomic.__enter__()
        try:
            world = build_world()
        except BaseException:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            raise
    yield world
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


@pytest.fixture
def world(_module_world, db):
    """The test world (tests/hardening/world.py) as Django's ``TestCase.setUpTestData`` gives
    it: its rows are built once per module, in a transaction rolled back after the module, and
    each test runs in a savepoint inside it (pytest-django's ``db``), so every test starts from
    the same rows and none sees another's writes; each test gets its own deep copy of the
    objects, so none sees another's changes in memory either. Building the world costs about
    0.16 s of CPU, and the route-by-route tests built it for each of hundreds of routes. Not
    for modules with transactional tests: their flush would end the module's transaction."""
    return copy.deepcopy(_module_world)


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters and circuit breakers must not leak from one test into the next."""
    from django.core.cache import cache

    from sportloket.ratelimit import CACHE_BREAKER
    from sportloket.services import BROKER_BREAKER

    cache.clear()
    CACHE_BREAKER.reset()
    BROKER_BREAKER.reset()


@pytest.fixture(autouse=True)
def _default_language():
    """A test that switched the language (e.g. a view under /en/) must not leave it active for
    the next: lazy labels would compare in English there."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
