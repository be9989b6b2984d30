"""The periodic tasks whose work could grow with all history, each with its own budget.

- The desk rollup refresh (beat, every 15 minutes) on the desk benchmark's questions
  (``--questions``, default 500,000): incremental after a realistic amount of change, with
  nothing changed, and the full rebuild (first run, a new week, ``manage.py
  desk_stats_rebuild``).
- The scheme digest (beat, weekly) on every provider of the benchmark database (the providers
  benchmark's 60,000 when it ran, which this module fills otherwise) and the subsidies
  benchmark's 60 open schemes: with nothing new, with nothing new as a full sweep (how every
  run worked before the digest kept a mark), and with 25 new providers.

The deadline sweep of the POS offices has its budget in ``bench_poskantoor``.
"""

from __future__ import annotations

import datetime as dt
import random
import statistics
import time
from collections.abc import Callable

from django.core.management import call_command
from django.db import connection
from django.db.models import Case, F, Value, When
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import bench_desk, bench_providers, bench_subsidies
from bench.bench_home import bench_user
from bench.harness import Result
from meetings.models import QuestionWeekStat, SupportRequest
from meetings.support import services as desk_services
from meetings.support.constants import SupportStatus
from providers.constants import ProviderKind, ProviderSource, ProviderStatus
from providers.models import Provider
from sportloket.models import Desk, Municipality, TargetGroup
from subsidies import selectors as subsidies_selectors
from subsidies import services as subsidies_services
from subsidies.models import DigestMark

# Questions changed since the previous refresh: new ones and status changes of open ones
# (received in the last weeks), and a few older ones (closed, reopened, re-categorised). With
# the overlap of 10 minutes a refresh sees about 25 minutes of a busy desk's work.
CHANGED_RECENT, CHANGED_OLDER = 40, 10
NEW_PROVIDERS = 25
STATUS_SWAPS = {
    SupportStatus.NEW: SupportStatus.TRIAGED,
    SupportStatus.TRIAGED: SupportStatus.NEW,
    SupportStatus.RESOLVED: SupportStatus.CLOSED,
    SupportStatus.CLOSED: SupportStatus.RESOLVED,
}

ROLLUP_INCREMENTAL_MS, ROLLUP_INCREMENTAL_QUERIES = 100, 10
ROLLUP_IDLE_MS, ROLLUP_IDLE_QUERIES = 20, 6
ROLLUP_FULL_MS = 2000
DIGEST_IDLE_MS, DIGEST_IDLE_QUERIES = 50, 10
DIGEST_NEW_MS = 1000


def _measure(
    name: str,
    data: str,
    fn: Callable[[], object],
    *,
    before: Callable[[], object] | None = None,
    repeat: int,
    budget_ms: float | None = None,
    budget_queries: int | None = None,
) -> Result:
    """Time ``fn`` ``repeat`` times, each run after an unmeasured ``before``: the median and
    p95 ms, the queries of the last run and the median CPU ms of this process."""
    timings, cpu, queries = [], [], 0
    for _ in range(repeat):
        if before is not None:
            before()
        with CaptureQueriesContext(connection) as ctx:
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        queries = len(ctx.captured_queries)
    timings.sort()
    p95 = timings[max(int(len(timings) * 0.95) - 1, 0)]
    return Result(
        name,
        data,
        statistics.median(timings),
        p95,
        queries,
        budget_ms,
        budget_queries,
        statistics.median(cpu),
    )


