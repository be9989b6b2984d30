"""Fill many support questions for benchmarks: ``manage.py fill_support_requests --count 500000``.

The data looks like a desk that has worked for years: most questions closed, a few percent open
(of which some overdue), received over ``--years`` years, spread over the desk's providers,
categories and supporters. No timeline events (the board does not read them).

On PostgreSQL the rows are generated in the database, set-based (``INSERT … SELECT`` over
``generate_series``, ``--chunk`` rows per statement): 5,000,000 questions in minutes. On SQLite
(development) they go in with ``bulk_create`` in batches.
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
# Per 1,000 questions: about 4 % open, as in a desk's history of several years.
STATUS_WEIGHTS = [
    (SupportStatus.CLOSED, 860),
    (SupportStatus.RESOLVED, 70),
    (SupportStatus.REJECTED, 30),
    (SupportStatus.NEW, 12),
    (SupportStatus.TRIAGED, 15),
    (SupportStatus.HANDED_OVER, 5),
    (SupportStatus.WAITING_FOR_PROVIDER, 8),
]
# An open question was received in the last OPEN_DAYS days; its deadline is ten days later,
# so some are overdue.
OPEN_DAYS = 30
RESPONSE_DAYS = 10
REBUILD_INDEXES_FROM = 1_000_000


class Command(BaseCommand):
    help = "Fill support questions for benchmarks (idempotent up to --count per desk)."

    def add_arguments(self, parser):
        parser.add_argument("--desk", required=True, help="desk name")
        parser.add_argument("--count", type=int, default=500_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--years", type=int, default=5, help="history received over")
        parser.add_argument("--chunk", type=int, default=250_000, help="rows per statement")
        parser.add_argument(
            "--providers", default="", help="only providers whose name starts with this"
        )

    def handle(self, *args, desk, count, seed, years, chunk, **options):
        desk = Desk.objects.get(name=desk)
        existing = SupportRequest.objects.filter(desk=desk).count()
        missing = count - existing
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
        pools = {
            "providers": providers,
            "categories": list(QuestionCategory.objects.values_list("pk", flat=True)),
            "staff": list(
                desk.staff.filter(role=Role.CLUB_SUPPORTER).values_list("user_id", flat=True)
            ),
            "organisations": list(desk.partners.values_list("pk", flat=True)),
        }
        fill = self._fill_sql if connection.vendor == "postgresql" else self._fill_python
        fill(
            desk=desk, start=existing, missing=missing, seed=seed, years=years, chunk=chunk, **pools
        )
        # Fresh planner statistics, so the database picks the composite indexes.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {SupportRequest._meta.db_table}")

    def _fill_python(
        self,
        *,
        desk,
        start,
        missing,
        seed,
        years,
        providers,
        categories,
        staff,
        organisations,
        **_ignored,
    ):
        rng = random.Random(seed + start)  # noqa: S311 - benchmark data, not secrets
        statuses = [s for s, _ in STATUS_WEIGHTS]
        weights = [w for _, w in STATUS_WEIGHTS]
        now = timezone.now()
        made = 0
        while made < missing:
            size = min(BATCH, missing - made)
            rows, received_at = [], []
            for status in rng.choices(statuses, weights, k=size):
                provider_id, municipality_id = rng.choice(providers)
                is_open = status in OPEN_STATUSES
                days = rng.uniform(0, OPEN_DAYS if is_open else 365 * years)
                received = now - dt.timedelta(days=days)
                received_at.append(received)
                rows.append(
                    SupportRequest(
                        desk=desk,
                        provider_id=provider_id,
                        municipality_id=municipality_id,
                        subject=f"Benchmarkvraag {start + made + len(rows)}",
                        question="Vraag",
                        category_id=rng.choice(categories) if categories else None,
                        channel=rng.choice(Channel.values),
                        status=status,
                        is_open=is_open,
                        clock_running=status in CLOCK_RUNNING_STATUSES,
                        priority=rng.randint(1, 4),
                        assignee_id=rng.choice(staff) if staff and rng.random() < 0.7 else None,
                        organisation_id=(
                            rng.choice(organisations)
                            if organisations and status == SupportStatus.HANDED_OVER
                            else None
                        ),
                        public_token=secrets.token_urlsafe(32),
                        deadline=timezone.localdate(received) + dt.timedelta(days=RESPONSE_DAYS),
                        first_response_at=None if status == SupportStatus.NEW else received,
                        last_activity_at=received + dt.timedelta(days=min(days / 2, 3)),
                    )
                )
            with transaction.atomic():
                created = SupportRequest.objects.bulk_create(rows, batch_size=BATCH)
                # created_at is auto_now_add: set the history's dates afterwards.
                for row, at in zip(created, received_at, strict=True):
                    row.created_at = at
                SupportRequest.objects.bulk_update(created, ["created_at"], batch_size=BATCH)
            made += size
            self.stdout.write(f"{made}/{missing}")

    def _fill_sql(
        self,
        *,
        desk,
        start,
        missing,
        seed,
        years,
        chunk,
        providers,
        categories,
        staff,
        organisations,
    ):
        """One ``INSERT … SELECT`` per chunk; every random choice is made by the database."""
        statuses = [str(s) for s, _ in STATUS_WEIGHTS]
        total = sum(w for _, w in STATUS_WEIGHTS)
        bounds, acc = [], 0
        for _status, weight in STATUS_WEIGHTS:
            acc += weight
            bounds.append(acc / total)
        status_case = (
            "CASE "
            + " ".join(
                f"WHEN rs < {bound!r} THEN '{status}'"
                for status, bound in zip(statuses, bounds, strict=True)
            )
            + f" ELSE '{statuses[0]}' END"
        )
        open_list = ", ".join(f"'{s}'" for s in sorted(OPEN_STATUSES))
        running_list = ", ".join(f"'{s}'" for s in sorted(CLOCK_RUNNING_STATUSES))
        table = SupportRequest._meta.db_table
        sql = f"""
            WITH r AS (
                SELECT g, random() AS rs, random() AS rp, random() AS rc, random() AS ra,
                       random() AS rw, random() AS rd, random() AS ro, random() AS rn,
                       random() AS rk
                FROM generate_series(%(first)s, %(last)s) AS g
            ), s AS (
                SELECT r.*, {status_case} AS status FROM r
            ), t AS (
                SELECT s.*, status IN ({open_list}) AS is_open,
                       status IN ({running_list}) AS clock_running,
                       %(now)s::timestamptz - make_interval(
                           secs => rd * 86400 * CASE WHEN status IN ({open_list})
                                                     THEN %(open_days)s
                                                     ELSE 365 * %(years)s END
                       ) AS received
                FROM s
            )
            INSERT INTO {table} (
                desk_id, provider_id, municipality_id, subject, question, category_id, channel,
                status, is_open, clock_running, priority, assignee_id, organisation_id,
                requester_name, requester_email, public_token, deadline, first_response_at,
                created_at, last_activity_at
            )
            SELECT %(desk)s,
                   (%(provider_ids)s::int[])[1 + floor(rp * %(n_providers)s)::int],
                   (%(municipality_ids)s::int[])[1 + floor(rp * %(n_providers)s)::int],
                   'Benchmarkvraag ' || g, 'Vraag',
                   (%(categories)s::int[])[1 + floor(rc * %(n_categories)s)::int],
                   (%(channels)s::text[])[1 + floor(rn * %(n_channels)s)::int],
                   status, is_open, clock_running, 1 + floor(rk * 4)::int,
                   CASE WHEN ra < 0.7 THEN (%(staff)s::int[])[1 + floor(rw * %(n_staff)s)::int] END,
                   CASE WHEN status = %(handed_over)s
                        THEN (%(organisations)s::int[])[1 + floor(ro * %(n_organisations)s)::int]
                   END,
                   '', '', md5(g::text || rw::text) || md5(rp::text || g::text),
                   (received AT TIME ZONE %(tz)s)::date + %(response_days)s,
                   CASE WHEN status <> %(new)s THEN received END,
                   received, received + least((%(now)s - received) / 2, interval '3 days')
            FROM t
        """  # noqa: S608 - the interpolated parts are this module's constants
        params = {
            "desk": desk.pk,
            "now": timezone.now(),
            "open_days": OPEN_DAYS,
            "years": years,
            "provider_ids": [p for p, _m in providers],
            "municipality_ids": [m for _p, m in providers],
            "n_providers": len(providers),
            "categories": categories,
            "n_categories": len(categories),
            "channels": list(Channel.values),
            "n_channels": len(Channel.values),
            "staff": staff,
            "n_staff": len(staff),
            "handed_over": str(SupportStatus.HANDED_OVER),
            "organisations": organisations,
            "n_organisations": len(organisations),
            "tz": timezone.get_current_timezone_name(),
            "response_days": RESPONSE_DAYS,
            "new": str(SupportStatus.NEW),
        }
        with connection.cursor() as cursor:
            cursor.execute("SELECT setseed(%s)", [((seed * 7919 + start) % 10_000) / 10_000])
            # Filling most of the table: building the secondary indexes afterwards, once, is
            # many times faster than keeping fifteen of them (one a full-text GIN) up to date
            # row by row.
            rebuild = missing >= REBUILD_INDEXES_FROM and missing > start
            indexes = self._drop_indexes(cursor, table) if rebuild else []
            made = 0
            try:
                while made < missing:
                    size = min(chunk, missing - made)
                    first = start + made
                    with transaction.atomic():
                        cursor.execute(sql, {**params, "first": first, "last": first + size - 1})
                    made += size
                    self.stdout.write(f"{made}/{missing}")
            finally:
                if indexes:
                    self.stdout.write(f"Building {len(indexes)} indexes…")
                    # Inside an outer transaction the rows' deferred foreign-key checks must
                    # run first: PostgreSQL builds no index on a table with pending ones.
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute("SET maintenance_work_mem = '256MB'")
                    for definition in indexes:
                        cursor.execute(definition)

    @staticmethod
    def _drop_indexes(cursor, table: str) -> list[str]:
        """Drop the table's indexes that back no constraint; return their definitions."""
        cursor.execute(
            """
            SELECT i.indexname, i.indexdef FROM pg_indexes i
            WHERE i.tablename = %s AND NOT EXISTS (
                SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname
            )
            """,
            [table],
        )
        rows = cursor.fetchall()
        for name, _definition in rows:
            cursor.execute(f'DROP INDEX "{name}"')
        return [definition for _name, definition in rows]
