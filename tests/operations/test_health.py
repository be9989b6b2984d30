"""Health endpoints: liveness, readiness with each dependency taken away, and the monitoring
status with its thresholds. Dependencies that are servers are real (Redis, PostgreSQL, moto's
S3) or a closed port on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.test import override_settings
from django.utils import timezone

from sportloket.celery import app
from sportloket.constants import EmailStatus
from sportloket.heartbeat import PERIODIC_PREFIX, SINCE_KEY, WORKER_PREFIX, beat_record
from sportloket.models import HealthBeat, OutgoingEmail
from tests.s3 import free_port

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent.parent
READY = "/health/ready/"
STATUS = "/health/status/"
TOKEN = "s3cret-monitoring-token"
AUTH = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def checks(response) -> dict:
    return json.loads(response.content)["checks"]


def failing(response) -> dict[str, str]:
    return {name: c["error"] for name, c in checks(response).items() if c["status"] == "error"}


# --- Liveness ---------------------------------------------------------------------------------


def test_liveness_answers_without_any_query_or_cookie(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/health/live/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok", "checks": {}}
    assert "Set-Cookie" not in response.headers
    assert "no-cache" in response["Cache-Control"]


@override_settings(SPORTLOKET_PUBLIC_FORM_RATE=2, SPORTLOKET_LOGIN_RATE=2, SPORTLOKET_SEARCH_RATE=2)
def test_health_endpoints_are_never_rate_limited(client):
    statuses = {client.get(url).status_code for url in ("/health/live/", READY) * 25}
    assert statuses == {200}


@override_settings(SECURE_SSL_REDIRECT=True)
def test_probes_over_plain_http_are_not_redirected_to_https(client):
    assert client.get("/health/live/").status_code == 200
    assert client.get(READY).status_code == 200
    assert client.get("/account/login/").status_code == 301


# --- Readiness --------------------------------------------------------------------------------


def test_readiness_is_green_with_every_dependency_and_speaks_json_text_and_html(client):
    response = client.get(READY, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    assert set(checks(response)) == {"database", "migrations", "cache", "broker", "storage"}
    assert not failing(response)
    assert client.get(READY + "?format=json")["Content-Type"] == "application/json"
    text = client.get(READY, HTTP_ACCEPT="text/plain")
    assert text["Content-Type"].startswith("text/plain")
    assert text.content.decode().splitlines()[0] == "ok"
    html = client.get(READY)
    assert html["Content-Type"].startswith("text/html")
    assert "<title>Sportloket: ready: ok</title>" in html.content.decode()
    assert "Accept" in response["Vary"]


def test_readiness_fails_on_the_cache_when_redis_is_down(client):
    closed = free_port()
    redis_down = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{closed}/0",
            "OPTIONS": {"socket_timeout": 1, "socket_connect_timeout": 1},
        }
    }
    with override_settings(CACHES=redis_down):
        response = client.get(READY, HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert set(failing(response)) == {"cache"}
    assert "Connection Error" in failing(response)["cache"]


@pytest.mark.redis
def test_readiness_is_green_on_the_real_redis_cache(client):
    from tests.conftest import REDIS_URL

    real = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    with override_settings(CACHES=real):
        response = client.get(READY, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content


@pytest.fixture
def broker_url():
    """Point the Celery app at another broker for one test."""
    previous = app.conf.broker_url

    def use(url: str) -> None:
        app.conf.broker_url = url

    yield use
    app.conf.broker_url = previous


def test_readiness_fails_on_the_broker_when_it_is_unreachable(client, broker_url):
    broker_url(f"redis://127.0.0.1:{free_port()}/0")
    response = client.get(READY, HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert set(failing(response)) == {"broker"}
    assert failing(response)["broker"].startswith("Unavailable: Broker unreachable")


@pytest.mark.redis
def test_readiness_is_green_on_the_real_redis_broker(client, broker_url):
    from tests.conftest import REDIS_URL

    broker_url(REDIS_URL)
    response = client.get(READY, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content


def test_readiness_fails_on_storage_that_cannot_be_written(client, settings, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            # A folder below a file: nobody, not even root, can write there.
            "OPTIONS": {"location": str(blocker / "media")},
        },
    }
    response = client.get(READY, HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert set(failing(response)) == {"storage"}


def test_readiness_passes_with_the_s3_bucket_and_fails_without_it(client, s3_storage, settings):
    response = client.get(READY, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content
    assert s3_storage.keys() == []  # the probe file is removed again
    s3_storage.client.delete_bucket(Bucket=s3_storage.bucket)
    response = client.get(READY, HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert set(failing(response)) == {"storage"}


def test_readiness_fails_while_a_migration_is_not_applied(client):
    # The core's latest migration (the readiness check compares the latest of each app).
    [(app_label, name)] = MigrationLoader(connection).graph.leaf_nodes("sportloket")
    recorder = MigrationRecorder(connection)
    recorder.record_unapplied(app_label, name)
    response = client.get(READY, HTTP_ACCEPT="application/json")
    assert response.status_code == 503
    assert failing(response) == {
        "migrations": f"Unavailable: 1 migration(s) not applied: sportloket.{name}"
    }
    recorder.record_applied(app_label, name)
    assert client.get(READY).status_code == 200


PROBE = """
import json, django
from django.test.utils import setup_test_environment
django.setup()
setup_test_environment()
from django.test import Client
client = Client()
out = {}
for url in ("/health/live/", "/health/ready/"):
    response = client.get(url, HTTP_ACCEPT="application/json")
    out[url] = [response.status_code, json.loads(response.content)]
