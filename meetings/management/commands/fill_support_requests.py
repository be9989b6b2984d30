"""Fill many support questions for benchmarks: ``manage.py fill_support_requests --count 500000``.

Rows go in with bulk_create in batches; no timeline events (the board does not read them).
Most questions are closed, as in a desk that has worked for years.
"""

import datetime as dt
import random
import secrets

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from meetings.models import SupportRequest
from meetings.support.constants import CLOCK_RUNNING_STATUSES, OPEN_STATUSES, Channel, SupportStatus
from providers.models import Provider
from sportloket.constants import Role
from sportloket.models import Desk, QuestionCategory

BATCH = 10_000
STATUS_WEIGHTS = [
    (SupportStatus.CLOSED, 70),
    (SupportStatus.RESOLVED, 10),
    (SupportStatus.REJECTED, 3),
    (SupportStatus.NEW, 5),
    (SupportStatus.TRIAGED, 6),
    (SupportStatus.HANDED_OVER, 3),
    (SupportStatus.WAITING_FOR_PROVIDER, 3),
]


class Command(BaseCommand):
    help = "Fill support questions for benchmarks (idempotent up to --count per desk)."

    def add_arguments(self, parser):
        parser.add_argument("--desk", required=True, help="desk name")
        parser.add_argument("--count", type=int, default=500_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--providers", default="", help="only providers whose name starts with this"
        )

    def handle(self, *args, desk, count, seed, **options):
        rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
        desk = Desk.objects.get(name=desk)
        missing = count - SupportRequest.objects.filter(desk=desk).count()
        if missing <= 0:
            self.stdout.write("Nothing to fill.")
            return
        providers = list(
            Provider.objects.filter(
                municipality__desks=desk, name__startswith=options["providers"]
            ).values_list("pk", "municipality_id")
        )
        if not providers:
            raise CommandError(f"No providers named {options['providers']!r}… in this desk's area.")
        categories = list(QuestionCategory.objects.values_list("pk", flat=True))
        staff = list(desk.staff.filter(role=Role.CLUB_SUPPORTER).values_list("user_id", flat=True))
        organisations = list(desk.partners.values_list("pk", flat=True))
        statuses = [s for s, _ in STATUS_WEIGHTS]
        weights = [w for _, w in STATUS_WEIGHTS]
        today = timezone.localdate()
        made = 0
        while made < missing:
            size = min(BATCH, missing - made)
            rows = []
            for status in rng.choices(statuses, weights, k=size):
                provider_id, municipality_id = rng.choice(providers)
                rows.append(
                    SupportRequest(
                        desk=desk,
                        provider_id=provider_id,
                        municipality_id=municipality_id,
                        subject=f"Benchmarkvraag {made + len(rows)}",
                        question="Vraag",
                        category_id=rng.choice(categories),
                        channel=rng.choice(Channel.values),
                        status=status,
                        is_open=status in OPEN_STATUSES,
                        clock_running=status in CLOCK_RUNNING_STATUSES,
                        priority=rng.randint(1, 4),
                        assignee_id=rng.choice(staff) if staff and rng.random() < 0.7 else None,
                        organisation_id=(
                            rng.choice(organisations)
                            if organisations and status == SupportStatus.HANDED_OVER
                            else None
                        ),
                        public_token=secrets.token_urlsafe(32),
                        deadline=today + dt.timedelta(days=rng.randint(-900, 20)),
                    )
                )
            with transaction.atomic():
                SupportRequest.objects.bulk_create(rows, batch_size=BATCH)
            made += size
            self.stdout.write(f"{made}/{missing}")
        # Fresh planner statistics, so the database picks the composite indexes.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {SupportRequest._meta.db_table}")
