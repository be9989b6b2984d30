"""The registry's benchmark at CI size on PostgreSQL (``make bench DATABASE_URL=postgres://…
BENCH_ARGS="--providers 600000 providers"`` measures the full sizes): every page of the
benchmark (every sort, the text search) needs the same number of queries at two sizes, within
the budget, and a deep page by its link reads what the first page reads, in the sort by name
and in the sort by municipality."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import bench_providers
from bench.bench_home import bench_user
from providers.models import Provider

pytestmark = pytest.mark.django_db
SIZES = (3_000, 15_000)


def fill(count: int) -> None:
    call_command(
        "fill_providers",
        count=count,
        email_suffix=bench_providers.BENCH_EMAIL,
        chunk=5_000,
        stdout=io.StringIO(),
    )


def query_counts(urls) -> list[int]:
    client = Client()
    client.force_login(bench_user())
    client.get("/aanbieders/")  # the session, once
    counts = []
    for label, url, _budgeted in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        # A rare word is on a page of its own; every other page is full.
        least = 1 if "rare word" in label else 25
        assert len(response.context["rows"]) >= least, f"{label}: no rows to compare"
        counts.append(len(queries))
    return counts


@pytest.mark.postgres
def test_registry_queries_are_the_same_at_two_sizes_on_postgresql():
    small_size, large_size = SIZES
    fill(small_size)
    small = query_counts(bench_providers.registry_urls(Provider.objects.count()))
    fill(large_size)
    large_urls = bench_providers.registry_urls(Provider.objects.count())
    large = query_counts(large_urls)
    assert small == large
    assert max(large) <= bench_providers.BUDGET_QUERIES
    # Beyond the count's limit the page says so instead of counting every provider.
    text = Client()
    text.force_login(bench_user())
    assert "Meer dan 1.000 aanbieders" in text.get("/aanbieders/").content.decode()


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("sort", "order"),
    [("", ("name", "id")), ("order=-municipality&", bench_providers.BY_MUNICIPALITY)],
)
def test_a_deep_page_by_its_link_reads_no_more_rows_than_the_first(sort, order):
    """The plan of the page's query: by key it starts in the index at its cursor (the rows
    read stay 26); by number it reads past every row before it."""
    fill(SIZES[0])
    client = Client()
    client.force_login(bench_user())
    deep = bench_providers.deep_page(100, order)
    with CaptureQueriesContext(connection) as by_link:
        response = client.get(f"/aanbieders/?{sort}{deep}")
    assert response.context["page_obj"].number == 100
    page_sql = next(
        q["sql"]
        for q in by_link.captured_queries
        if "LIMIT 26" in q["sql"] and "ORDER BY" in q["sql"]
    )
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {page_sql}")
        plan = cursor.fetchone()[0][0]["Plan"]
    scan = plan["Plans"][0] if plan["Node Type"] == "Limit" else plan
    assert scan["Node Type"].startswith("Index"), scan["Node Type"]
    assert scan["Actual Rows"] <= 26
