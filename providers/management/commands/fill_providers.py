"""Fill many sport providers for benchmarks: ``manage.py fill_providers --count 600000``.

The rows look like a national registry: providers of every kind in every municipality, most
active, some pending or inactive, the social-safety basics in every state, two sports and one
target group each, and names that repeat (many clubs share a name such as "Sportaanbieder 00042
Noord"), so that sorting by name has ties. Every filled provider has an e-mail address ending in
``--email-suffix``: the fill tops up those providers to ``--count`` and never deletes.

The benchmarks that need providers of their own (a desk's, in its municipalities, under a name
of their own) call ``fill_providers`` with a municipality list, a name prefix and an e-mail
suffix of their own: one generator, one shape.

On PostgreSQL the rows are generated in the database, set-based (``INSERT … SELECT`` over
``generate_series``, ``--chunk`` rows per statement, the links in the same statement): 600,000
providers in minutes. On SQLite (development) they go in with ``bulk_create``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.db.models import CharField, F, QuerySet
from django.db.models.functions import Cast

from providers.constants import ProviderKind, ProviderSource, ProviderStatus, SafetyStatus
from providers.models import Provider
from sportloket.models import Municipality, Sport, TargetGroup

BATCH = 2_000
EMAIL_SUFFIX = "@bench.example"
NAME_PREFIX = "Sportaanbieder"
# Of every ten providers: eight active, one pending, one inactive.
STATUSES = [ProviderStatus.ACTIVE] * 8 + [ProviderStatus.PENDING, ProviderStatus.INACTIVE]
PLACES = ["Noord", "Zuid", "Oost"]
# Names repeat every NAME_CYCLE providers (a tie in the registry's sort by name).
NAME_CYCLE = 100_000
# A filled provider's KvK number is KVK_BASE + its id: unique over every fill, whatever its
# e-mail suffix, with no lookup of the numbers already taken.
KVK_BASE = 50_000_000


def provider_name(i: int, place: str, prefix: str = NAME_PREFIX) -> str:
    return f"{prefix} {i % NAME_CYCLE:05d} {place}"


def fill_providers(
    count: int,
    *,
    municipalities: Sequence[int] | None = None,
    name_prefix: str = NAME_PREFIX,
    email_suffix: str = EMAIL_SUFFIX,
    seed: int = 3,
    chunk: int = 100_000,
    progress: Callable[[str], object] | None = None,
) -> QuerySet[Provider]:
    """Top up the providers whose e-mail address ends in ``email_suffix`` to ``count`` and
    return them (a queryset). Each is in one of ``municipalities`` (primary keys; default:
    every municipality) and named ``<name_prefix> <number> <place>``, numbered on from the
    ones already there; idempotent, it never deletes. Each chunk is its own transaction (a
    savepoint inside the caller's); the tables are analysed afterwards."""
    progress = progress or (lambda _line: None)
    filled = Provider.objects.filter(email__endswith=email_suffix)
    existing = filled.count()
    missing = count - existing
    if missing <= 0:
        progress("Nothing to fill.")
        return filled
    if municipalities is None:
        municipalities = Municipality.objects.values_list("pk", flat=True)
    pools = {
        "municipalities": list(municipalities),
        "sports": list(Sport.objects.values_list("pk", flat=True)),
        "groups": list(TargetGroup.objects.values_list("pk", flat=True)),
    }
    if not all(pools.values()):
        raise CommandError("Municipalities, sports and target groups are needed first.")
    fill = _fill_sql if connection.vendor == "postgresql" else _fill_python
    fill(
        start=existing,
        missing=missing,
        seed=seed,
        chunk=chunk,
        prefix=name_prefix,
        suffix=email_suffix,
        progress=progress,
        **pools,
    )
    with connection.cursor() as cursor:
        for model in (Provider, Provider.sports.through, Provider.target_groups.through):
            cursor.execute(f"ANALYZE {model._meta.db_table}")
    return filled


class Command(BaseCommand):
    help = "Fill sport providers for benchmarks (idempotent up to --count filled providers)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=60_000)
        parser.add_argument("--seed", type=int, default=3)
        parser.add_argument("--chunk", type=int, default=100_000, help="rows per statement")
        parser.add_argument("--email-suffix", default=EMAIL_SUFFIX)

    def handle(self, *args, count, seed, chunk, email_suffix, **options):
        fill_providers(
            count, email_suffix=email_suffix, seed=seed, chunk=chunk, progress=self.stdout.write
        )


def _fill_python(
    *, start, missing, seed, prefix, suffix, progress, municipalities, sports, groups, **_
):
    rng = random.Random(seed + start)  # noqa: S311 - benchmark data, not secrets
    kinds = list(ProviderKind.values)
    safety = list(SafetyStatus.values)
    SportLink = Provider.sports.through
    GroupLink = Provider.target_groups.through
    with transaction.atomic():
        for first in range(start, start + missing, BATCH):
            batch = [
                Provider(
                    kind=rng.choice(kinds),
                    name=provider_name(i, rng.choice(PLACES), prefix),
                    municipality_id=rng.choice(municipalities),
                    postcode="3511 AB",
                    city="Utrecht",
                    contact_name=f"Contact {i}",
                    email=f"aanbieder{i}{suffix}",
                    status=rng.choice(STATUSES),
                    source=ProviderSource.IMPORT,
                    vog_status=rng.choice(safety),
                    vcp_status=rng.choice(safety),
                    code_of_conduct_status=rng.choice(safety),
                    trainer_qualification_status=rng.choice(safety),
                )
                for i in range(first, min(first + BATCH, start + missing))
            ]
            created = Provider.objects.bulk_create(batch)
            Provider.objects.filter(pk__in=[p.pk for p in created]).update(
                kvk_number=Cast(F("pk") + KVK_BASE, CharField())
            )
            SportLink.objects.bulk_create(
                SportLink(provider_id=p.pk, sport_id=s)
                for p in created
                for s in rng.sample(sports, min(2, len(sports)))
            )
            GroupLink.objects.bulk_create(
                GroupLink(provider_id=p.pk, targetgroup_id=rng.choice(groups)) for p in created
            )
    progress(f"{missing}/{missing}")


def _fill_sql(
    *, start, missing, seed, chunk, prefix, suffix, progress, municipalities, sports, groups
):
    """One statement per chunk: the providers and their sport and target-group links, every
    random choice made by the database."""
    table = Provider._meta.db_table
    sport_table = Provider.sports.through._meta.db_table
    group_table = Provider.target_groups.through._meta.db_table

    def pick(values: list[str], var: str) -> str:
        array = "ARRAY[" + ", ".join(f"'{v}'" for v in values) + "]"
        return f"({array})[1 + floor({var} * {len(values)})::int]"

    statuses = [str(s) for s in STATUSES]
    safety = [str(s) for s in SafetyStatus.values]
    sql = f"""
        WITH r AS (
            SELECT g, nextval(%(sequence)s::regclass) AS id,
                   random() AS rk, random() AS rm, random() AS rp, random() AS rs,
                   random() AS r1, random() AS r2, random() AS r3, random() AS r4,
                   random() AS ra, random() AS rb, random() AS rt
            FROM generate_series(%(first)s, %(last)s) AS g
        ), p AS (
            INSERT INTO {table} (
                id, kind, name, kvk_number, municipality_id, street, postcode, city,
                contact_name, email, phone, website, status, source,
                vog_status, vcp_status, code_of_conduct_status, trainer_qualification_status,
                elearning_status, created_at, updated_at
            )
            SELECT id, {pick(list(ProviderKind.values), "rk")},
                   %(prefix)s || ' ' || lpad((g %% {NAME_CYCLE})::text, 5, '0') || ' '
                       || {pick(PLACES, "rp")},
                   ({KVK_BASE} + id)::text,
                   (%(municipalities)s::bigint[])[1 + floor(rm * %(n_municipalities)s)::int],
                   '', '3511 AB', 'Utrecht', 'Contact ' || g,
                   'aanbieder' || g || %(suffix)s, '', '',
                   {pick(statuses, "rs")}, %(source)s,
                   {pick(safety, "r1")}, {pick(safety, "r2")}, {pick(safety, "r3")},
                   {pick(safety, "r4")}, %(not_met)s,
                   now() - make_interval(days => (g %% 3650)::int), now()
            FROM r
            RETURNING id
        ), numbered AS (
            SELECT id, row_number() OVER (ORDER BY id) AS n FROM p
        ), sport_links AS (
            INSERT INTO {sport_table} (provider_id, sport_id)
            SELECT DISTINCT numbered.id,
                   (%(sports)s::bigint[])[1 + ((n * k) %% %(n_sports)s)::int]
            FROM numbered CROSS JOIN (VALUES (1), (7)) AS two(k)
            RETURNING 1
        )
        INSERT INTO {group_table} (provider_id, targetgroup_id)
        SELECT id, (%(groups)s::bigint[])[1 + (n %% %(n_groups)s)::int] FROM numbered
    """  # noqa: S608 - the interpolated parts are this module's constants
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        (sequence,) = cursor.fetchone()
        params = {
            "sequence": sequence,
            "prefix": prefix,
            "municipalities": municipalities,
            "n_municipalities": len(municipalities),
            "sports": sports,
            "n_sports": len(sports),
            "groups": groups,
            "n_groups": len(groups),
            "suffix": suffix,
            "source": str(ProviderSource.IMPORT),
            "not_met": str(SafetyStatus.NOT_MET),
        }
        cursor.execute("SELECT setseed(%s)", [((seed * 7919 + start) % 10_000) / 10_000])
        insert_in_chunks(
            cursor, sql, params, start=start, missing=missing, chunk=chunk, progress=progress
        )


def insert_in_chunks(
    cursor,
    sql: str,
    params: dict,
    *,
    start: int,
    missing: int,
    chunk: int,
    progress: Callable[[str], object],
) -> None:
    """Run ``sql``, an ``INSERT … SELECT`` over ``generate_series(%(first)s, %(last)s)``, for
    the numbers ``start`` … ``start + missing - 1``, ``chunk`` numbers a statement, each
    statement in its own transaction (a savepoint inside the caller's)."""
    made = 0
    while made < missing:
        size = min(chunk, missing - made)
        first = start + made
        with transaction.atomic():
            cursor.execute(sql, {**params, "first": first, "last": first + size - 1})
        made += size
        progress(f"{made}/{missing}")
