"""``Provider.search_text``: the name, e-mail address, contact person and place in capitals, one
stored generated column that the registry's text search reads (see the field). Adding it
rewrites the table under a lock (measured: about 2.5 s at 68,000 providers on PostgreSQL, on
a busy 2-core machine; the registry waits meanwhile).

SQLite rebuilds the table for it, which its municipality-name triggers (migration 0007) do not
survive: they are dropped before and created again after, both ways."""

from importlib import import_module

import django.db.models.functions.text
from django.db import migrations, models

TRIGGERS = import_module("providers.migrations.0007_provider_municipality_name")


def sqlite_drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for name in TRIGGERS.SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}")


def sqlite_create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in TRIGGERS.SQLITE_CREATE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0010_provider_updated_index"),
    ]

    operations = [
        migrations.RunPython(sqlite_drop_triggers, sqlite_create_triggers),
        migrations.AddField(
            model_name="provider",
            name="search_text",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Upper(
                    django.db.models.functions.text.Concat(
                        "name",
                        models.Value("\x1f"),
                        "email",
                        models.Value("\x1f"),
                        "contact_name",
                        models.Value("\x1f"),
                        "city",
                        output_field=models.TextField(),
                    )
                ),
                output_field=models.TextField(),
                verbose_name="search text",
            ),
        ),
        migrations.RunPython(sqlite_create_triggers, sqlite_drop_triggers),
    ]
