"""The benchmark at CI size: the fill makes production-like data on either database, and the
board's pages need the same number of queries at two sizes (on PostgreSQL, where production
runs; ``make bench DATABASE_URL=postgres://…`` measures the full sizes)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import bench_desk
from meetings.models import SupportRequest
from meetings.support.constants import CLOCK_RUNNING_STATUSES, OPEN_STATUSES, SupportStatus

pytestmark = pytest.mark.django_db

SMALL, LARGE = 300, 3_000
# The query-count test: big enough that every page of the benchmark has rows at the smaller
# size (an empty page skips the lookups of its rows' providers).
COUNT_SIZES = (3_000, 15_000)
BOARD_QUERY_BUDGET = 12


def fill(count: int) -> None:
    call_command(
        "fill_support_requests",
        desk=bench_desk.DESK,
        count=count,
        providers="Benchmarkaanbieder",
        chunk=1_000,
        stdout=io.StringIO(),
    )


@pytest.fixture
def bench_user():
    return bench_desk.setup()


def test_fill_makes_a_history_of_mostly_closed_questions(bench_user):
    fill(SMALL)
    questions = SupportRequest.objects.filter(desk__name=bench_desk.DESK)
    assert questions.count() == SMALL
    open_questions = questions.filter(is_open=True)
    # "a few percent open": about 4 %, never most of them.
    assert 0 < open_questions.count() < SMALL * 0.15
    assert questions.filter(status=SupportStatus.CLOSED).count() > SMALL * 0.7
    for row in questions.values("status", "is_open", "clock_running", "created_at", "deadline"):
        assert row["is_open"] == (row["status"] in OPEN_STATUSES)
        assert row["clock_running"] == (row["status"] in CLOCK_RUNNING_STATUSES)
        assert row["created_at"] <= timezone.now()
    # Open questions arrived in the last month; the history goes back years.
    oldest_open = min(open_questions.values_list("created_at", flat=True))
    assert (timezone.now() - oldest_open).days <= 31
    oldest = min(questions.values_list("created_at", flat=True))
    assert (timezone.now() - oldest).days > 365
    assert len(set(questions.values_list("public_token", flat=True))) == SMALL
    assert questions.values("provider_id").distinct().count() > 50


def test_fill_tops_up_to_the_count_and_no_further(bench_user):
    fill(SMALL)
    fill(SMALL)
    assert SupportRequest.objects.filter(desk__name=bench_desk.DESK).count() == SMALL
    fill(SMALL + 7)
    assert SupportRequest.objects.filter(desk__name=bench_desk.DESK).count() == SMALL + 7


def board_query_counts(user, urls) -> dict[str, int]:
    client = Client()
    client.force_login(user)
    counts = {}
    for label, url in urls:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        assert b'id="row-' in response.content, f"{label}: no rows to compare"
        counts[label] = len(queries)
    return counts


@pytest.mark.postgres
def test_board_queries_are_the_same_at_two_sizes_on_postgresql(bench_user, monkeypatch):
    small_size, large_size = COUNT_SIZES
    # The word searched for in one question of every 100 (the benchmark: of every 5,000).
    monkeypatch.setattr(bench_desk, "SEARCH_WORD_EVERY", 100)
    fill(small_size)
    bench_desk.mark_search_word(bench_user)
    # The benchmark's provider search names a provider of its 2,000; here one that has
    # questions at the smaller size.
    provider = SupportRequest.objects.order_by("pk").first().provider.name
    urls = [
        *bench_desk.BOARD_URLS,
        *bench_desk.SEARCH_URLS[:-1],
        ("board search, provider name", f"/loket/hulpvragen/?q={provider}&status="),
    ]
    small = board_query_counts(bench_user, urls)
    fill(large_size)
    bench_desk.mark_search_word(bench_user)
    large = board_query_counts(bench_user, urls)
    assert small == large
    assert max(large.values()) <= BOARD_QUERY_BUDGET


@pytest.mark.postgres
def test_a_large_fill_builds_the_same_indexes_again(bench_user, monkeypatch):
    """A fill that makes up most of the table drops the secondary indexes and builds them
    afterwards: the table ends with exactly the indexes it had."""
    from meetings.management.commands import fill_support_requests

    def indexes():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s",
                [SupportRequest._meta.db_table],
            )
            return sorted(cursor.fetchall())

    before = indexes()
    monkeypatch.setattr(fill_support_requests, "REBUILD_INDEXES_FROM", 100)
    output = io.StringIO()
    call_command(
        "fill_support_requests",
        desk=bench_desk.DESK,
        count=SMALL,
        providers="Benchmarkaanbieder",
        chunk=100,
        stdout=output,
    )
    assert "Building" in output.getvalue()
    assert indexes() == before
    assert SupportRequest.objects.filter(desk__name=bench_desk.DESK).count() == SMALL
