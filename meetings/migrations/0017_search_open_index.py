"""The board's search of the open queue, chosen from EXPLAIN (ANALYZE, BUFFERS) at 5,000,000
questions (docs/benchmarks.md): a full-text index of the open questions only, a few percent of
the table. With only the full-text index of all questions, the planner read the word's matches
of every status and ANDed them with a bitmap of all open questions (the partial index
``sr_assignee_open_deadline``, read whole)."""

from django.db import migrations


def search_open_index(apps, schema_editor):
    """PostgreSQL only, like ``sr_search`` (SQLite searches with a plain LIKE): the same
    expression as ``meetings.support.selectors.search_q``, for the rows ``is_open``."""
    if schema_editor.connection.vendor != "postgresql":
        return
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector
    from django.db.models import Q

    schema_editor.add_index(
        apps.get_model("meetings", "SupportRequest"),
        GinIndex(
            SearchVector("subject", "question", config="dutch"),
            condition=Q(is_open=True),
            name="sr_search_open",
        ),
    )


def search_open_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS sr_search_open")


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0016_portal"),
    ]

    operations = [
        migrations.RunPython(search_open_index, search_open_index_drop),
    ]
