"""Fill many support questions for benchmarks: ``manage.py fill_support_requests --count 500000``.

The data looks like desks that have worked for years: most questions closed, a few percent open
(of which some overdue), received over ``--years`` years, spread over each desk's providers,
categories and supporters. No timeline events (the board does not read them).

The questions are spread over ``--desks`` desks (default 30) with a skew, as over the country's
desks: the named desk (the one a benchmark measures) gets the largest share, a few more desks
are big (city desks) and most are small — desk number *r* gets a share proportional to 1/r
(with 30 desks: 25 %, 12.5 %, 8.3 %, … 0.8 %). The other desks are made when missing
(``<desk> 02`` … ``<desk> 30``), each serving municipalities no desk serves yet, with their
own providers and two supporters. ``--count`` is the total over these desks, and a desk is
chosen per question at random by its share: the desks' questions are interleaved in the table
as they arrive in production. ``--desks 1`` puts every question in the named desk.

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
from django.utils.text import slugify

from meetings.models import SupportRequest
from meetings.support.constants import CLOCK_RUNNING_STATUSES, OPEN_STATUSES, Channel, SupportStatus
from providers.management.commands.fill_providers import fill_providers, insert_in_chunks
from providers.models import Provider
from sportloket.constants import Role
from sportloket.models import Desk, Municipality, QuestionCategory
from sportloket.services import staff_create

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
# The skew over desks: desk number r (the named desk is number 1) gets a share ∝ 1/r**SKEW.
SPREAD_DESKS = 30
SKEW = 1.0
# The other desks' providers (``fill_providers``, in the desk's municipalities: desk r gets
# 20 + 1000 // r named "Bench-loketaanbieder <r> …") and supporters.
SPREAD_PROVIDER_PREFIX = "Bench-loketaanbieder"
SPREAD_STAFF = 2


def desk_shares(desks: int) -> list[float]:
    """The share of the questions of desk number 1 … ``desks`` (largest first; sums to 1)."""
    weights = [1 / (rank**SKEW) for rank in range(1, desks + 1)]
    total = sum(weights)
    return [w / total for w in weights]


class Command(BaseCommand):
    help = (
        "Fill support questions for benchmarks over --desks desks, the named one the largest "
        "(idempotent up to --count in total over these desks)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--desk", required=True, help="desk name")
        parser.add_argument("--count", type=int, default=500_000, help="over all the desks")
        parser.add_argument(
            "--desks",
            type=int,
            default=SPREAD_DESKS,
            help="spread over this many desks, skewed, the named desk the largest (1: only it)",
        )
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--years", type=int, default=5, help="history received over")
        parser.add_argument("--chunk", type=int, default=250_000, help="rows per statement")
        parser.add_argument(
            "--providers", default="", help="only providers whose name starts with this"
        )

    def handle(self, *args, desk, count, seed, years, chunk, desks, **options):
        desk = Desk.objects.get(name=desk)
        if desks < 1:
            raise CommandError("--desks must be at least 1.")
        plan = [desk, *self._other_desks(desk, desks - 1)]
        existing = SupportRequest.objects.filter(desk__in=plan).count()
        missing = count - existing
        if missing <= 0:
            self.stdout.write("Nothing to fill.")
            return
        pools = [
            self._pools(
                each,
                share=share,
                prefix=options["providers"] if each == desk else SPREAD_PROVIDER_PREFIX,
            )
            for each, share in zip(plan, desk_shares(len(plan)), strict=True)
        ]
        if not pools[0]["providers"]:
            raise CommandError(f"No providers named {options['providers']!r}… in this desk's area.")
        fill = self._fill_sql if connection.vendor == "postgresql" else self._fill_python
        fill(start=existing, missing=missing, seed=seed, years=years, chunk=chunk, pools=pools)
        # Fresh planner statistics, so the database picks the composite indexes.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {SupportRequest._meta.db_table}")

    @staticmethod
    def _pools(desk, *, share: float, prefix: str) -> dict:
        """What a desk's questions are drawn from: its providers, staff and partners."""
        return {
            "desk": desk.pk,
            "share": share,
            "providers": list(
                Provider.objects.filter(municipality__desks=desk, name__startswith=prefix)
                .order_by("pk")
                .values_list("pk", "municipality_id")
            ),
            "staff": list(
                desk.staff.filter(role=Role.CLUB_SUPPORTER)
                .order_by("user_id")
                .values_list("user_id", flat=True)
            ),
            "organisations": list(desk.partners.order_by("pk").values_list("pk", flat=True)),
        }

    @staticmethod
    @transaction.atomic
    def _other_desks(desk, number: int) -> list:
        """Desks ``<desk> 02`` … (``number`` of them), made when missing: each serves
        municipalities no desk serves yet (the bigger desks more of them) and has its own
        providers and supporters."""
        names = [f"{desk.name} {rank:02}" for rank in range(2, number + 2)]
        found = {d.name: d for d in Desk.objects.filter(name__in=names)}
        if len(found) == number:
            return [found[name] for name in names]
        taken = set(desk.municipalities.values_list("pk", flat=True))
        free = list(
            Municipality.objects.filter(desks__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        ) or list(
            Municipality.objects.exclude(pk__in=taken).order_by("pk").values_list("pk", flat=True)
        )
        shares = desk_shares(number + 1)[1:]
        desks = []
        cursor = 0
        for rank, (name, share) in enumerate(zip(names, shares, strict=True), start=2):
            if name in found:
                desks.append(found[name])
                continue
            each = Desk.objects.create(name=name)
            # Municipalities in proportion to the desk's share, at least one.
            size = max(1, round(len(free) * share / sum(shares)))
            chosen = [free[(cursor + i) % len(free)] for i in range(size)] if free else []
            cursor += size
            each.municipalities.set(chosen)
            fill_providers(
                20 + 1000 // rank,
                municipalities=chosen,
                name_prefix=f"{SPREAD_PROVIDER_PREFIX} {rank:02}",
                email_suffix=f"@{slugify(name)}.bench.example",
                seed=rank,
            )
            for i in range(SPREAD_STAFF):
                staff_create(
                    username=f"bench-loket-{each.pk}-{i}",
                    email=f"bench-loket-{each.pk}-{i}@example.org",
                    password=None,
                    role=Role.CLUB_SUPPORTER,
                    desk=each,
                )
            desks.append(each)
        return desks

    def _fill_python(self, *, start, missing, seed, years, pools, **_ignored):
        rng = random.Random(seed + start)  # noqa: S311 - benchmark data, not secrets
        statuses = [s for s, _ in STATUS_WEIGHTS]
        weights = [w for _, w in STATUS_WEIGHTS]
        categories = list(QuestionCategory.objects.values_list("pk", flat=True))
        # A desk without providers gets no questions.
        pools = [pool for pool in pools if pool["providers"]]
        shares = [pool["share"] for pool in pools]
        now = timezone.now()
        made = 0
        while made < missing:
            size = min(BATCH, missing - made)
            rows, received_at = [], []
            for status, pool in zip(
                rng.choices(statuses, weights, k=size),
                rng.choices(pools, shares, k=size),
                strict=True,
            ):
                provider_id, municipality_id = rng.choice(pool["providers"])
                staff, organisations = pool["staff"], pool["organisations"]
                is_open = status in OPEN_STATUSES
                days = rng.uniform(0, OPEN_DAYS if is_open else 365 * years)
                received = now - dt.timedelta(days=days)
                received_at.append(received)
                rows.append(
                    SupportRequest(
                        desk_id=pool["desk"],
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

    @staticmethod
    def _flatten(pools: list[dict], key: str) -> tuple[list, list[int], list[int]]:
        """The pools' ``key`` lists as one array with each desk's offset and length in it: the
        database picks element ``offset + floor(random * length)`` of the chosen desk."""
        values, offsets, lengths = [], [], []
        for pool in pools:
            offsets.append(len(values))
            lengths.append(len(pool[key]))
            values.extend(pool[key])
        return values, offsets, lengths

    def _fill_sql(self, *, start, missing, seed, years, chunk, pools):
        """One ``INSERT … SELECT`` per chunk; every random choice, the desk included, is made
        by the database."""
        pools = [pool for pool in pools if pool["providers"]]
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
        # Desk number d (1-based) for a random number: width_bucket over the shares' running
        # sums (0, s1, s1+s2, …).
        desk_bounds, acc = [], 0.0
        for pool in pools:
            desk_bounds.append(acc)
            acc += pool["share"]
        providers, p_offsets, p_lengths = self._flatten(pools, "providers")
        staff, s_offsets, s_lengths = self._flatten(pools, "staff")
        organisations, o_offsets, o_lengths = self._flatten(pools, "organisations")
        categories = list(QuestionCategory.objects.values_list("pk", flat=True))
        open_list = ", ".join(f"'{s}'" for s in sorted(OPEN_STATUSES))
        running_list = ", ".join(f"'{s}'" for s in sorted(CLOCK_RUNNING_STATUSES))
        table = SupportRequest._meta.db_table
        sql = f"""
            WITH r AS (
                SELECT g, random() AS rs, random() AS rp, random() AS rc, random() AS ra,
                       random() AS rw, random() AS rd, random() AS ro, random() AS rn,
                       random() AS rk,
                       width_bucket(random(), %(desk_bounds)s::float8[]) AS d
                FROM generate_series(%(first)s, %(last)s) AS g
            ), s AS (
                SELECT r.*, {status_case} AS status,
                       (%(p_offsets)s::int[])[d] + 1
                           + floor(rp * (%(p_lengths)s::int[])[d])::int AS p,
                       CASE WHEN (%(s_lengths)s::int[])[d] > 0
                            THEN (%(s_offsets)s::int[])[d] + 1
                                 + floor(rw * (%(s_lengths)s::int[])[d])::int END AS w,
                       CASE WHEN (%(o_lengths)s::int[])[d] > 0
                            THEN (%(o_offsets)s::int[])[d] + 1
                                 + floor(ro * (%(o_lengths)s::int[])[d])::int END AS o
                FROM r
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
            SELECT (%(desks)s::int[])[d],
                   (%(provider_ids)s::int[])[p],
                   (%(municipality_ids)s::int[])[p],
                   'Benchmarkvraag ' || g, 'Vraag',
                   (%(categories)s::int[])[1 + floor(rc * %(n_categories)s)::int],
                   (%(channels)s::text[])[1 + floor(rn * %(n_channels)s)::int],
                   status, is_open, clock_running, 1 + floor(rk * 4)::int,
                   CASE WHEN ra < 0.7 THEN (%(staff)s::int[])[w] END,
                   CASE WHEN status = %(handed_over)s THEN (%(organisations)s::int[])[o] END,
                   '', '', md5(g::text || rw::text) || md5(rp::text || g::text),
                   (received AT TIME ZONE %(tz)s)::date + %(response_days)s,
                   CASE WHEN status <> %(new)s THEN received END,
                   received, received + least((%(now)s - received) / 2, interval '3 days')
            FROM t
        """  # noqa: S608 - the interpolated parts are this module's constants
        params = {
            "desks": [pool["desk"] for pool in pools],
            "desk_bounds": desk_bounds,
            "now": timezone.now(),
            "open_days": OPEN_DAYS,
            "years": years,
            "provider_ids": [p for p, _m in providers],
            "municipality_ids": [m for _p, m in providers],
            "p_offsets": p_offsets,
            "p_lengths": p_lengths,
            "categories": categories,
            "n_categories": len(categories),
            "channels": list(Channel.values),
            "n_channels": len(Channel.values),
            "staff": staff,
            "s_offsets": s_offsets,
            "s_lengths": s_lengths,
            "handed_over": str(SupportStatus.HANDED_OVER),
            "organisations": organisations,
            "o_offsets": o_offsets,
            "o_lengths": o_lengths,
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
            try:
                insert_in_chunks(
                    cursor,
                    sql,
                    params,
                    start=start,
                    missing=missing,
                    chunk=chunk,
                    progress=self.stdout.write,
                )
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
        """Drop the table's indexes that back no constraint; return the statements that make
        them again (their definitions, and the statistics targets set on their columns)."""
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
        cursor.execute(
            """
            SELECT c.relname, a.attnum, a.attstattarget FROM pg_attribute a
            JOIN pg_class c ON c.oid = a.attrelid JOIN pg_index x ON x.indexrelid = c.oid
            WHERE x.indrelid = %s::regclass AND a.attstattarget >= 0
            """,
            [table],
        )
        targets = cursor.fetchall()
        for name, _definition in rows:
            cursor.execute(f'DROP INDEX "{name}"')
        dropped = {name for name, _definition in rows}
        return [definition for _name, definition in rows] + [
            f'ALTER INDEX "{name}" ALTER COLUMN {number} SET STATISTICS {target}'
            for name, number, target in targets
            if name in dropped
        ]