print(json.dumps(out))
"""


def test_with_the_database_down_readiness_fails_and_liveness_still_answers():
    """A process whose PostgreSQL is a closed port (a subprocess: its settings are read once)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sportloket.settings.test",
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{free_port()}/sportloket",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=env,
        cwd=BASE_DIR,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["/health/live/"][0] == 200
    status, body = out["/health/ready/"]
    assert status == 503
    failed = {name for name, c in body["checks"].items() if c["status"] == "error"}
    assert failed == {"database", "migrations"}
    assert body["checks"]["database"]["error"] == "Unavailable: Database unavailable"
    assert "127.0.0.1" not in json.dumps(body)


# --- Status: access ---------------------------------------------------------------------------


@override_settings(SPORTLOKET_HEALTH_TOKEN=TOKEN)
def test_status_needs_the_token_or_an_administrator(client, policy_staff, administrator):
    assert client.get(STATUS)["Location"].startswith("/account/login/")
    assert client.get(STATUS, HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get(STATUS, HTTP_AUTHORIZATION=TOKEN).status_code == 403
    assert client.get(STATUS, **AUTH).status_code in (200, 503)
    client.force_login(policy_staff)
    assert client.get(STATUS).status_code == 403
    client.force_login(administrator)
    assert client.get(STATUS, HTTP_ACCEPT="application/json").status_code in (200, 503)


@override_settings(SPORTLOKET_HEALTH_TOKEN="")
def test_without_a_configured_token_no_bearer_token_is_accepted(client):
    assert client.get(STATUS, HTTP_AUTHORIZATION="Bearer ").status_code == 403


# --- Status: heartbeat, periodic tasks, outbox ------------------------------------------------


def all_periodic_ran(at: dt.datetime) -> None:
    from django.conf import settings

    beat_record(key=SINCE_KEY, at=at)
    for name in settings.CELERY_BEAT_SCHEDULE:
        beat_record(key=f"{PERIODIC_PREFIX}{name}", at=at)


def status(client) -> object:
    return client.get(STATUS, HTTP_ACCEPT="application/json", **AUTH)


@override_settings(SPORTLOKET_HEALTH_TOKEN=TOKEN, SPORTLOKET_HEALTH_HEARTBEAT_MAX_AGE=300)
def test_status_is_green_with_a_fresh_heartbeat_recent_tasks_and_an_empty_outbox(client):
    beat_record(key=f"{WORKER_PREFIX}celery@web-a", at=timezone.now())
    all_periodic_ran(timezone.now())
    response = status(client)
    assert response.status_code == 200, response.content
    body = checks(response)
    assert body["worker"]["workers_alive"] == 1
    assert body["periodic_tasks"]["email-outbox-retry"].endswith("s ago)")


@override_settings(SPORTLOKET_HEALTH_TOKEN=TOKEN)
def test_status_is_red_without_any_heartbeat(client):
    response = status(client)
    assert response.status_code == 503
    assert failing(response) == {"worker": "Unavailable: No worker heartbeat recorded yet"}


@override_settings(SPORTLOKET_HEALTH_TOKEN=TOKEN, SPORTLOKET_HEALTH_HEARTBEAT_MAX_AGE=300)
def test_status_is_red_when_the_last_heartbeat_is_stale(client):
    all_periodic_ran(timezone.now())
    beat_record(key=f"{WORKER_PREFIX}celery@gone", at=timezone.now() - dt.timedelta(seconds=400))
    response = status(client)
    assert response.status_code == 503
    error = failing(response)["worker"]
    assert "Last worker heartbeat" in error
    assert "more than 300 s" in error
    assert checks(response)["worker"]["workers_alive"] == 0
    beat_record(key=f"{WORKER_PREFIX}celery@fresh", at=timezone.now())
    assert status(client).status_code == 200


@override_settings(SPORTLOKET_HEALTH_TOKEN=TOKEN, SPORTLOKET_HEALTH_BEAT_GRACE=900)
def test_status_names_the_periodic_task_that_missed_its_run(client):
    now = timezone.now()
    beat_record(key=f"{WORKER_PREFIX}celery@a", at=now)
    all_periodic_ran(now)
    # Every 5 minutes, last seen 2 hours ago: late by far more than the 15 minutes of grace.
    beat_record(key=f"{PERIODIC_PREFIX}email-outbox-retry", at=now - dt.timedelta(hours=2))
    response = status(client)
    assert response.status_code == 503
    error = failing(response)["periodic_tasks"]
    assert error.startswith("Unavailable: Periodic tasks late: email-outbox-retry (last run ")
    assert "poskantoor-deadline-sweep" not in error


@override_settings(SPORTLOKET_HEALTH_TOKEN=TOKEN, SPORTLOKET_HEALTH_BEAT_GRACE=900)
def test_a_task_that_never_ran_counts_from_the_start_of_monitoring(client):
    now = timezone.now()
    beat_record(key=f"{WORKER_PREFIX}celery@a", at=now)
    beat_record(key=SINCE_KEY, at=now - dt.timedelta(minutes=1))
    # Just installed: nothing ran yet, nothing is due yet beyond the grace.
    assert status(client).status_code == 200
    HealthBeat.objects.filter(key=SINCE_KEY).update(at=now - dt.timedelta(hours=1))
    response = status(client)
    assert response.status_code == 503
    assert "email-outbox-retry (last run never)" in failing(response)["periodic_tasks"]


def test_a_periodic_task_records_its_run_and_other_tasks_do_not():
    from poskantoor.tasks import sweep_deadlines, year_plan_render

    year_plan_render.apply(args=(0,))
    assert not HealthBeat.objects.exists()
    before = timezone.now()
    sweep_deadlines.apply()
    run = HealthBeat.objects.get()
    assert run.key == f"{PERIODIC_PREFIX}poskantoor-deadline-sweep"
    assert run.at >= before


@override_settings(
    SPORTLOKET_HEALTH_TOKEN=TOKEN,
    SPORTLOKET_HEALTH_OUTBOX_PENDING_MINUTES=15,
    SPORTLOKET_HEALTH_OUTBOX_PENDING_MAX=0,
    SPORTLOKET_HEALTH_OUTBOX_FAILED_MAX=0,
)
def test_status_counts_the_outbox_backlog_without_showing_any_e_mail(client, settings):
    now = timezone.now()
    beat_record(key=f"{WORKER_PREFIX}celery@a", at=now)
    all_periodic_ran(now)
    fresh = OutgoingEmail.objects.create(
        key="fresh", to=["jan.jansen@example.nl"], subject="Uw hulpvraag Jansen", body="Hallo"
    )
    assert status(client).status_code == 200  # just queued: not a backlog
    OutgoingEmail.objects.filter(pk=fresh.pk).update(created_at=now - dt.timedelta(minutes=20))
    response = status(client)
    assert response.status_code == 503
    assert failing(response) == {
        "outbox": "Unavailable: 1 e-mail(s) unsent for more than 15 min (threshold 0)"
    }
    assert b"jan.jansen" not in response.content
    assert b"Jansen" not in response.content
    settings.SPORTLOKET_HEALTH_OUTBOX_PENDING_MAX = 1
    assert status(client).status_code == 200
    OutgoingEmail.objects.create(
        key="failed", to=["piet@example.nl"], subject="x", body="x", status=EmailStatus.FAILED
    )
    response = status(client)
    assert failing(response) == {
        "outbox": "Unavailable: 1 e-mail(s) failed in the last 24 h (threshold 0)"
    }
    assert checks(response)["outbox"]["failed_last_24_h"] == 1


# --- A real worker beats and records its periodic tasks ----------------------------------------


@pytest.mark.redis
def test_a_real_worker_stores_heartbeats_and_the_runs_of_periodic_tasks(celery_workers):
    from tests.conftest import wait_until

    queue = celery_workers(1)
    beat = wait_until(
        lambda: HealthBeat.objects.filter(key__startswith=WORKER_PREFIX).first(), timeout=120
    )
    assert beat.key.startswith(f"{WORKER_PREFIX}{queue}-0@")
    assert HealthBeat.objects.filter(key=SINCE_KEY).exists()
    app.send_task("meetings.tasks.desk_stats_refresh", queue=queue)
    wait_until(
        lambda: HealthBeat.objects.filter(key=f"{PERIODIC_PREFIX}desk-dashboard-stats").exists(),
        timeout=120,
    )


def test_worker_alive_command_follows_the_heartbeat_of_the_named_worker(capsys):
    from django.core.management import call_command

    with pytest.raises(SystemExit) as never:
        call_command("worker_alive", "--name", "celery@w1")
    assert never.value.code == 1
    beat_record(key=f"{WORKER_PREFIX}celery@w1", at=timezone.now() - dt.timedelta(seconds=200))
    with pytest.raises(SystemExit):
        call_command("worker_alive", "--name", "celery@w1", "--max-age", "120")
    call_command("worker_alive", "--name", "celery@w1", "--max-age", "300")
    assert "celery@w1: alive" in capsys.readouterr().out


@pytest.mark.postgres
def test_a_postgresql_database_one_migration_behind_is_not_ready_until_migrated(
    migrated_database,
):
    """A real database migrated back by one migration, probed by a process running the code."""
    from django.db.migrations.loader import MigrationLoader

    url, _name = migrated_database
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    # A migration nothing depends on (in its own app or another) and not its app's first:
    # migrating its app back one step leaves exactly that one unapplied.
    leaf = sorted(
        n
        for n in graph.leaf_nodes()
        if not graph.node_map[n].children
        and any(p.key[0] == n[0] for p in graph.node_map[n].parents)
    )[0]
    (parent,) = [p for p in graph.node_map[leaf].parents if p.key[0] == leaf[0]]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "sportloket.settings.test", "DATABASE_URL": url}

    def manage(*args: str) -> None:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            env=env,
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stderr[-3000:]

    def probe() -> tuple[int, dict]:
        result = subprocess.run(
            [sys.executable, "-c", PROBE],
            env=env,
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        return json.loads(result.stdout.strip().splitlines()[-1])["/health/ready/"]

    manage("migrate", "--no-input", leaf[0], parent.key[1])
    status, body = probe()
    assert status == 503
    failed = {n: c["error"] for n, c in body["checks"].items() if c["status"] == "error"}
    assert failed == {"migrations": f"Unavailable: 1 migration(s) not applied: {leaf[0]}.{leaf[1]}"}
    manage("migrate", "--no-input")
    assert probe()[0] == 200
