"""Dashboards and the year-plan PDF on the data of the earlier benchmarks.

Reuses ``poskantoor_fill`` (342 current + 10,000 historical offices), the desk benchmark's
500,000 questions (bench_desk.setup + fill_support_requests; filled once, kept afterwards), and
the providers (60,000) and scheme shares (~629,000) of the providers and subsidies benchmarks
when they ran before. Budgets: each dashboard ≤ 100 ms median with a constant number of
queries; one year-plan PDF ≤ 1 s, reported next to WeasyPrint's time for a bare page of the
same size. The two beat rollups (desk questions, guideline's entrepreneurs reached) are
rebuilt first, as beat does every 15 minutes, and their time is reported.
"""

from __future__ import annotations

import io
import time

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone
from pypdf import PdfReader

from bench import bench_desk, harness
from bench.harness import Result, measure, measure_view, refresh_statistics
from meetings.models import QuestionWeekStat, SupportRequest
from meetings.programme import guideline_services
from meetings.support import services as desk_services
from poskantoor import services
from poskantoor.models import PosOffice
from poskantoor.selectors import year_plan_pdf_context
from sportloket.constants import Role
from sportloket.models import Desk
from sportloket.services import staff_create
from subsidies.models import SchemeShare

BUDGET_MS = 100
BUDGET_QUERIES = 16
PDF_BUDGET_MS = 1000
# The pages measured (and counted at two sizes in tests/bench/test_dashboards_scale.py).
POS_URLS = [
    ("POS national dashboard", "/dashboard/pos/"),
    ("POS national dashboard, province Utrecht", "/dashboard/pos/?province=Utrecht"),
    ("POS dashboard CSV, offices", "/dashboard/pos/csv/offices/"),
]
DESK_URLS = [
    ("desk dashboard", "/loket/dashboard/"),
    ("desk dashboard CSV, per category", "/loket/dashboard/csv/category/"),
]


def _pos_user():
    user = get_user_model().objects.filter(username="bench-pos").first()
    if user is None:
        user = staff_create(
            username="bench-pos", email="bench-pos@example.org", password=None, role=Role.POS_STAFF
        ).user
    return user


def _year_plan():
    office = PosOffice.objects.exclude(status="stopped").select_related("municipality").first()
    plan = services.YearPlan.objects.filter(office=office, year=timezone.localdate().year).first()
    if plan is None:
        with transaction.atomic():
            plan = services.year_plan_save(
                office=office,
                year=timezone.localdate().year,
                data={
                    "short_term_goals": "Drie bijeenkomsten per jaar.\n" * 8,
                    "long_term_vision": "Een levendig netwerk van sportondernemers.\n" * 8,
                    "stakeholder_analysis": "Gemeente, sportbedrijf, welzijn, onderwijs.\n" * 8,
                    "cooperation_agreements": "Elk kwartaal overleg.\n" * 8,
                    "target_groups_note": "Ouderen en jongeren in beweging.\n" * 4,
                    "budget_lines": [
                        {"description": f"Post {i}", "amount": "250.00"} for i in range(8)
                    ],
                },
                by=None,
            )
    return plan


def _pdf_results() -> list[Result]:
    from weasyprint import HTML

    from sportloket.pdf import render_pdf

    plan = _year_plan()
    context = year_plan_pdf_context(plan=plan, now=timezone.now())
    _html, pdf = render_pdf("poskantoor/pdf/year_plan.html", context)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    bare = "".join(
        f'<p style="page-break-after: always">Pagina {i}</p>' for i in range(max(pages, 1))
    )
    median, worst, _queries = measure(
        lambda: render_pdf("poskantoor/pdf/year_plan.html", context), repeat=10
    )
    bare_median, bare_worst, _ = measure(
        lambda: HTML(string=f'<html lang="nl"><title>x</title>{bare}</html>').write_pdf(),
        repeat=10,
    )
    return [
        Result(
            "year-plan PDF (PDF/UA, embedded font)",
            f"{pages} pages",
            median,
            worst,
            0,
            budget_ms=PDF_BUDGET_MS,
        ),
        Result(
            "bare WeasyPrint page, same page count", f"{pages} pages", bare_median, bare_worst, 0
        ),
    ]


def run(*, fill: bool) -> list[Result]:
    if fill or PosOffice.objects.count() < 10_342:
        call_command("poskantoor_fill", verbosity=0)
        refresh_statistics()
    desk_user = bench_desk.setup()
    call_command(
        "fill_support_requests", desk=bench_desk.DESK, count=bench_desk.QUESTIONS, verbosity=0
    )
    desk = Desk.objects.get(name=bench_desk.DESK)
    start = time.perf_counter()
    desk_services.desk_stats_refresh(desk=desk)
    refresh_ms = (time.perf_counter() - start) * 1000
    questions = SupportRequest.objects.filter(desk=desk).count()
    start = time.perf_counter()
    reached_rows = guideline_services.reached_stats_refresh()
    reached_ms = (time.perf_counter() - start) * 1000
    shares = SchemeShare.objects.count()
    results = []
    client = Client()
    client.force_login(_pos_user())
    offices = PosOffice.objects.count()
    for label, url in POS_URLS:
        median, p95, queries = measure_view(client, url)
        results.append(
            Result(
                label,
                f"{offices} offices",
                median,
                p95,
                queries,
                BUDGET_MS,
                BUDGET_QUERIES,
                cpu_ms=harness.last_cpu_ms,
            )
        )
    results.append(
        Result(
            f"guideline rollup refresh (beat task, {reached_rows} rows)",
            f"{shares:,} shares",
            reached_ms,
            reached_ms,
            0,
        )
    )
    median, p95, queries = measure_view(client, f"/monitor/{timezone.localdate().year}/", repeat=5)
    results.append(
        Result(
            "monitoring XLSX, all municipalities",
            f"{questions:,} questions",
            median,
            p95,
            queries,
            cpu_ms=harness.last_cpu_ms,
        )
    )
    client.force_login(desk_user)
    for label, url in DESK_URLS:
        median, p95, queries = measure_view(client, url)
        results.append(
            Result(
                label,
                f"{questions:,} questions",
                median,
                p95,
                queries,
                BUDGET_MS,
                BUDGET_QUERIES,
                cpu_ms=harness.last_cpu_ms,
            )
        )
    rows = QuestionWeekStat.objects.filter(desk=desk).count()
    results.append(
        Result(
            f"desk rollup refresh (beat task, {rows} rows)",
            f"{questions:,} questions",
            refresh_ms,
            refresh_ms,
            0,
        )
    )
    results.extend(_pdf_results())
    return results
