"""Measure views and functions: median and p95 server time, and SQL query count.

Every report row carries the trivial view's median from the same run, because absolute times
on shared machines drift; compare the two, not the number alone.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext


@dataclass
class Result:
    name: str
    data: str
    median_ms: float
    p95_ms: float
    queries: int
    budget_ms: float | None = None
    budget_queries: int | None = None

    @property
    def within_budget(self) -> bool:
        time_ok = self.budget_ms is None or self.median_ms <= self.budget_ms
        queries_ok = self.budget_queries is None or self.queries <= self.budget_queries
        return time_ok and queries_ok


def measure(
    fn: Callable[[], object], *, repeat: int = 30, warmup: int = 3
) -> tuple[float, float, int]:
    """Run ``fn`` and return (median ms, p95 ms, queries of the last run)."""
    for _ in range(warmup):
        fn()
    timings = []
    queries = 0
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            fn()
            timings.append((time.perf_counter() - start) * 1000)
        queries = len(ctx.captured_queries)
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], queries


def measure_view(
    client: Client, url: str, *, repeat: int = 30, expect: int = 200
) -> tuple[float, float, int]:
    """Time a GET through Django's full handler (middleware, view, template) in-process."""

    def get():
        response = client.get(url)
        if response.status_code != expect:
            raise AssertionError(f"{url} answered {response.status_code}, expected {expect}")
        return response

    return measure(get, repeat=repeat)


def refresh_statistics() -> None:
    """Fresh planner statistics after a bulk fill, as autovacuum or SQLite's PRAGMA optimize
    provide on a live database; without them the planner may pick a scan (seen: the desk
    quality page took 0.8 s right after a fill, 10 ms once analysed). On PostgreSQL VACUUM
    also sets the visibility map that index-only counts need; it must run outside a
    transaction."""
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def trivial_floor(repeat: int = 200) -> float:
    return measure_view(Client(), "/bench/trivial/", repeat=repeat)[0]


def print_table(results: list[Result], floor_ms: float) -> None:
    header = (
        f"{'benchmark':44} {'data':>18} {'median ms':>10} {'p95 ms':>8} {'queries':>8} "
        f"{'budget':>14}"
    )
    print(f"\ntrivial view (floor, same run): median {floor_ms:.2f} ms\n")
    print(header)
    print("-" * len(header))
    for r in results:
        budget = ""
        if r.budget_ms is not None:
            budget = f"≤{r.budget_ms:g} ms"
        if r.budget_queries is not None:
            budget += f" ≤{r.budget_queries}q"
        flag = "" if r.within_budget else "  OVER BUDGET"
        print(
            f"{r.name:44} {r.data:>18} {r.median_ms:10.2f} {r.p95_ms:8.2f} {r.queries:8d} "
            f"{budget:>14}{flag}"
        )
