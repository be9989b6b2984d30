"""The board's search, chosen from EXPLAIN (ANALYZE, BUFFERS) at 500,000 and 5,000,000
questions (docs/benchmarks.md):

- a full-text index of the open questions only, a few percent of the table, for the open
  queue. With only the full-text index of all questions, the planner read the word's matches
  of every status and ANDed them with a bitmap of all open questions of the desk (or all open
  questions: the partial index ``sr_assignee_open_deadline``, read whole);
- ten times the default statistics for the words of the full-text index (a sample of 300,000
  rows instead of 30,000): with the default, a word in one question of 5,000 is missing from
  the most common words as often as not, the planner then assumes it is in 0.5 % of all
  questions, and ANDs its matches with the desk's index (125,000 rows read for 24 hits, 19 ms
  instead of 1 ms at 500,000 questions)."""

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


STATISTICS = 1000


def search_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER INDEX sr_search ALTER COLUMN 1 SET STATISTICS {STATISTICS}")


def search_statistics_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER INDEX sr_search ALTER COLUMN 1 SET STATISTICS -1")


def analyze(apps, schema_editor):
    """Statistics are taken when the table is analysed: now, not when autovacuum gets to it.
    In a transaction of its own (this migration is not atomic): ANALYZE in the transaction
    that set the target sampled with the old one (seen at 5,000,000 questions)."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ANALYZE meetings_supportrequest")


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("meetings", "0016_portal"),
    ]

    operations = [
        migrations.RunPython(search_open_index, search_open_index_drop),
        migrations.RunPython(search_statistics, search_statistics_drop),
        migrations.RunPython(analyze, migrations.RunPython.noop),
    ]
