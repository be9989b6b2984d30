from django.db import migrations, models


class Migration(migrations.Migration):
    """The scheme digest looks up the providers changed since its last sweep by this index."""

    dependencies = [
        ("providers", "0009_provider_search_trigram_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="provider",
            index=models.Index(fields=["updated_at"], name="provider_updated_idx"),
        ),
    ]
