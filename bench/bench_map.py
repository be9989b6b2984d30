"""The map of the municipalities: the SVG of all 342 (rows from the database and the drawing),
the staff map with a cold and a warm cache, and the public map page.

Reuses ``poskantoor_fill`` (342 current + 10,000 historical offices); every tenth current
office is made public for the public map. Budget: the SVG of all 342 municipalities ≤ 100 ms
median with a constant number of queries (2), also with an empty cache.
"""

from __future__ import annotations

from django.core.cache import cache
from django.core.management import call_command
from django.test import Client

from bench import harness
from bench.harness import Result, measure, measure_view, refresh_statistics
from poskantoor.models import PosOffice
from reports.maps.selectors import public_map_rows, staff_map_rows
from reports.maps.svg import cached_draw, draw

BUDGET_MS = 100
BUDGET_QUERIES = 2


def _staff_svg(*, cold: bool) -> str:
    if cold:
        cache.clear()
    rows = staff_map_rows()
    return cached_draw(areas=[row.area() for row in rows], title="Kaart", prefix="bench")


def run(*, fill: bool) -> list[Result]:
    if fill or PosOffice.objects.count() < 10_342:
        call_command("poskantoor_fill", verbosity=0)
        refresh_statistics()
    current = PosOffice.objects.exclude(status="stopped").order_by("pk")
    public = list(current.values_list("pk", flat=True)[::10])
    PosOffice.objects.filter(pk__in=public).update(is_public=True)
    data = f"{PosOffice.objects.count()} offices, 342 municipalities"
    rows = staff_map_rows()
    areas = [row.area() for row in rows]

    def result(label, fn, budget_queries, data=data):
        median, p95, queries = measure(fn)
        return Result(
            label,
            data,
            median,
            p95,
            queries,
            BUDGET_MS,
            budget_queries,
            cpu_ms=harness.last_cpu_ms,
        )

    results = [
        result(
            "map SVG of all municipalities, drawing only",
            lambda: draw(areas=areas, title="Kaart", prefix="bench"),
            0,
        ),
        result(
            "map SVG of all municipalities, empty cache",
            lambda: _staff_svg(cold=True),
            BUDGET_QUERIES,
        ),
        result(
            "map SVG of all municipalities, cached",
            lambda: _staff_svg(cold=False),
            BUDGET_QUERIES,
        ),
        result("public map rows", public_map_rows, 3, data=f"{len(public)} public offices"),
    ]
    median, p95, queries = measure_view(Client(), "/pos-kantoren/kaart/")
    results.append(
        Result(
            "public map page",
            f"{len(public)} public offices",
            median,
            p95,
            queries,
            BUDGET_MS,
            cpu_ms=harness.last_cpu_ms,
        )
    )
    return results
