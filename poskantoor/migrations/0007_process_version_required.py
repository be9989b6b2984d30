import django.db.models.deletion
from django.db import migrations, models

import poskantoor.models


class Migration(migrations.Migration):
    dependencies = [("poskantoor", "0006_process_version_1")]

    operations = [
        migrations.AlterField(
            model_name="posoffice",
            name="process_version",
            field=models.ForeignKey(
                default=poskantoor.models.latest_published_version_pk,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="offices",
                to="poskantoor.processversion",
                verbose_name="process version",
            ),
        ),
        migrations.AddConstraint(
            model_name='foundingstep',
            constraint=models.UniqueConstraint(condition=models.Q(('held_on__isnull', True)), fields=('office', 'code'), name='one_unheld_row_per_founding_step'),
        ),
        migrations.AddConstraint(
            model_name='foundingstep',
            constraint=models.CheckConstraint(condition=models.Q(('held_on__isnull', True), ('planned_on__isnull', True), ('held_on__gte', models.F('planned_on')), _connector='OR'), name='founding_step_held_after_planned'),
        ),
    ]
