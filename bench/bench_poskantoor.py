"""The deadline sweep of POS offices over 342 current and 10,000 historical offices.

Two figures: the steady-state sweep (every notice already claimed: what most 15-minute ticks
do) and a first sweep that claims every due notice (measured inside a rolled-back
transaction so each repeat claims them all again; the send tasks are not part of it).
"""

from __future__ import annotations

import statistics
import time

from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bench.harness import Result, measure, refresh_statistics
from poskantoor import notices
from poskantoor.models import DeadlineNotice, PosOffice

BUDGET_MS = 1000


class _Rollback(Exception):
    pass


def _first_sweep(repeat: int = 10) -> tuple[float, float, int, int]:
    timings, queries, claimed = [], 0, 0
    for _ in range(repeat):
        try:
            with transaction.atomic():
                DeadlineNotice.objects.all().delete()
                with CaptureQueriesContext(connection) as ctx:
                    start = time.perf_counter()
                    result = notices.deadlines_sweep()
                    timings.append((time.perf_counter() - start) * 1000)
                queries, claimed = len(ctx.captured_queries), len(result.claimed)
                raise _Rollback
        except _Rollback:
            pass
    timings.sort()
    return statistics.median(timings), timings[-1], queries, claimed


def run(*, fill: bool) -> list[Result]:
    if fill or PosOffice.objects.count() < 10_342:
        call_command("poskantoor_fill", verbosity=0)
        refresh_statistics()
    offices = PosOffice.objects.count()
    data = f"{offices} offices"
    median, worst, queries, claimed = _first_sweep()
    notices.deadlines_sweep()  # claim everything once; later ticks find nothing new
    steady = measure(notices.deadlines_sweep, repeat=20)
    return [
        Result(
            f"deadline sweep, first run ({claimed} notices)",
            data,
            median,
            worst,
            queries,
            budget_ms=BUDGET_MS,
        ),
        Result("deadline sweep, steady state", data, *steady, budget_ms=BUDGET_MS),
    ]
