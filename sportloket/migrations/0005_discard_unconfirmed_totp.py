"""Apps being set up used to be database rows whose secret every session of the account was
shown until one confirmed it. Their secrets now live in the enrolling session only; the rows
left from before are discarded, so a key someone saw earlier can no longer be confirmed."""

from django.db import migrations


def discard_unconfirmed(apps, schema_editor):
    apps.get_model("otp_totp", "TOTPDevice").objects.filter(confirmed=False).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sportloket", "0004_recovery_codes"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(discard_unconfirmed, migrations.RunPython.noop)]
