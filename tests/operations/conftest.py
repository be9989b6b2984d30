"""Fixtures of the operations tests: a PostgreSQL database of their own."""

from __future__ import annotations

import uuid

import pytest
from django.conf import settings


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


@pytest.fixture
def fresh_database():
    """An empty PostgreSQL database on the test server, dropped afterwards: yields its
    ``DATABASE_URL`` (for processes the test starts) and its name."""
    db = settings.DATABASES["default"]
    name = f"sl_ops_{uuid.uuid4().hex[:10]}"
    admin = admin_connection()
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    url = f"postgres://{credentials}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{name}"
    try:
        yield url, name
    finally:
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                (name,),
            )
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.close()
