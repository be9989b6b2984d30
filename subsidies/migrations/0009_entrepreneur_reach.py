"""The entrepreneurs reached per year and municipality (``EntrepreneurReach``): the guideline
count ``selectors.shares_per_municipality`` groups one row per entrepreneur reached instead of
every share of the year. The unique index (year, municipality, provider) serves that GROUP BY
and the ON CONFLICT DO NOTHING of the services that insert shares. The backfill derives the
rows from the existing shares a range of providers at a time."""

import django.db.models.deletion
from django.db import migrations, models


from django.db.models import Max
from django.db.models.functions import ExtractYear

PROVIDERS_PER_BATCH = 5000


def backfill(apps, schema_editor):
    SchemeShare = apps.get_model("subsidies", "SchemeShare")
    EntrepreneurReach = apps.get_model("subsidies", "EntrepreneurReach")
    last = SchemeShare.objects.aggregate(last=Max("provider_id"))["last"] or 0
    for start in range(0, last + 1, PROVIDERS_PER_BATCH):
        reached = (
            SchemeShare.objects.filter(
                provider_kind="entrepreneur",
                municipality__isnull=False,
                provider_id__gte=start,
                provider_id__lt=start + PROVIDERS_PER_BATCH,
            )
            .annotate(year=ExtractYear("shared_at"))
            .order_by()
            .values_list("year", "municipality_id", "provider_id")
            .distinct()
        )
        EntrepreneurReach.objects.bulk_create(
            [EntrepreneurReach(year=y, municipality_id=m, provider_id=p) for y, m, p in reached],
            batch_size=1000,
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("providers", "0010_provider_updated_index"),
        ("sportloket", "0010_outbox_render_in_worker"),
        ("subsidies", "0008_share_tally"),
    ]

    operations = [
        migrations.CreateModel(
            name="EntrepreneurReach",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                (
                    "municipality",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="sportloket.municipality",
                        verbose_name="municipality",
                    ),
                ),
                (
                    "provider",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="providers.provider",
                        verbose_name="sport provider",
                    ),
                ),
            ],
            options={
                "verbose_name": "entrepreneur reached",
                "verbose_name_plural": "entrepreneurs reached",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("year", "municipality", "provider"),
                        name="unique_entrepreneur_reach",
                    )
                ],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
