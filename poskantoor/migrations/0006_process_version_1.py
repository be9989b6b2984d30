"""Version 1 of the founding process: the handreiking's values as the product used them, and
every existing office and step moved onto it."""

from decimal import Decimal

from django.db import migrations
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

# (code, owner, amount, unit, counts_from, counts_from_moment, applies_to), seed 000 §6.
STEPS = [
    ("1", "municipality", 0, "", "", "held", "held"),
    # "POS plant binnen 2 weken een digitaal kennismakingsgesprek in, dit vindt binnen 1 maand
    # na aanmelding plaats"
    ("2a", "pos", 2, "weeks", "1", "held", "planned"),
    ("2b", "pos", 1, "months", "1", "held", "held"),
    # "Gemeente/sportbedrijf plant binnen 2 maanden na kennismaking een kartrekkersgesprek in"
    ("3", "municipality", 2, "months", "2b", "held", "planned"),
    # "Bij een 'GO' bereiden we binnen 3 maanden na het kartrekkersgesprek de eerste
    # startbijeenkomst ... voor"
    ("4", "core_group_pos", 3, "months", "3", "held", "planned"),
    # "De kerngroep volgt binnen 5 maanden na startbijeenkomst 3 startsessies"
    ("5", "facilitator", 5, "months", "4", "held", "held"),
    # "Kerngroep plant binnen 5 maanden na startbijeenkomst de tweede bijeenkomst ... in"
    ("6", "core_group_municipality", 5, "months", "4", "held", "planned"),
    ("7", "core_group_municipality", 0, "", "", "held", "held"),
]


def create_version_1(apps):
    """Version 1 with its step rules (also used by the tests after a database flush)."""
    ProcessVersion = apps.get_model("poskantoor", "ProcessVersion")
    ProcessStepRule = apps.get_model("poskantoor", "ProcessStepRule")
    version = ProcessVersion.objects.create(
        number=1,
        status="published",
        published_at=timezone.now(),
        note="Handreiking POS-kantoren: the founding steps, basic conditions and guideline.",
        professional_hours_per_week=Decimal(2),
        commitment_years=2,
        entrepreneurs=2,
        hours_per_enterprise=Decimal(2),
        meetings_per_year=3,
        social_domain_meetings_per_year=1,
        network_size=8,
    )
    for position, (code, owner, amount, unit, source, moment, applies_to) in enumerate(STEPS):
        ProcessStepRule.objects.create(
            version=version,
            code=code,
            position=position,
            owner=owner,
            amount=amount,
            unit=unit,
            counts_from=source,
            counts_from_moment=moment,
            applies_to=applies_to,
        )
    return version


def forwards(apps, schema_editor):
    PosOffice = apps.get_model("poskantoor", "PosOffice")
    FoundingStep = apps.get_model("poskantoor", "FoundingStep")
    version = create_version_1(apps)
    for code, owner, _amount, _unit, _source, _moment, applies_to in STEPS:
        FoundingStep.objects.filter(code=code).update(owner=owner, applies_to=applies_to)
    PosOffice.objects.update(process_version=version)
    # Until now a step had one date: the day it was completed. Step 2a ("POS schedules the
    # introduction call") was completed when the call was planned; the call was held at 2b.
    FoundingStep.objects.filter(completed_on__isnull=False).exclude(code="2a").update(
        planned_on=F("completed_on"), held_on=F("completed_on")
    )
    held_2b = FoundingStep.objects.filter(
        office=OuterRef("office"), code="2b", completed_on__isnull=False
    ).values("completed_on")[:1]
    FoundingStep.objects.filter(code="2a", completed_on__isnull=False).update(
        planned_on=F("completed_on"), held_on=Subquery(held_2b)
    )


def backwards(apps, schema_editor):
    apps.get_model("poskantoor", "PosOffice").objects.update(process_version=None)
    apps.get_model("poskantoor", "ProcessVersion").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("poskantoor", "0005_process_definition")]

    operations = [migrations.RunPython(forwards, backwards)]
