"""Agreement notices become once-only notices (``sportloket.models.OnceOnlyNotice``).

An existing notice whose e-mail is in the outbox is marked e-mailed at its claim time; one
whose claim was written but whose e-mail never was (a worker died in between: the bug this
fixes) stays unsent, so the next sweep sends it.
"""

from django.db import migrations, models
from django.db.models.functions import Cast, Concat


def mark_queued_sent(apps, schema_editor):
    AgreementNotice = apps.get_model("meetings", "AgreementNotice")
    OutgoingEmail = apps.get_model("sportloket", "OutgoingEmail")
    queued = OutgoingEmail.objects.filter(
        key=Concat(
            models.Value("agreement-overdue:"),
            Cast(models.OuterRef("agreement_id"), models.CharField()),
        )
    )
    AgreementNotice.objects.filter(models.Exists(queued)).update(
        emailed_at=models.F("created_at")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("meetings", "0009_signal_to_network_app"),
        ("sportloket", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="agreementnotice",
            name="closed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="closed unsent at"),
        ),
        migrations.AddField(
            model_name="agreementnotice",
            name="emailed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="e-mail queued at"),
        ),
        migrations.RunPython(mark_queued_sent, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="agreementnotice",
            index=models.Index(
                condition=models.Q(("closed_at__isnull", True), ("emailed_at__isnull", True)),
                fields=["created_at"],
                name="agreement_notice_unsent",
            ),
        ),
    ]
