"""A trigram index for the registry's text search, on PostgreSQL.

The search (``ProviderFilter.filter_text``) matches a part of the name, e-mail address, contact
person or place (``icontains``: ``UPPER(column::text) LIKE UPPER('%…%')``), the postcode
(``iexact``) and the KvK number (exact, served by its unique index). Without an index for the
first four every search read the whole table (8 s at 600,000 providers on a busy machine). The
GIN index holds the trigrams of the same ``UPPER(…)`` expressions, so PostgreSQL answers each
part of the ``OR`` from it (a bitmap) and the results stay exactly the same; ``pg_trgm`` serves
the postcode's equality too.

Only on PostgreSQL (SQLite searches as before), and only when the ``pg_trgm`` extension is
there or can be created (it is a trusted extension: the database's owner may create it).
Built ``CONCURRENTLY``: a registry in use keeps taking registrations meanwhile (about a minute
at 600,000 providers).
"""

from django.db import DatabaseError, migrations, transaction

INDEX = "provider_search_trgm_idx"
# The expressions exactly as Django writes the lookups, else the planner cannot use the index.
COLUMNS = ("name", "email", "contact_name", "city", "postcode")


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
        expressions = ", ".join(f"UPPER({column}::text) gin_trgm_ops" for column in COLUMNS)
        cursor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} "
            f"ON providers_provider USING gin ({expressions})"
        )
        cursor.execute("ANALYZE providers_provider")


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY cannot run inside a transaction.
    atomic = False

    dependencies = [
        ("providers", "0008_provider_municipality_sort_index"),
    ]

    operations = [
        migrations.RunPython(create_index, drop_index),
    ]
