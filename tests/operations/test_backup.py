"""The documented backup and restore (docs/operations/backup.md) on PostgreSQL: a database with
the demo data and a generated year-plan PDF in its media folder is dumped with pg_dump -Fc and
the folder archived with tar; both are restored (pg_restore into a new empty database, the
archive into another folder), migrated, and the app serves the restored data and the restored
PDF. Both databases are dropped afterwards."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
import uuid
from pathlib import Path

import psycopg2
import pytest
from django.conf import settings

from .production import run

pytestmark = pytest.mark.postgres

COUNTS = """
import json, django
django.setup()
from django.apps import apps
print(json.dumps({m._meta.label: m._default_manager.count() for m in apps.get_models()}))
"""

SERVE = """
import json, django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
from providers.models import Provider

client = Client()
client.force_login(get_user_model().objects.get(username="clubondersteuner"))
page = client.get("/aanbieders/")
names = list(Provider.objects.order_by("name").values_list("name", flat=True))
html = page.content.decode()
print(json.dumps({"status": page.status_code, "shown": [n for n in names if n in html]}))
"""


RENDER = """
import json, django
django.setup()
from poskantoor.models import YearPlan
from poskantoor.tasks import year_plan_render

plan = YearPlan.objects.select_related("office").order_by("pk").first()
assert year_plan_render(plan.pk) is True
plan.refresh_from_db()
print(json.dumps({"office": plan.office_id, "year": plan.year, "file": plan.pdf.name}))
"""

DOWNLOAD = """
import json, sys, django
django.setup()
from django.contrib.auth import get_user_model
from django.test import Client

client = Client()
client.force_login(get_user_model().objects.get(username="beleid"))
response = client.get(sys.argv[1])
body = b"".join(response.streaming_content) if response.streaming else response.content
print(json.dumps({"status": response.status_code, "type": response["Content-Type"],
                  "hex": body.hex()}))
"""


def _server() -> dict[str, str]:
    db = settings.DATABASES["default"]
    return {
        "host": db["HOST"] or "127.0.0.1",
        "port": str(db["PORT"] or 5432),
        "user": db["USER"] or "postgres",
        "password": db["PASSWORD"] or "",
    }


def _admin(sql: str) -> None:
    server = _server()
    connection = psycopg2.connect(dbname="postgres", **server)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute(sql)
    finally:
        connection.close()


def _url(name: str) -> str:
    s = _server()
    return f"postgres://{s['user']}:{s['password']}@{s['host']}:{s['port']}/{name}"


def _tool(name: str) -> str:
    """pg_dump/pg_restore/psql of the postgresql-client package (.ci/run installs it)."""
    path = shutil.which(name)
    assert path, f"{name} not found: install postgresql-client (the server's major version)"
    return path


def _pg(tool: str, *args: str) -> subprocess.CompletedProcess:
    s = _server()
    return subprocess.run(  # noqa: S603
        [_tool(tool), "-h", s["host"], "-p", s["port"], "-U", s["user"], *args],
        env={"PGPASSWORD": s["password"]},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _app_env(tmp_path, database: str, media: Path) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "sportloket.settings.dev",
        "DJANGO_ALLOWED_HOSTS": "testserver",
        "DATABASE_URL": _url(database),
        # Nothing leaves the test: tasks published by the demo data go nowhere, no e-mail.
        "CELERY_BROKER_URL": "memory://",
        "DJANGO_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DJANGO_MEDIA_ROOT": str(media),
    }


def _manage(env: dict[str, str], *args: str) -> str:
    result = run(["manage.py", *args], env, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _python(env: dict[str, str], code: str, *args: str) -> dict:
    result = run(["-c", code, *args], env, timeout=300)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_pg_dump_is_the_servers_major_version():
    server = _pg("psql", "-d", "postgres", "-tAc", "SHOW server_version_num")
    assert server.returncode == 0, server.stderr
    client = subprocess.run(  # noqa: S603
        [_tool("pg_dump"), "--version"], capture_output=True, text=True, check=True
    )
    major = re.search(r"\) (\d+)\.", client.stdout)
    assert major, client.stdout
    assert int(server.stdout.strip()) // 10000 == int(major[1])


def test_dump_restore_into_an_empty_database_migrate_and_serve(tmp_path, migrated_database):
    _source_url, source = migrated_database
    target = f"sl_backup_dst_{uuid.uuid4().hex[:10]}"
    dump = tmp_path / "sportloket.dump"
    archive = tmp_path / "media.tar.gz"
    source_media, target_media = tmp_path / "media-source", tmp_path / "media-restored"
    try:
        source_env = _app_env(tmp_path, source, source_media)
        _manage(source_env, "demo_data")
        pdf = _python(source_env, RENDER)
        stored = (source_media / pdf["file"]).read_bytes()
        assert stored.startswith(b"%PDF")
        before = _python(source_env, COUNTS)
        assert before["providers.Provider"] > 0
        assert before["auth.User"] > 0

        # The backup: the database first, then the media folder (docs/operations/backup.md).
        dumped = _pg("pg_dump", "-Fc", "--no-owner", "-f", str(dump), source)
        assert dumped.returncode == 0, dumped.stderr
        with tarfile.open(archive, "w:gz") as tar:
            tar.add(source_media, arcname=".")

        # The restore: a new empty database and an empty folder elsewhere.
        _admin(f'CREATE DATABASE "{target}"')
        restored = _pg("pg_restore", "--no-owner", "--exit-on-error", "-d", target, str(dump))
        assert restored.returncode == 0, restored.stderr
        target_media.mkdir()
        with tarfile.open(archive) as tar:
            tar.extractall(target_media, filter="data")

        target_env = _app_env(tmp_path, target, target_media)
        assert "No migrations to apply." in _manage(target_env, "migrate", "--no-input")
        assert _python(target_env, COUNTS) == before
        served = _python(target_env, SERVE)
        assert served["status"] == 200
        assert served["shown"], "the provider list shows none of the restored providers"
        url = f"/pos-kantoren/{pdf['office']}/jaarplan/{pdf['year']}/pdf/"
        download = _python(target_env, DOWNLOAD, url)
        assert (download["status"], download["type"]) == (200, "application/pdf")
        assert bytes.fromhex(download["hex"]) == stored
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
