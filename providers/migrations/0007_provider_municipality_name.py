"""The municipality's name on the provider row, for the registry's sort by municipality.

Sorted through the join, PostgreSQL sorted every provider of the scope for each page (5.7 s
at 600,000 providers); with the name on the row, an index on (municipality_name, name, id)
serves the sort and its pages by key like the other sorts (next migration: the existing rows
and the index, without holding the table).

The database keeps the copy, whatever writes the row (the ORM, ``bulk_create``, the import, the
set-based fill in SQL, a rename in the admin): triggers set it on every insert and on a change
of the provider's municipality, and copy a municipality's new name to its providers. A
municipality inserted after its providers in one transaction (the foreign keys are deferred)
gives them its name too.

SQLite drops a table's triggers when a migration rebuilds the table (Django does so for most
field changes): a later migration that rebuilds ``providers_provider`` or
``sportloket_municipality`` must create them again (``create_triggers`` below);
``tests/providers/test_registry_sort.py`` fails until it does.
"""

from django.db import migrations, models

POSTGRESQL_CREATE = """
CREATE FUNCTION providers_provider_municipality_name() RETURNS trigger AS $$
BEGIN
    NEW.municipality_name := COALESCE(
        (SELECT name FROM sportloket_municipality WHERE id = NEW.municipality_id), ''
    );
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER providers_provider_municipality_name
    BEFORE INSERT OR UPDATE OF municipality_id, municipality_name ON providers_provider
    FOR EACH ROW EXECUTE FUNCTION providers_provider_municipality_name();

CREATE FUNCTION providers_municipality_name() RETURNS trigger AS $$
BEGIN
    UPDATE providers_provider SET municipality_name = NEW.name
    WHERE municipality_id = NEW.id AND municipality_name <> NEW.name;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER providers_municipality_name
    AFTER INSERT OR UPDATE OF name ON sportloket_municipality
    FOR EACH ROW EXECUTE FUNCTION providers_municipality_name();
"""

POSTGRESQL_DROP = """
DROP TRIGGER providers_municipality_name ON sportloket_municipality;
DROP FUNCTION providers_municipality_name();
DROP TRIGGER providers_provider_municipality_name ON providers_provider;
DROP FUNCTION providers_provider_municipality_name();
"""

# SQLite's triggers cannot change the row being written (no BEFORE ... SET NEW): they update
# it right after. The guard keeps the update trigger from firing itself again.
SQLITE_NAME = "COALESCE((SELECT name FROM sportloket_municipality WHERE id = NEW.municipality_id), '')"
SQLITE_CREATE = [
    f"""
    CREATE TRIGGER providers_provider_municipality_name_insert
    AFTER INSERT ON providers_provider
    BEGIN
        UPDATE providers_provider SET municipality_name = {SQLITE_NAME} WHERE id = NEW.id;
    END
    """,
    f"""
    CREATE TRIGGER providers_provider_municipality_name_update
    AFTER UPDATE OF municipality_id, municipality_name ON providers_provider
    BEGIN
        UPDATE providers_provider SET municipality_name = {SQLITE_NAME}
        WHERE id = NEW.id AND municipality_name IS NOT {SQLITE_NAME};
    END
    """,
    """
    CREATE TRIGGER providers_municipality_name_insert
    AFTER INSERT ON sportloket_municipality
    BEGIN
        UPDATE providers_provider SET municipality_name = NEW.name
        WHERE municipality_id = NEW.id AND municipality_name <> NEW.name;
    END
    """,
    """
    CREATE TRIGGER providers_municipality_name_update
    AFTER UPDATE OF name ON sportloket_municipality
    BEGIN
        UPDATE providers_provider SET municipality_name = NEW.name
        WHERE municipality_id = NEW.id AND municipality_name <> NEW.name;
    END
    """,
]
SQLITE_TRIGGERS = (
    "providers_provider_municipality_name_insert",
    "providers_provider_municipality_name_update",
    "providers_municipality_name_insert",
    "providers_municipality_name_update",
)

def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_CREATE)
    else:
        for statement in SQLITE_CREATE:
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRESQL_DROP)
    else:
        for name in SQLITE_TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0006_registry_sort_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="provider",
            name="municipality_name",
            field=models.CharField(
                db_default="",
                editable=False,
                max_length=100,
                verbose_name="municipality name",
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
