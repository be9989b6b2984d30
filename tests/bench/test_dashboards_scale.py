"""The dashboards at CI size on PostgreSQL, where production runs: every dashboard page the
benchmark measures (and the staff map) needs the same number of queries when the data grows —
ten times the historical POS offices and five times the desk's questions — and stays within
the dashboards' query budget. ``make bench DATABASE_URL=postgres://…`` measures the full
sizes (10,342 offices, 500,000 questions)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from bench import bench_dashboards, bench_desk
from meetings.programme import guideline_services
from meetings.support import services as desk_services
from poskantoor.models import PosOffice
from reports.maps.selectors import staff_map_rows
from reports.maps.svg import cached_draw
from sportloket.models import Desk, Municipality

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

# (historical offices, desk questions) of the two sizes.
SIZES = ((100, 3_000), (1_000, 15_000))


def fill(*, historical: int, questions: int) -> None:
    call_command("poskantoor_fill", historical=historical, stdout=io.StringIO())
    call_command(
        "fill_support_requests",
        desk=bench_desk.DESK,
        count=questions,
        providers="Benchmarkaanbieder",
        chunk=1_000,
        stdout=io.StringIO(),
    )
    # The two rollups the dashboards read, rebuilt as beat does every 15 minutes.
    desk_services.desk_stats_refresh(desk=Desk.objects.get(name=bench_desk.DESK))
    guideline_services.reached_stats_refresh()


def query_counts(pos_user, desk_user) -> dict[str, int]:
    counts = {}
    for user, urls in [
        (pos_user, bench_dashboards.POS_URLS),
        (desk_user, bench_dashboards.DESK_URLS),
    ]:
        client = Client()
        client.force_login(user)
        for label, url in urls:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            assert response.status_code == 200, url
            counts[label] = len(queries)
    with CaptureQueriesContext(connection) as queries:
        rows = staff_map_rows()
        cached_draw(areas=[row.area() for row in rows], title="Kaart", prefix="test")
    counts["map SVG of all municipalities"] = len(queries)
    return counts


def test_dashboard_queries_are_the_same_at_two_sizes_on_postgresql():
    desk_user = bench_desk.setup()
    pos_user = bench_dashboards._pos_user()
    (small_offices, small_questions), (large_offices, large_questions) = SIZES
    fill(historical=small_offices, questions=small_questions)
    small = query_counts(pos_user, desk_user)
    fill(historical=large_offices, questions=large_questions)
    municipalities = Municipality.objects.filter(active=True).count()
    assert PosOffice.objects.count() == municipalities + large_offices
    large = query_counts(pos_user, desk_user)
    assert small == large
    assert max(large.values()) <= bench_dashboards.BUDGET_QUERIES
    assert large["map SVG of all municipalities"] <= 2
