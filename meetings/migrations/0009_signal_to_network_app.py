"""``Signal`` moved to the ``network`` app with its table: state only, no SQL."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('meetings', '0008_support_request_desk_created'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(
                    name='Signal',
                ),
            ],
        ),
    ]
