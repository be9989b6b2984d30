"""Measure views and functions: median and p95 server time, and SQL query count.

Every report row carries the trivial view's median from the same run, because absolute times
on shared machines drift; compare the two, not the number alone. The median CPU time of this
process (Python: middleware, view, template; not the database server's) is reported too: on a
busy machine it moves much less than the wall-clock time.
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
    cpu_ms: float | None = None

    @property
    def within_budget(self) -> bool:
        time_ok = self.budget_ms is None or self.median_ms <= self.budget_ms
        queries_ok = self.budget_queries is None or self.queries <= self.budget_queries
        return time_ok and queries_ok


# The median CPU time of the last ``measure`` call (see the module's docstring).
last_cpu_ms: float | None = None


def measure(
    fn: Callable[[], object], *, repeat: int = 30, warmup: int = 3
) -> tuple[float, float, int]:
    """Run ``fn`` and return (median ms, p95 ms, queries of the last run); the median CPU ms
    is left in ``last_cpu_ms``."""
    global last_cpu_ms  # noqa: PLW0603 - a side result, read right after the call
    for _ in range(warmup):
        fn()
    timings, cpu = [], []
    queries = 0
    for _ in range(repeat):
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
        queries = len(ctx.captured_queries)
    timings.sort()
    last_cpu_ms = statistics.median(cpu)
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
        f"{'benchmark':44} {'data':>18} {'median ms':>10} {'p95 ms':>8} {'cpu ms':>7} "
        f"{'queries':>8} {'budget':>14}"
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
        cpu = "" if r.cpu_ms is None else f"{r.cpu_ms:.2f}"
        print(
            f"{r.name:44} {r.data:>18} {r.median_ms:10.2f} {r.p95_ms:8.2f} {cpu:>7} "
            f"{r.queries:8d} {budget:>14}{flag}"
        )
