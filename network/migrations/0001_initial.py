"""The models moved here from ``sportloket`` and ``meetings`` keep their tables
(``Meta.db_table``): state only, no SQL."""

import django.core.validators
import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('sportloket', '0007_network_models_to_network_app'),
        ('meetings', '0009_signal_to_network_app'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.CreateModel(
                    name='NeighbourhoodSportCoach',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('employer', models.CharField(max_length=200, verbose_name='employer')),
                        ('hours_per_week', models.DecimalField(decimal_places=1, max_digits=4, validators=[django.core.validators.MinValueValidator(Decimal('0.5')), django.core.validators.MaxValueValidator(Decimal('60'))], verbose_name='hours per week')),
                        ('neighbourhoods', models.CharField(max_length=300, verbose_name='neighbourhoods')),
                        ('email', models.EmailField(blank=True, max_length=254, verbose_name='e-mail')),
                        ('municipality', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='sport_coaches', to='sportloket.municipality', verbose_name='municipality')),
                        ('target_groups', models.ManyToManyField(blank=True, related_name='sport_coaches', to='sportloket.targetgroup', verbose_name='target groups')),
                    ],
                    options={
                        'verbose_name': 'neighbourhood sport coach',
                        'verbose_name_plural': 'neighbourhood sport coaches',
                        'db_table': 'sportloket_neighbourhoodsportcoach',
                        'ordering': ['name'],
                    },
                ),
                migrations.CreateModel(
                    name='SmartGoal',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('description', models.TextField(max_length=2000, verbose_name='specific description')),
                        ('indicator', models.CharField(max_length=200, verbose_name='indicator')),
                        ('baseline', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='baseline')),
                        ('target_value', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='target value')),
                        ('agreed_on', models.DateField(verbose_name='agreed on')),
                        ('deadline', models.DateField(verbose_name='deadline')),
                        ('measured_by', models.CharField(max_length=200, verbose_name='who measures')),
                        ('measure_every_months', models.PositiveSmallIntegerField(default=3, validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(24)], verbose_name='measure every (months)')),
                        ('coach', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='goals', to='network.neighbourhoodsportcoach', verbose_name='neighbourhood sport coach')),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
                    ],
                    options={
                        'verbose_name': 'SMART goal',
                        'verbose_name_plural': 'SMART goals',
                        'db_table': 'sportloket_smartgoal',
                        'ordering': ['deadline', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='GoalProgress',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('measured_on', models.DateField(verbose_name='measured on')),
                        ('value', models.DecimalField(decimal_places=2, max_digits=12, verbose_name='value')),
                        ('note', models.TextField(blank=True, max_length=2000, verbose_name='note')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='recorded at')),
                        ('recorded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
                        ('goal', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='progress', to='network.smartgoal', verbose_name='SMART goal')),
                    ],
                    options={
                        'verbose_name': 'progress entry',
                        'verbose_name_plural': 'progress entries',
                        'db_table': 'sportloket_goalprogress',
                        'ordering': ['-measured_on', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='GoalNotice',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('no_measurement', 'No measurement in the agreed period'), ('past_deadline', 'Past its deadline without reaching the target')], max_length=20, verbose_name='kind')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='sent at')),
                        ('goal', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notices', to='network.smartgoal', verbose_name='SMART goal')),
                    ],
                    options={
                        'verbose_name': 'goal notice',
                        'verbose_name_plural': 'goal notices',
                        'db_table': 'sportloket_goalnotice',
                    },
                ),
                migrations.CreateModel(
                    name='DeskCriterionTick',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('criterion', models.CharField(choices=[('recognised', 'Recognised as coordination point by providers (sport platform), municipality, federations and sportbedrijf'), ('proactive_contact', "Proactive contact with the area's providers"), ('budgets', 'Insight in execution budget, services budget and other funds'), ('quality_systems', 'Supporters take part in SPN, ASK, KSS or LAB'), ('network_overview', 'Overview of providers, supporters, organisations, federations and platforms'), ('declarations', 'Declaration of intent of all parties'), ('data_sharing', 'All parties contribute to sharing data and knowledge'), ('working_area', 'Working area agreed with federations and neighbouring municipalities'), ('transparent_decisions', 'Open and transparent decisions on support'), ('network_gatherings', 'Brings the local sport network together regularly, with the sport platform'), ('local_data', 'Collects local data on providers and shares it'), ('other_desks', 'Works with other desks on knowledge exchange'), ('cooperation', 'Stimulates cooperation between providers, supporters and other domains')], max_length=30, verbose_name='criterion')),
                        ('evidence', models.TextField(max_length=2000, verbose_name='evidence')),
                        ('ticked_on', models.DateField(verbose_name='date')),
                        ('desk', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='criterion_ticks', to='sportloket.desk', verbose_name='desk')),
                        ('ticked_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='by')),
                    ],
                    options={
                        'verbose_name': 'desk criterion tick',
                        'verbose_name_plural': 'desk criterion ticks',
                        'db_table': 'sportloket_deskcriteriontick',
                        'constraints': [models.UniqueConstraint(fields=('desk', 'criterion'), name='unique_desk_criterion')],
                    },
                ),
                migrations.CreateModel(
                    name='Signal',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('description', models.TextField(max_length=2000, verbose_name='description')),
                        ('source', models.CharField(choices=[('desk', 'Desk staff'), ('sport_platform', 'Sport platform / sport council'), ('municipality', 'Municipality'), ('providers', 'Providers'), ('other', 'Other')], max_length=20, verbose_name='source')),
                        ('recorded_on', models.DateField(verbose_name='date')),
                        ('desk', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='signals', to='sportloket.desk', verbose_name='desk')),
                        ('recorded_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by')),
                        ('theme', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='signals', to='sportloket.theme', verbose_name='theme')),
                    ],
                    options={
                        'verbose_name': 'signal',
                        'verbose_name_plural': 'signals',
                        'db_table': 'meetings_signal',
                        'ordering': ['-recorded_on', '-pk'],
                        'indexes': [models.Index(fields=['desk', '-recorded_on'], name='signal_desk_date')],
                    },
                ),
                migrations.AddConstraint(
                    model_name='smartgoal',
                    constraint=models.CheckConstraint(condition=models.Q(('deadline__gt', models.F('agreed_on'))), name='smart_goal_deadline_after_agreement', violation_error_message='The deadline must be after the date of agreement.'),
                ),
                migrations.AddConstraint(
                    model_name='smartgoal',
                    constraint=models.CheckConstraint(condition=models.Q(('target_value', models.F('baseline')), _negated=True), name='smart_goal_target_differs_from_baseline', violation_error_message='The target value must differ from the baseline.'),
                ),
                migrations.AddIndex(
                    model_name='goalprogress',
                    index=models.Index(fields=['goal', '-measured_on'], name='goal_progress_latest'),
                ),
                migrations.AddConstraint(
                    model_name='goalnotice',
                    constraint=models.UniqueConstraint(fields=('goal', 'kind'), name='unique_goal_notice'),
                ),
            ],
        ),
    ]
