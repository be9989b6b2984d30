"""Drop ``share_reach_idx`` (provider kind, municipality, provider, shared at) on the shares.

It served the guideline count "entrepreneurs reached per municipality" as a GROUP BY over the
year's shares; that count now reads ``EntrepreneurReach`` (0009), and no query of the shares
starts with these columns any more. The index was kept up to date on every share inserted
(a million rows in the digest's first sweep over the country's providers) for nothing."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('subsidies', '0009_entrepreneur_reach'),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name='schemeshare',
            name='share_reach_idx',
        ),
    ]
