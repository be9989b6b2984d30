"""Fixtures of the operations tests: migrated PostgreSQL databases of their own."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def admin_connection(dbname: str = "postgres"):
    """A psycopg2 connection (autocommit) to the test server, outside Django's connections."""
    import psycopg2

    db = settings.DATABASES["default"]
    connection = psycopg2.connect(
        dbname=dbname,
        user=db["USER"],
        password=db["PASSWORD"],
        host=db["HOST"] or "localhost",
        port=db["PORT"] or 5432,
    )
    connection.autocommit = True
    return connection


def database_url(name: str) -> str:
    """The ``DATABASE_URL`` of database ``name`` on the test server."""
    db = settings.DATABASES["default"]
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"


@contextlib.contextmanager
def _database(prefix: str, template: str | None = None):
    """A new database (a copy of ``template`` when given), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = admin_connection()
    with admin.cursor() as cursor:
        cursor.execute(
            f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        )
    try:
        yield database_url(name), name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()


@pytest.fixture(scope="session")
def migrated_template():
    """A database migrated by ``manage.py migrate`` in a process of its own, once per session:
    the template of ``migrated_database`` (migrating costs half a minute of CPU; copying the
    template, a fraction of a second). Nothing connects to it after the migration, as
    PostgreSQL copies only a template without sessions. ``SPORTLOKET_MIGRATED_TEMPLATE`` names
    one made the same way beforehand (.ci/run does, next to the test databases)."""
    if given := os.environ.get("SPORTLOKET_MIGRATED_TEMPLATE"):
        yield given
        return
    with _database("sl_ops_template") as (url, name):
        result = subprocess.run(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "manage.py", "migrate", "--no-input", "-v0"],
            env={
                **os.environ,
                "DJANGO_SETTINGS_MODULE": "sportloket.settings.test",
                "DATABASE_URL": url,
            },
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        yield name


@pytest.fixture
def migrated_database(migrated_template):
    """A PostgreSQL database as ``manage.py migrate`` leaves a new one (a copy of the
    session's migrated template), dropped afterwards: yields its ``DATABASE_URL`` and name."""
    with _database("sl_ops", template=migrated_template) as database:
        yield database
