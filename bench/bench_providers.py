"""The provider registry at 50,000 providers (issue #3): list page median server time and SQL
query count, for the page sizes users get. Budget: ≤ 20 ms median, ≤ 12 queries."""

from __future__ import annotations

import random

from django.db import transaction
from django.test import Client

from bench.bench_home import bench_user
from bench.harness import Result, measure_view, refresh_statistics
from providers.constants import ProviderKind, ProviderSource, ProviderStatus, SafetyStatus
from providers.models import Provider
from sportloket.models import Municipality, Sport, TargetGroup

TOTAL = 50_000
BATCH = 2_000
BUDGET_MS = 20
BUDGET_QUERIES = 12


BENCH_EMAIL = "@bench.example"


def fill() -> None:
    """Top up the benchmark's own providers to TOTAL, in bulk batches.

    Never deletes: other benchmarks (the desk's questions) may reference these providers.
    """
    rng = random.Random(3)  # noqa: S311 - benchmark data, not security
    municipalities = list(Municipality.objects.values_list("pk", flat=True))
    sports = list(Sport.objects.values_list("pk", flat=True))
    groups = list(TargetGroup.objects.values_list("pk", flat=True))
    kinds = list(ProviderKind.values)
    statuses = [ProviderStatus.ACTIVE] * 8 + [ProviderStatus.PENDING, ProviderStatus.INACTIVE]
    safety = list(SafetyStatus.values)
    SportLink = Provider.sports.through
    GroupLink = Provider.target_groups.through
    existing = Provider.objects.filter(email__endswith=BENCH_EMAIL).count()
    with transaction.atomic():
        for start in range(existing, TOTAL, BATCH):
            batch = [
                Provider(
                    kind=rng.choice(kinds),
                    name=f"Sportaanbieder {i:05d} {rng.choice(['Noord', 'Zuid', 'Oost'])}",
                    kvk_number=f"{50_000_000 + i}",
                    municipality_id=rng.choice(municipalities),
                    postcode="3511 AB",
                    city="Utrecht",
                    contact_name=f"Contact {i}",
                    email=f"aanbieder{i}{BENCH_EMAIL}",
                    status=rng.choice(statuses),
                    source=ProviderSource.IMPORT,
                    vog_status=rng.choice(safety),
                    vcp_status=rng.choice(safety),
                    code_of_conduct_status=rng.choice(safety),
                    trainer_qualification_status=rng.choice(safety),
                )
                for i in range(start, min(start + BATCH, TOTAL))
            ]
            created = Provider.objects.bulk_create(batch)
            SportLink.objects.bulk_create(
                SportLink(provider_id=p.pk, sport_id=s)
                for p in created
                for s in rng.sample(sports, 2)
            )
            GroupLink.objects.bulk_create(
                GroupLink(provider_id=p.pk, targetgroup_id=rng.choice(groups)) for p in created
            )
    refresh_statistics()


def run(*, fill: bool) -> list[Result]:
    if Provider.objects.filter(email__endswith=BENCH_EMAIL).count() < TOTAL:
        globals()["fill"]()
    client = Client()
    client.force_login(bench_user())
    data = f"{Provider.objects.count():,} providers"
    results = []
    for label, url in [
        ("provider registry, 25 per page", "/aanbieders/"),
        ("provider registry, 50 per page", "/aanbieders/?per_page=50"),
        (
            "provider registry, filtered + sorted",
            "/aanbieders/?status=active&kind=club&order=-name",
        ),
        ("provider registry, page 500", "/aanbieders/?page=500"),
    ]:
        median, p95, queries = measure_view(client, url)
        results.append(
            Result(
                label,
                data,
                median,
                p95,
                queries,
                budget_ms=BUDGET_MS,
                budget_queries=BUDGET_QUERIES,
            )
        )
    return results
