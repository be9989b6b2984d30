"""The network's models (criterion ticks, coaches, SMART goals, progress, goal notices) moved to
the ``network`` app with their tables: state only, no SQL."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('sportloket', '0006_health_beat'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.RemoveField(
                    model_name='goalnotice',
                    name='goal',
                ),
                migrations.RemoveField(
                    model_name='goalprogress',
                    name='goal',
                ),
                migrations.RemoveField(
                    model_name='goalprogress',
                    name='recorded_by',
                ),
                migrations.RemoveField(
                    model_name='neighbourhoodsportcoach',
                    name='municipality',
                ),
                migrations.RemoveField(
                    model_name='neighbourhoodsportcoach',
                    name='target_groups',
                ),
                migrations.RemoveField(
                    model_name='smartgoal',
                    name='coach',
                ),
                migrations.RemoveField(
                    model_name='smartgoal',
                    name='created_by',
                ),
                migrations.DeleteModel(
                    name='DeskCriterionTick',
                ),
                migrations.DeleteModel(
                    name='GoalNotice',
                ),
                migrations.DeleteModel(
                    name='GoalProgress',
                ),
                migrations.DeleteModel(
                    name='NeighbourhoodSportCoach',
                ),
                migrations.DeleteModel(
                    name='SmartGoal',
                ),
            ],
        ),
    ]
