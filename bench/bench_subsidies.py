"""Subsidies: matching pages, budgets, transparency and the digest, on a filled desk area.

Data: 2,000 active providers (Utrecht), 60 open schemes, 20 budgets with 300 allocations.
"""

import random
import time
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from bench.bench_home import bench_user
from bench.harness import Result, measure, measure_view, refresh_statistics
from providers.constants import ProviderKind, ProviderSource, ProviderStatus
from providers.models import Provider
from sportloket.models import Municipality, TargetGroup, Theme
from subsidies import selectors, services
from subsidies.constants import BudgetKind, Decision
from subsidies.models import Allocation, Budget, Scheme, SchemeShare

PROVIDERS, SCHEMES, BUDGETS, ALLOCATIONS = 2000, 60, 20, 300
PREFIX = "Bench-subsidies"


def _fill(user) -> None:
    rng = random.Random(7)
    Allocation.objects.filter(budget__name__startswith=PREFIX).delete()
    Budget.objects.filter(name__startswith=PREFIX).delete()
    Scheme.objects.filter(name__startswith=PREFIX).delete()
    Provider.objects.filter(name__startswith=PREFIX).delete()
    utrecht = Municipality.objects.get(cbs_code="GM0344")
    groups = list(TargetGroup.objects.all())
    themes = list(Theme.objects.filter(kind="sportakkoord"))
    kinds = list(ProviderKind.values)
    providers = Provider.objects.bulk_create(
        [
            Provider(
                kind=rng.choice(kinds),
                name=f"{PREFIX} {i:05d}",
                municipality=utrecht,
                email=f"bench{i}@aanbieder.example",
                status=ProviderStatus.ACTIVE,
                source=ProviderSource.IMPORT,
            )
            for i in range(PROVIDERS)
        ],
        batch_size=500,
    )
    through = Provider.target_groups.through
    through.objects.bulk_create(
        [
            through(provider_id=p.pk, targetgroup_id=g.pk)
            for p in providers
            for g in rng.sample(groups, rng.randint(0, 3))
        ],
        batch_size=1000,
    )
    for i in range(SCHEMES):
        scheme = Scheme.objects.create(
            name=f"{PREFIX} regeling {i}",
            funder="Bench",
            for_clubs=True,
            for_entrepreneurs=i % 3 != 0,
            for_other=i % 2 == 0,
        )
        scheme.target_groups.set(rng.sample(groups, rng.randint(0, 2)))
        scheme.themes.set(rng.sample(themes, rng.randint(0, 2)))
    budgets = [
        Budget.objects.create(
            desk=user.staff_profile.desk,
            year=2026,
            kind=BudgetKind.EXECUTION,
            name=f"{PREFIX} {i}",
            total=Decimal("100000.00"),
        )
        for i in range(BUDGETS)
    ]
    Allocation.objects.bulk_create(
        [
            Allocation(
                budget=rng.choice(budgets),
                provider=rng.choice(providers),
                amount=Decimal("10.00"),
                decision=Decision.REJECTED,
                rationale="Benchmark",
                decided_by=user,
                decided_on="2026-01-15",
            )
            for _ in range(ALLOCATIONS)
        ]
    )


def run(*, fill: bool) -> list[Result]:
    user = bench_user()
    if fill or not Provider.objects.filter(name__startswith=PREFIX).exists():
        _fill(user)
        refresh_statistics()
    data = f"{PROVIDERS} prov/{SCHEMES} sch"
    client = Client()
    client.force_login(user)
    provider = Provider.objects.filter(name__startswith=PREFIX).first()
    scheme = Scheme.objects.filter(name__startswith=PREFIX).order_by("pk").first()
    results = []
    for name, url, budget_ms in [
        ("schemes list", "/subsidies/regelingen/", 150),
        ("schemes of one provider", f"/subsidies/aanbieders/{provider.pk}/", 150),
        ("providers of one scheme (+share form)", f"/subsidies/regelingen/{scheme.pk}/", 100),
        ("budgets list", "/subsidies/budgetten/", 150),
        (
            "transparency desk/year",
            f"/subsidies/transparantie/{user.staff_profile.desk_id}/2026/",
            300,
        ),
    ]:
        median, p95, queries = measure_view(client, url, repeat=10)
        results.append(Result(name, data, median, p95, queries, budget_ms=budget_ms))
    if not Scheme.objects.filter(name__startswith=PREFIX, shares__isnull=False).exists():
        start = time.perf_counter()
        sent = services.digest_send()
        first = (time.perf_counter() - start) * 1000
        results.append(Result(f"digest first run ({sent} e-mails)", data, first, first, 0))
    recipients = f"{selectors.digest_recipients().count()} recipients"
    median, p95, queries = measure(services.digest_send, repeat=5, warmup=1)
    results.append(Result("digest, nothing new", recipients, median, p95, queries, budget_ms=1000))
    year = timezone.localdate().year
    shares = f"{SchemeShare.objects.filter(shared_at__year=year).count()} shares"
    median, p95, queries = measure(lambda: selectors.shares_per_municipality(year=year), repeat=20)
    results.append(
        Result("shares_per_municipality (guideline)", shares, median, p95, queries, budget_ms=20)
    )
    return results
