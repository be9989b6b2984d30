"""The benchmark at CI size: the fill makes production-like data on either database, and the
board's pages need the same number of queries at two sizes (on PostgreSQL, where production
runs; ``make bench DATABASE_URL=postgres://…`` measures the full sizes)."""

from __future__ import annotations

import io
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bench import bench_desk
from meetings.management.commands.fill_support_requests import SPREAD_DESKS
from meetings.models import SupportRequest
from meetings.support.constants import CLOCK_RUNNING_STATUSES, OPEN_STATUSES, SupportStatus
from providers.models import Provider
from sportloket.models import Desk

pytestmark = pytest.mark.django_db

SMALL, LARGE = 300, 3_000
# The query-count test: big enough that every page of the benchmark has rows at the smaller
# size (an empty page skips the lookups of its rows' providers).
# The questions are spread over 30 desks, the measured one holding a quarter of them.
COUNT_SIZES = (12_000, 48_000)
BOARD_QUERY_BUDGET = 12


def fill(count: int, **options) -> None:
    call_command(
        "fill_support_requests",
        desk=bench_desk.DESK,
        count=count,
        providers="Benchmarkaanbieder",
        chunk=1_000,
        stdout=io.StringIO(),
        **options,
    )


def filled():
    """The questions of the benchmark's desks (the measured desk and the 29 it is spread
    with)."""
    return SupportRequest.objects.filter(desk__name__startswith=bench_desk.DESK)


@pytest.fixture
def bench_user():
    return bench_desk.setup()


def test_fill_makes_a_history_of_mostly_closed_questions(bench_user):
    fill(SMALL)
    questions = filled()
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
    assert filled().count() == SMALL
    fill(SMALL + 7)
    assert filled().count() == SMALL + 7
    assert Desk.objects.filter(name__startswith=bench_desk.DESK).count() == SPREAD_DESKS


def test_fill_spreads_the_questions_over_desks_skewed_the_measured_desk_largest(bench_user):
    """A few big desks, many small ones, the benchmark's desk the biggest (its board is the
    worst case); in every desk most questions closed and a few percent open."""
    fill(LARGE)
    per_desk = dict(
        filled().values_list("desk__name").annotate(n=Count("pk")).values_list("desk__name", "n")
    )
    assert sum(per_desk.values()) == LARGE
    assert len(per_desk) >= 25  # of 30 (the smallest hold under 1 % of the questions)
    ranked = sorted(per_desk.values(), reverse=True)
    assert per_desk[bench_desk.DESK] == ranked[0]
    # desk r holds about 1/r of the first: a quarter of all, then 12.5 %, 8 %, …
    assert 0.20 * LARGE < per_desk[bench_desk.DESK] < 0.30 * LARGE
    assert sum(ranked[:4]) > 0.45 * LARGE
    assert ranked[len(ranked) // 2] < 0.03 * LARGE
    for name, n in per_desk.items():
        desk_questions = filled().filter(desk__name=name)
        if n >= 100:
            assert desk_questions.filter(is_open=True).count() < 0.15 * n, name
            assert desk_questions.filter(status=SupportStatus.CLOSED).count() > 0.7 * n, name
    assert 0 < filled().filter(is_open=True).count() < 0.08 * LARGE
    # Each desk's questions come from its own area's providers, assigned to its own staff.
    for question in filled().select_related("provider", "desk", "assignee__staff_profile")[:300]:
        assert question.desk.municipalities.filter(pk=question.provider.municipality_id).exists()
        assert question.municipality_id == question.provider.municipality_id
        if question.assignee is not None:
            assert question.assignee.staff_profile.desk_id == question.desk_id
    # The desks interleave in the table, as questions arrive in production.
    first_hundred = filled().order_by("pk").values_list("desk_id", flat=True)[:100]
    assert len(set(first_hundred)) > 5


def test_fill_with_one_desk_puts_every_question_in_it(bench_user):
    fill(SMALL, desks=1)
    assert SupportRequest.objects.filter(desk__name=bench_desk.DESK).count() == SMALL
    assert SupportRequest.objects.count() == SMALL


def test_the_desk_s_providers_are_in_its_area_and_the_benchmark_s_search_names_one(bench_user):
    desk = Desk.objects.get(name=bench_desk.DESK)
    providers = Provider.objects.filter(name__startswith=bench_desk.PROVIDER_PREFIX)
    assert providers.count() == bench_desk.PROVIDERS
    assert set(providers.values_list("municipality_id", flat=True)) == set(
        desk.municipalities.values_list("pk", flat=True)
    )
    (url,) = [url for label, url in bench_desk.SEARCH_URLS if label.endswith("provider name")]
    name = parse_qs(urlsplit(url).query)["q"][0]
    assert providers.filter(name__icontains=name).count() == 1


def board_query_counts(user, urls) -> dict[str, int]:
    """Queries per page, counted as the benchmark counts them: with the option lists cached
    (a first page with none cached reads them too, still within the budget)."""
    client = Client()
    client.force_login(user)
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        client.get(urls[0][1])
    assert len(cold) <= BOARD_QUERY_BUDGET
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
    # The word searched for in one question of every 20 (the benchmark: of every 5,000), so
    # that the open queue has a few at the smaller size.
    monkeypatch.setattr(bench_desk, "SEARCH_WORD_EVERY", 20)
    fill(small_size)
    bench_desk.mark_search_word(bench_user)
    # The benchmark's provider search names a provider of its 2,000; here one that has
    # questions at the smaller size.
    provider = (
        SupportRequest.objects.filter(desk_id=bench_user.staff_profile.desk_id)
        .order_by("pk")
        .first()
        .provider.name
    )
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
    # The open queue's search reads the full-text index of the open questions only.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE meetings_supportrequest")
    assert "sr_search_open" in search_plan(
        bench_user, "/loket/hulpvragen/?q=zwembad&sort=-activity"
    )


def search_plan(user, url) -> str:
    client = Client()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    (search,) = [q["sql"] for q in queries.captured_queries if "to_tsvector" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {search}")
        return "\n".join(row[0] for row in cursor.fetchall())


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
            definitions = sorted(cursor.fetchall())
            # The statistics targets set on index columns (sr_search's words: 1000).
            cursor.execute(
                """
                SELECT c.relname, a.attnum, a.attstattarget FROM pg_attribute a
                JOIN pg_class c ON c.oid = a.attrelid JOIN pg_index x ON x.indexrelid = c.oid
                WHERE x.indrelid = %s::regclass AND a.attstattarget >= 0
                """,
                [SupportRequest._meta.db_table],
            )
            return definitions, sorted(cursor.fetchall())

    before = indexes()
    assert ("sr_search", 1, 1000) in before[1]
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
    assert filled().count() == SMALL