def _rollup_results() -> list[Result]:
    bench_desk.setup()
    call_command(
        "fill_support_requests",
        desk=bench_desk.DESK,
        count=bench_desk.QUESTIONS,
        providers="Benchmarkaanbieder",
        verbosity=0,
    )
    desk = Desk.objects.get(name=bench_desk.DESK)
    questions = SupportRequest.objects.filter(desk=desk).count()
    data = f"{questions:,} questions"
    window = desk_services.stats_window_start(timezone.localdate())
    start = timezone.make_aware(dt.datetime.combine(window, dt.time.min))
    recent = list(
        SupportRequest.objects.filter(desk=desk, is_open=True).values_list("pk", flat=True)[:5000]
    )
    older = list(
        SupportRequest.objects.filter(desk=desk, is_open=False, created_at__gte=start)
        .order_by("created_at")
        .values_list("pk", flat=True)[:: max(questions // 5000, 1)]
    )
    rng = random.Random(5)

    def change() -> None:
        """Each question to another status with the same openness (new and triaged, resolved
        and closed trade places; handed over, waiting and rejected stay), as a quarter of an
        hour's work moves them, so that counts change."""
        ids = rng.sample(recent, min(CHANGED_RECENT, len(recent)))
        ids += rng.sample(older, min(CHANGED_OLDER, len(older)))
        SupportRequest.objects.filter(pk__in=ids).update(
            status=Case(
                *(When(status=a, then=Value(b)) for a, b in STATUS_SWAPS.items()),
                default=F("status"),
            ),
            last_activity_at=timezone.now(),
        )

    results = [
        _measure(
            "desk rollup, full rebuild",
            data,
            lambda: desk_services.desk_stats_refresh(desk=desk, full=True),
            repeat=3,
            budget_ms=ROLLUP_FULL_MS,
        )
    ]
    rows = QuestionWeekStat.objects.filter(desk=desk).count()
    results[0].name += f" ({rows:,} rows)"
    # A refresh looks for changes from the previous one's start; the benchmark changes the
    # questions right before each run, so without the overlap it sees exactly those.
    overlap = desk_services.STATS_CHANGES_OVERLAP
    desk_services.STATS_CHANGES_OVERLAP = dt.timedelta(0)
    try:
        desk_services.desk_stats_refresh(desk=desk)
        written = []
        changed = _measure(
            f"desk rollup, {CHANGED_RECENT + CHANGED_OLDER} questions changed",
            data,
            lambda: written.append(desk_services.desk_stats_refresh(desk=desk)),
            before=change,
            repeat=15,
            budget_ms=ROLLUP_INCREMENTAL_MS,
            budget_queries=ROLLUP_INCREMENTAL_QUERIES,
        )
        changed.name += f" (~{statistics.median(written):.0f} rows written)"
        results.append(changed)
        results.append(
            _measure(
                "desk rollup, nothing changed",
                data,
                lambda: desk_services.desk_stats_refresh(desk=desk),
                repeat=15,
                budget_ms=ROLLUP_IDLE_MS,
                budget_queries=ROLLUP_IDLE_QUERIES,
            )
        )
    finally:
        desk_services.STATS_CHANGES_OVERLAP = overlap
    return results


def _new_providers(rng: random.Random, groups: list[int], utrecht: int) -> None:
    """Providers registered and confirmed since the last digest (in bulk: their
    ``updated_at`` is set as by the services)."""
    made = Provider.objects.bulk_create(
        Provider(
            kind=rng.choice(list(ProviderKind.values)),
            name=f"Bench-periodic {rng.random():.12f}",
            municipality_id=utrecht,
            email=f"periodiek{rng.randrange(10**9)}@aanbieder.example",
            status=ProviderStatus.ACTIVE,
            source=ProviderSource.IMPORT,
        )
        for _ in range(NEW_PROVIDERS)
    )
    Provider.target_groups.through.objects.bulk_create(
        Provider.target_groups.through(provider_id=p.pk, targetgroup_id=rng.choice(groups))
        for p in made
    )


def _digest_results() -> list[Result]:
    if Provider.objects.filter(email__endswith=bench_providers.BENCH_EMAIL).count() < (
        bench_providers.TOTAL
    ):
        bench_providers.fill()
    if not Provider.objects.filter(name__startswith=bench_subsidies.PREFIX).exists():
        bench_subsidies._fill(bench_user())
    results = []
    if not DigestMark.objects.exists():
        start = time.perf_counter()
        sent = subsidies_services.digest_send()
        first = (time.perf_counter() - start) * 1000
        results.append(
            Result(f"digest, first run ({sent:,} e-mails)", "", first, first, 0),
        )
    recipients = subsidies_selectors.digest_recipients().count()
    schemes = len(subsidies_selectors.open_schemes(on=timezone.localdate()))
    data = f"{recipients:,} prov/{schemes} sch"
    # A sweep looks for changes from the previous one's start (see the rollup above).
    overlap = subsidies_services.DIGEST_CHANGES_OVERLAP
    subsidies_services.DIGEST_CHANGES_OVERLAP = dt.timedelta(0)
    try:
        subsidies_services.digest_send()
        results.append(
            _measure(
                "digest, nothing new",
                data,
                subsidies_services.digest_send,
                repeat=10,
                budget_ms=DIGEST_IDLE_MS,
                budget_queries=DIGEST_IDLE_QUERIES,
            )
        )
        results.append(
            _measure(
                "digest, nothing new, full sweep (before)",
                data,
                lambda: subsidies_services.digest_send(full=True),
                repeat=3,
            )
        )
        rng = random.Random(11)
        groups = list(TargetGroup.objects.values_list("pk", flat=True))
        utrecht = Municipality.objects.get(cbs_code="GM0344").pk
        sent = []
        new = _measure(
            f"digest, {NEW_PROVIDERS} new providers",
            data,
            lambda: sent.append(subsidies_services.digest_send()),
            before=lambda: _new_providers(rng, groups, utrecht),
            repeat=5,
            budget_ms=DIGEST_NEW_MS,
        )
        new.name += f" ({statistics.median(sent):.0f} e-mails)"
        results.append(new)
    finally:
        subsidies_services.DIGEST_CHANGES_OVERLAP = overlap
    return results


def run(*, fill: bool) -> list[Result]:
    return _rollup_results() + _digest_results()
