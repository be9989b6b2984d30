"""Point the content types of the moved models at this app, so the audit trail
(``AuditEvent.content_type``), the admin's log and the permissions follow the rows.

Each model's row is renamed in place (its id stays, so nothing that points at it changes).
When no old row exists (a database that never had these models' content types), nothing is
done; when a row under the new label already exists as well (e.g. created by a ``migrate`` run
before this one), what points at the new row is moved to the old one, which is then renamed.
Reversible: the same rename in the other direction.
"""

from django.db import migrations

MOVED = {
    "sportloket": (
        "deskcriteriontick",
        "neighbourhoodsportcoach",
        "smartgoal",
        "goalprogress",
        "goalnotice",
    ),
    "meetings": ("signal",),
}
NEW = "network"


def _merge_permissions(apps, *, keep, drop) -> None:
    """Move the permissions of content type ``drop`` to ``keep``; where ``keep`` has a
    permission with the same codename, its users and groups get that one instead."""
    Permission = apps.get_model("auth", "Permission")
    kept = {p.codename: p for p in Permission.objects.filter(content_type=keep)}
    for permission in Permission.objects.filter(content_type=drop):
        twin = kept.get(permission.codename)
        if twin is None:
            permission.content_type = keep
            permission.save(update_fields=["content_type"])
            continue
        twin.group_set.add(*permission.group_set.all())
        twin.user_set.add(*permission.user_set.all())
        permission.delete()


def _rename(apps, schema_editor, *, to_new: bool) -> None:
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEvent = apps.get_model("sportloket", "AuditEvent")
    LogEntry = apps.get_model("admin", "LogEntry")
    db = schema_editor.connection.alias
    for old_label, models in MOVED.items():
        source, target = (old_label, NEW) if to_new else (NEW, old_label)
        for model in models:
            row = ContentType.objects.using(db).filter(app_label=source, model=model).first()
            if row is None:
                continue
            existing = ContentType.objects.using(db).filter(app_label=target, model=model).first()
            if existing is not None:
                AuditEvent.objects.using(db).filter(content_type=existing).update(content_type=row)
                LogEntry.objects.using(db).filter(content_type=existing).update(content_type=row)
                _merge_permissions(apps, keep=row, drop=existing)
                existing.delete()
            row.app_label = target
            row.save(update_fields=["app_label"])
    ContentType.objects.clear_cache()


def forwards(apps, schema_editor):
    _rename(apps, schema_editor, to_new=True)


def backwards(apps, schema_editor):
    _rename(apps, schema_editor, to_new=False)


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("sportloket", "0007_network_models_to_network_app"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
