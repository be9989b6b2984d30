"""A trigram index of ``Provider.search_text`` for the registry's text search, on PostgreSQL.

The search (``ProviderFilter.filter_text``) matches a part of ``search_text`` (name, e-mail
address, contact person and place in capitals: ``search_text LIKE '%…%'``), the postcode and
the KvK number. A word few providers have is found through this index (a bitmap) instead of a
read of the whole table; the postcode and KvK number keep their own indexes (the trigram
index of migration 0009, which also serves the other searches of a provider's name, and the
KvK number's unique index).

Only on PostgreSQL and only when ``pg_trgm`` is there or can be created, as in migration 0009.
Built ``CONCURRENTLY``: the registry keeps taking registrations meanwhile.
"""

from django.db import DatabaseError, migrations, transaction

INDEX = "provider_search_text_trgm_idx"


def create_index(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        try:
            with transaction.atomic(using=connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError:  # no right to create it: the search stays unindexed
            return
        cursor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} "
            "ON providers_provider USING gin (search_text gin_trgm_ops)"
        )
        cursor.execute("ANALYZE providers_provider")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("providers", "0011_provider_search_text"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index),
    ]
