from django.db import migrations, models


class Migration(migrations.Migration):
    """The scheme digest looks up the providers changed since its last sweep by this index."""

    dependencies = [
        ("providers", "0006_registry_sort_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="provider",
            index=models.Index(fields=["updated_at"], name="provider_updated_idx"),
        ),
    ]
