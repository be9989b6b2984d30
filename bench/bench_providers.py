"""The provider registry at 60,000 providers (``--providers N``: 600,000): list page median
server time and SQL query count, for the page sizes users get, a filtered and sorted list, every
sort, the text search (a word few providers have, and one a third of them have), and deep pages
by their links (by key) and by number (OFFSET, no budget). Budget: ≤ 20 ms median, ≤ 12
queries."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.core.management import call_command
from django.test import Client

from bench import harness
from bench.bench_home import bench_user
from bench.harness import Result, measure_view, refresh_statistics
from providers.models import Provider
from sportloket.paging import cursor_of

TOTAL = 60_000  # make bench --providers N
BUDGET_MS = 20
BUDGET_QUERIES = 12
# The deepest page measured by its link (or the last page of a smaller registry).
DEEP_PAGE = 20_000


BENCH_EMAIL = "@bench.example"


def fill() -> None:
    """Top up the benchmark's own providers to TOTAL (``manage.py fill_providers``: set-based
    on PostgreSQL, in bulk batches on SQLite).

    Never deletes: other benchmarks (the desk's questions) may reference these providers.
    """
    call_command("fill_providers", count=TOTAL, email_suffix=BENCH_EMAIL, stdout=io.StringIO())
    refresh_statistics()


def deep_page(page: int, order: tuple[str, ...] = ("name", "id"), size: int = 25) -> str:
    """The query string of page ``page`` as its "Next" link has it: the page number and the
    sort key of the last row of the page before."""
    before = Provider.objects.order_by(*order).only(*(o.lstrip("-") for o in order))[
        (page - 1) * size - 1
    ]
    return urlencode({"page": page, "after": cursor_of(before, order)})


# The sort by municipality, descending, as its links have it.
BY_MUNICIPALITY = ("-municipality_name", "-name", "-id")


def rare_word(total: int) -> str:
    """The number in the names of the fill (``Sportaanbieder 04242 Noord``) of a provider
    that is there: one provider in 100,000 has it."""
    return f"{min(4242, total // 2):05d}"


def registry_urls(total: int) -> list[tuple[str, str, bool]]:
    """(label, URL, budgeted) of the measured pages, for a registry of ``total`` providers
    (deep pages as far as it reaches)."""
    middle = min(500, total // 50)
    deepest = min(DEEP_PAGE, total // 25)
    return [
        ("provider registry, 25 per page", "/aanbieders/", True),
        ("provider registry, 50 per page", "/aanbieders/?per_page=50", True),
        (
            "provider registry, filtered + sorted",
            "/aanbieders/?status=active&kind=club&order=-name",
            True,
        ),
        ("provider registry, by kind", "/aanbieders/?order=kind", True),
        ("provider registry, newest first", "/aanbieders/?order=-created", True),
        ("provider registry, by municipality", "/aanbieders/?order=municipality", True),
        (
            f"provider registry, municipality, page {deepest:,}",
            f"/aanbieders/?order=-municipality&{deep_page(deepest, BY_MUNICIPALITY)}",
            True,
        ),
        (
            "provider registry, search, a rare word",
            f"/aanbieders/?q={rare_word(total)}",
            True,
        ),
        ("provider registry, search, a common word", "/aanbieders/?q=noord", True),
        (
            f"provider registry, page {middle:,} (its link)",
            f"/aanbieders/?{deep_page(middle)}",
            True,
        ),
        (
            f"provider registry, page {deepest:,} (its link)",
            f"/aanbieders/?{deep_page(deepest)}",
            True,
        ),
        (f"same page {middle:,} by number only (OFFSET)", f"/aanbieders/?page={middle}", False),
    ]


def run(*, fill: bool) -> list[Result]:
    if fill or Provider.objects.filter(email__endswith=BENCH_EMAIL).count() < TOTAL:
        globals()["fill"]()
    client = Client()
    client.force_login(bench_user())
    total = Provider.objects.count()
    data = f"{total:,} providers"
    results = []
    for label, url, budget in registry_urls(total):
        median, p95, queries = measure_view(client, url)
        results.append(
            Result(
                label,
                data,
                median,
                p95,
                queries,
                budget_ms=BUDGET_MS if budget else None,
                budget_queries=BUDGET_QUERIES,
                cpu_ms=harness.last_cpu_ms,
            )
        )
    return results
