"""Goal notices become once-only notices (``sportloket.models.OnceOnlyNotice``): a claim
written by the sweep, e-mailed by a separate send. Every existing row was claimed in the
transaction that queued its e-mail, so it is marked e-mailed at its claim time."""

from django.db import migrations, models


def mark_existing_sent(apps, schema_editor):
    GoalNotice = apps.get_model("network", "GoalNotice")
    GoalNotice.objects.filter(emailed_at__isnull=True).update(emailed_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("network", "0002_content_types"),
    ]

    operations = [
        migrations.AddField(
            model_name="goalnotice",
            name="claim",
            field=models.CharField(
                db_index=True, default="", max_length=32, verbose_name="claimed by sweep"
            ),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="goalnotice",
            name="closed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="closed unsent at"),
        ),
        migrations.AddField(
            model_name="goalnotice",
            name="emailed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="e-mail queued at"),
        ),
        migrations.AlterField(
            model_name="goalnotice",
            name="created_at",
            field=models.DateTimeField(verbose_name="created at"),
        ),
        migrations.RunPython(mark_existing_sent, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="goalnotice",
            index=models.Index(
                condition=models.Q(("closed_at__isnull", True), ("emailed_at__isnull", True)),
                fields=["created_at"],
                name="goal_notice_unsent",
            ),
        ),
    ]
