"""Board indexes chosen from EXPLAIN (ANALYZE, BUFFERS) at 500,000 and 5,000,000 questions
(docs/benchmarks.md): the open questions of an assignee in deadline order, and on PostgreSQL
the planner told that ``is_open`` and ``clock_running`` follow from ``status`` (without it,
it multiplied their selectivities, estimated 45 rows for 779 and chose a bitmap scan over
20,000 rows for "overdue, assigned to me": 15 ms instead of 0.3 ms)."""

from django.conf import settings
from django.db import migrations, models


def status_statistics(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE STATISTICS IF NOT EXISTS sr_status_flags (dependencies) "
            "ON status, is_open, clock_running FROM meetings_supportrequest"
        )
        # Extended statistics are empty until the table is analysed; without this the planner
        # keeps its wrong estimate until autovacuum happens to analyse (a sample: seconds, also
        # at 5,000,000 rows).
        schema_editor.execute("ANALYZE meetings_supportrequest")


def status_statistics_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP STATISTICS IF EXISTS sr_status_flags")


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0014_calendar_feeds"),
        ("providers", "0005_provider_import_jobs"),
        ("sportloket", "0007_network_models_to_network_app"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name="supportrequest",
            index=models.Index(
                condition=models.Q(("is_open", True)),
                fields=["assignee", "deadline", "id"],
                name="sr_assignee_open_deadline",
            ),
        ),
        migrations.RunPython(status_statistics, status_statistics_drop),
    ]
