"""Benchmark data: an office in a random step for every municipality and 10,000 historical
(stopped) offices with their steps. Bulk inserts in batches; run on an empty benchmark
database (``python -m bench poskantoor --fill`` does)."""

from __future__ import annotations

import datetime as dt
import random

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from poskantoor.constants import STEP_SEQUENCE, Decision, Moment, OfficeStatus, StepCode
from poskantoor.deadlines import ProcessRules
from poskantoor.models import DeadlineNotice, FoundingStep, PosOffice, latest_published_version_pk
from poskantoor.process import version_rules
from sportloket.models import Municipality

BATCH = 2000


def _steps_for(
    office: PosOffice, rules: ProcessRules, reached: int, today: dt.date, rng: random.Random
):
    """Rows of all steps, the first ``reached`` planned and held on plausible past dates."""
    rows: list[FoundingStep] = []
    held: dict[str, dt.date] = {}
    day = office.registered_on
    for index, rule in enumerate(rules.steps):
        code = rule.code
        row = FoundingStep(
            office=office,
            code=code,
            position=rule.position,
            attempt=1,
            owner=rule.owner,
            applies_to=rule.applies_to,
        )
        if rule.counts_from in held:
            row.due_date = rules.due_date(code, held[rule.counts_from])
        if index < reached and code != StepCode.FOLLOW_UP:
            row.planned_on = day
            day = min(day + dt.timedelta(days=rng.randint(0, 40)), today)
            row.held_on = day
            row.completed_on = row.planned_on if rule.applies_to == Moment.PLANNED else day
            held[code] = day
            if code == StepCode.KARTREKKERS:
                row.decision = Decision.GO
        rows.append(row)
    return rows


class Command(BaseCommand):
    help = "Fill the database with an office per municipality and 10,000 historical offices."

    def add_arguments(self, parser):
        parser.add_argument("--historical", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=342)

    @transaction.atomic
    def handle(self, *args, historical: int, seed: int, **options):
        rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
        today = timezone.localdate()
        DeadlineNotice.objects.all().delete()
        PosOffice.objects.all().delete()
        municipalities = list(Municipality.objects.filter(active=True))
        version_id = latest_published_version_pk()
        rules = version_rules(version_id)
        offices = []
        for municipality in municipalities:
            reached = rng.randint(1, 7)
            status = (
                OfficeStatus.ACTIVE
                if reached == 7
                else OfficeStatus.FOUNDING
                if reached >= 4
                else OfficeStatus.ORIENTATION
            )
            offices.append(
                PosOffice(
                    municipality=municipality,
                    name=f"POS-kantoor {municipality.name}",
                    status=status,
                    current_step=STEP_SEQUENCE[reached],
                    process_version_id=version_id,
                    registered_on=today - dt.timedelta(days=rng.randint(0, 700)),
                )
            )
        for _ in range(historical):
            municipality = rng.choice(municipalities)
            registered = today - dt.timedelta(days=rng.randint(800, 4000))
            offices.append(
                PosOffice(
                    municipality=municipality,
                    name=f"POS-kantoor {municipality.name} (historisch)",
                    status=OfficeStatus.STOPPED,
                    current_step=StepCode.KARTREKKERS,
                    process_version_id=version_id,
                    registered_on=registered,
                    stopped_on=registered + dt.timedelta(days=200),
                    stop_reason="Historische gegevens",
                )
            )
        PosOffice.objects.bulk_create(offices, batch_size=BATCH)
        offices = list(PosOffice.objects.order_by("pk"))
        rows: list[FoundingStep] = []
        for office in offices:
            if office.status == OfficeStatus.STOPPED:
                reached = 3
            else:
                reached = STEP_SEQUENCE.index(office.current_step)
            rows.extend(_steps_for(office, rules, reached, today, rng))
            if len(rows) >= BATCH * 4:
                FoundingStep.objects.bulk_create(rows, batch_size=BATCH)
                rows = []
        FoundingStep.objects.bulk_create(rows, batch_size=BATCH)
        self.stdout.write(
            f"{len(municipalities)} current and {historical} historical POS offices, "
            f"{FoundingStep.objects.count()} steps."
        )
