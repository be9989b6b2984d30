"""Share counts per scheme (``SchemeShareTally``) for the schemes list, and an index for the
newest shares of one scheme (the "shared with" list on a scheme's page).

``SchemeShareTally`` serves ``selectors.scheme_list``: one row per scheme instead of counting
every share of every scheme on each request. ``share_scheme_newest_idx`` (scheme, shared_at
DESC, id DESC) serves ``selectors.shares_for_scheme``: its ORDER BY … LIMIT 50 reads from this
scheme's end of the index instead of walking all shares by date. The backfill counts the
existing shares a few schemes at a time (each statement bounded by those schemes' shares).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count

BATCH = 20


def backfill(apps, schema_editor):
    Scheme = apps.get_model("subsidies", "Scheme")
    SchemeShare = apps.get_model("subsidies", "SchemeShare")
    SchemeShareTally = apps.get_model("subsidies", "SchemeShareTally")
    scheme_ids = list(Scheme.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(scheme_ids), BATCH):
        counts = (
            SchemeShare.objects.filter(scheme_id__in=scheme_ids[start : start + BATCH])
            .order_by()
            .values("scheme_id")
            .annotate(n=Count("pk"))
            .values_list("scheme_id", "n")
        )
        SchemeShareTally.objects.bulk_create(
            [SchemeShareTally(scheme_id=pk, shares=n) for pk, n in counts],
            update_conflicts=True,
            unique_fields=["scheme"],
            update_fields=["shares"],
        )


class Migration(migrations.Migration):

    dependencies = [
        ('providers', '0010_provider_updated_index'),
        ('sportloket', '0010_outbox_render_in_worker'),
        ('subsidies', '0007_digest_mark'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='SchemeShareTally',
            fields=[
                ('scheme', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='share_tally', serialize=False, to='subsidies.scheme', verbose_name='scheme')),
                ('shares', models.PositiveIntegerField(default=0, verbose_name='shares')),
            ],
            options={
                'verbose_name': 'share count of a scheme',
                'verbose_name_plural': 'share counts of schemes',
            },
        ),
        migrations.AddIndex(
            model_name='schemeshare',
            index=models.Index(fields=['scheme', '-shared_at', '-id'], name='share_scheme_newest_idx'),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
